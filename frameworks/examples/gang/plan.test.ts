import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Offer } from '@agora/sdk';
import { planGang } from './plan.ts';

function offer(id: string, agent: string, cpus: number, ports: [number, number], hostname = '127.0.0.1'): Offer {
  return {
    id: { value: id }, framework_id: { value: 'f' }, agent_id: { value: agent }, hostname,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: ports[0], end: ports[1] }] }, role: '*' },
    ],
  };
}
const spec = { cpus: 0.5, mem: 64 };
const portsOf = (r: { name: string; ranges?: { range?: { begin: number; end: number }[] } }[]) => r.find((x) => x.name === 'ports')?.ranges?.range;

test('one member per agent by default: two agents make a gang of two, not of three', () => {
  const offers = [offer('o1', 'a', 4, [31000, 31010]), offer('o2', 'b', 4, [31000, 31010])];
  const two = planGang(offers, 2, 1, spec);
  assert.ok(two.ok);
  assert.deepEqual(two.members.map((m) => [m.rank, m.offer.agent_id.value]), [[0, 'a'], [1, 'b']]);
  assert.deepEqual(planGang(offers, 3, 1, spec), { ok: false, slots: 2, agents: 2 });
});

test('members on agents that share a host get distinct ports, each a resource of its own', () => {
  const plan = planGang([offer('o1', 'a', 4, [31000, 31010]), offer('o2', 'b', 4, [31000, 31010])], 4, 2, spec);
  assert.ok(plan.ok);
  assert.deepEqual(plan.members.map((m) => m.port), [31000, 31001, 31002, 31003]);
  assert.deepEqual(portsOf(plan.members[2]!.resources), [{ begin: 31002, end: 31002 }]);
  assert.equal(plan.members[2]!.resources.find((r) => r.name === 'cpus')?.scalar?.value, 0.5);
});

test('what does not fit is not counted: cpus, ports and the per-agent limit all bound the slots', () => {
  assert.deepEqual(planGang([offer('o1', 'a', 1, [31000, 31010])], 3, 3, spec), { ok: false, slots: 2, agents: 1 });
  assert.deepEqual(planGang([offer('o1', 'a', 4, [31000, 31000])], 2, 2, spec), { ok: false, slots: 1, agents: 1 });
  assert.deepEqual(planGang([offer('o1', 'a', 0.1, [31000, 31010])], 1, 1, spec), { ok: false, slots: 0, agents: 0 });
  // Two offers from one agent still count against its limit.
  assert.deepEqual(planGang([offer('o1', 'a', 4, [31000, 31001]), offer('o2', 'a', 4, [31002, 31003])], 2, 1, spec), { ok: false, slots: 1, agents: 1 });
});
