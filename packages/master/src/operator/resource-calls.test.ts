import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer, silentLogger } from '@agora/runtime';
import type { Offer, Resource } from '@agora/protocol';
import { Harness, testUuid, type FakeAgent, type FakeScheduler } from '../testing/harness.ts';
import { plainTextErrors } from '../http/error-handler.ts';
import { standalone } from '../http/leadership.ts';
import { legacyEndpoints } from '../http/legacy-endpoints.ts';
import { operatorEndpoint } from '../http/operator-endpoint.ts';
import { parseTotal } from '../agents/register.ts';

const dyn = (role: string) => ({ reservations: [{ type: 'DYNAMIC' as const, role, principal: 'ops' }] });
const cpus = (value: number, extra: object = {}): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, ...extra });
const disk = (value: number, extra: object = {}): Resource => ({ name: 'disk', type: 'SCALAR', scalar: { value }, ...extra });
const volume = (id: string, value = 100, extra: object = {}) =>
  disk(value, { ...dyn('eng'), disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } }, ...extra });

async function setup(resources = 'cpus:4;mem:1024;disk:1000') {
  const h = new Harness();
  const agent = h.agent(resources);
  const app = createHttpServer();
  const leadership = standalone('//localhost:5050');
  operatorEndpoint(app, h.master, leadership, h.metrics, {});
  legacyEndpoints(app, h.master, leadership, h.metrics, {});
  plainTextErrors(app, silentLogger);
  await app.ready();
  const v1 = async (call: object) => {
    const r = await app.inject({ method: 'POST', url: '/api/v1', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: JSON.stringify(call) });
    return { status: r.statusCode, body: r.body };
  };
  const form = async (url: string, fields: Record<string, string>) => {
    const r = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    return { status: r.statusCode, body: r.body };
  };
  const id = { value: agent.id! };
  const reserve = (resources: Resource[]) => v1({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: id, resources } });
  const unreserve = (resources: Resource[]) => v1({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: id, resources } });
  const create = (volumes: Resource[]) => v1({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: id, volumes } });
  const destroy = (volumes: Resource[]) => v1({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: id, volumes } });
  return { h, agent, app, v1, form, reserve, unreserve, create, destroy };
}

/** Scalar amount of `name` in the offer that is reserved to `role` (`*`: unreserved), either format. */
function amount(o: Offer | undefined, name: string, role: string): number {
  return (o?.resources ?? [])
    .filter((r) => r.name === name && (r.reservations?.at(-1)?.role ?? r.role ?? '*') === role)
    .reduce((a, r) => a + (r.scalar?.value ?? 0), 0);
}
const volumesIn = (o: Offer | undefined) => (o?.resources ?? []).map((r) => r.disk?.persistence?.id).filter((x) => x !== undefined);
function lastCheckpoint(a: FakeAgent, h: Harness): Resource[] {
  h.settle(); // delivers the message to the agent
  return a.ofType('CHECKPOINT_RESOURCES').at(-1)?.checkpoint_resources?.resources ?? [];
}

function launch(s: FakeScheduler, offer: Offer, taskId: string, resources: Resource[]) {
  const r = s.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources, command: { value: 'sleep 100', shell: true } }] } }], filters: { refuse_seconds: 0 } },
  });
  assert.ok(r.ok, JSON.stringify(r));
}

test('RESERVE_RESOURCES of unallocated resources: 202, checkpointed on the agent, offered to the role only', async () => {
  const t = await setup();
  const a = await t.reserve([cpus(2, dyn('eng'))]);
  assert.equal(a.status, 202, a.body);
  const cp = lastCheckpoint(t.agent, t.h);
  assert.deepEqual(cp.map((r) => [r.name, r.scalar?.value, r.reservations?.at(-1)?.role, r.reservations?.at(-1)?.type]), [['cpus', 2, 'eng', 'DYNAMIC']]);
  const other = t.h.scheduler({ role: 'other' });
  const o = other.liveOffers()[0];
  assert.equal(amount(o, 'cpus', '*'), 2, 'other roles get only the unreserved cpus');
  assert.equal(amount(o, 'cpus', 'eng'), 0);
  const eng = t.h.scheduler({ role: 'eng' });
  assert.equal(amount(eng.liveOffers()[0], 'cpus', 'eng'), 2, 'the role gets its reservation');
  // GET_AGENTS shows the reservation in the agent's total.
  const agents = JSON.parse((await t.v1({ type: 'GET_AGENTS' })).body);
  const total: Resource[] = agents.get_agents.agents[0].total_resources;
  assert.ok(total.some((r) => r.name === 'cpus' && r.reservations?.[0]?.role === 'eng' && r.scalar?.value === 2));
});

test('resources held by an outstanding offer: the offer is rescinded, the reservation applied and re-offered', async () => {
  const t = await setup();
  const s = t.h.scheduler({ role: 'eng', principal: 'ops' });
  const first = s.liveOffers()[0]!;
  assert.equal(amount(first, 'cpus', '*'), 4);
  assert.equal((await t.reserve([cpus(3, dyn('eng'))])).status, 202);
  assert.deepEqual(s.ofType('RESCIND').map((e) => e.rescind!.offer_id.value), [first.id.value]);
  t.h.advance(1000);
  const next = s.liveOffers()[0];
  assert.equal(amount(next, 'cpus', 'eng'), 3);
  assert.equal(amount(next, 'cpus', '*'), 1);
});

test('resources used by tasks cannot be reserved or unreserved (409); nothing is rescinded', async () => {
  const t = await setup();
  assert.equal((await t.reserve([cpus(1, dyn('eng'))])).status, 202);
  const s = t.h.scheduler({ role: 'eng', principal: 'ops' });
  const offer = s.liveOffers()[0]!;
  launch(s, offer, 't1', [cpus(3), cpus(1, { role: 'eng', reservation: { principal: 'ops' } }), { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }]);
  t.h.advance(1000);
  const held = s.liveOffers().length;
  assert.ok(held > 0, 'the remainder is offered again');
  const a = await t.reserve([cpus(1, dyn('eng'))]);
  assert.equal(a.status, 409, a.body);
  assert.match(a.body, /reserve_resources\.resources: .*not available/);
  const b = await t.unreserve([cpus(1, dyn('eng'))]);
  assert.equal(b.status, 409, b.body);
  assert.equal(s.ofType('RESCIND').length, 0, 'a refused call rescinds nothing');
  assert.equal(s.liveOffers().length, held);
});

test('CREATE_VOLUMES on reserved disk is offered; DESTROY then UNRESERVE give the disk back; a volume in use is not destroyed', async () => {
  const t = await setup();
  assert.equal((await t.reserve([disk(100, dyn('eng'))])).status, 202);
  assert.equal((await t.create([volume('v1')])).status, 202);
  assert.deepEqual(lastCheckpoint(t.agent, t.h).map((r) => r.disk?.persistence?.id), ['v1']);
  const again = await t.create([volume('v1')]);
  assert.equal(again.status, 400, 'persistence IDs are unique on the agent');
  assert.match(again.body, /create_volumes\.volumes: persistence ID 'v1' already exists/);
  const s = t.h.scheduler({ role: 'eng', principal: 'ops' });
  const offer = s.liveOffers()[0]!;
  assert.deepEqual(volumesIn(offer), ['v1']);

  launch(s, offer, 'db', [cpus(1), { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }, { ...volume('v1'), reservations: undefined, role: 'eng', reservation: { principal: 'ops' } } as Resource]);
  t.h.settle();
  const busy = await t.destroy([volume('v1')]);
  assert.equal(busy.status, 409, busy.body);
  assert.match(busy.body, /'v1' is in use by task db/);

  // The task ends (and is acknowledged): its volume is free.
  const uuid = testUuid();
  t.agent.update(s.frameworkId!, 'db', 'TASK_FINISHED', uuid);
  s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: t.agent.id! }, task_id: { value: 'db' }, uuid } });
  t.h.advance(1000);
  assert.equal((await t.destroy([volume('v1')])).status, 202);
  assert.deepEqual(lastCheckpoint(t.agent, t.h).map((r) => [r.name, r.scalar?.value, r.disk?.persistence?.id]), [['disk', 100, undefined]]);
  assert.equal((await t.unreserve([disk(100, dyn('eng'))])).status, 202);
  assert.deepEqual(lastCheckpoint(t.agent, t.h), []);
  t.h.advance(1000);
  const back = s.liveOffers().at(-1);
  assert.equal(amount(back, 'disk', '*'), 1000, 'the disk is unreserved again');
  assert.deepEqual(volumesIn(back), []);
});

test('bad resource calls are 400 naming the field; an unknown agent is 400', async () => {
  const t = await setup();
  for (const [call, want] of [
    [() => t.reserve([cpus(1)]), /reserve_resources\.resources: resource 'cpus' must carry a DYNAMIC reservation/],
    [() => t.reserve([]), /reserve_resources\.resources: no resources given/],
    [() => t.reserve([cpus(1, { ...dyn('eng'), allocation_info: { role: 'eng' } })]), /reserve_resources\.resources\[0\]: 'allocation_info'/],
    [() => t.reserve([cpus(-1, dyn('eng'))]), /reserve_resources\.resources: invalid resources/],
    [() => t.unreserve([cpus(1)]), /unreserve_resources\.resources: resource 'cpus' is not dynamically reserved/],
    [() => t.create([volume('v', 10, { disk: { persistence: { id: 'v' } } })]), /create_volumes\.volumes: .*Expecting 'volume' to be set/],
    [() => t.create([disk(10, { disk: { persistence: { id: 'v' }, volume: { container_path: 'd', mode: 'RW' } } })]), /create_volumes\.volumes: .*cannot be created from unreserved resources/],
    [() => t.create([volume('v', 10, { disk: { persistence: { id: 'v' }, volume: { container_path: '/abs', mode: 'RW' } } })]), /must be relative/],
    [() => t.destroy([disk(10, dyn('eng'))]), /destroy_volumes\.volumes: every volume must have 'disk\.persistence\.id'/],
    [() => t.v1({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: 'nope' }, resources: [cpus(1, dyn('eng'))] } }), /No agent found with specified ID nope/],
  ] as const) {
    const a = await call();
    assert.equal(a.status, 400, a.body);
    assert.match(a.body, want);
  }
  assert.deepEqual(t.agent.ofType('CHECKPOINT_RESOURCES'), [], 'nothing was applied');
  // More than the agent has: 409.
  assert.equal((await t.reserve([cpus(5, dyn('eng'))])).status, 409);
});

test('legacy /master/reserve, /unreserve, /create-volumes, /destroy-volumes take form bodies', async () => {
  const t = await setup();
  const slaveId = t.agent.id!;
  assert.equal((await t.form('/master/reserve', { slaveId, resources: JSON.stringify([disk(50, dyn('eng')), cpus(1, dyn('eng'))]) })).status, 202);
  assert.equal((await t.form('/master/create-volumes', { slaveId, volumes: JSON.stringify([volume('lv', 50)]) })).status, 202);
  assert.deepEqual(lastCheckpoint(t.agent, t.h).map((r) => r.disk?.persistence?.id ?? r.name).sort(), ['cpus', 'lv']);
  assert.equal((await t.form('/master/destroy-volumes', { slaveId, volumes: JSON.stringify([volume('lv', 50)]) })).status, 202);
  assert.equal((await t.form('/master/unreserve', { slaveId, resources: JSON.stringify([disk(50, dyn('eng')), cpus(1, dyn('eng'))]) })).status, 202);
  assert.deepEqual(lastCheckpoint(t.agent, t.h), []);

  for (const [url, fields, code, want] of [
    ['/master/reserve', { resources: '[]' }, 400, /'slaveId'/],
    ['/master/reserve', { slaveId }, 400, /Missing 'resources'/],
    ['/master/reserve', { slaveId, resources: '[{' }, 400, /'resources'.*invalid JSON/],
    ['/master/reserve', { slaveId, resources: '{}' }, 400, /'resources'.*JSON array/],
    ['/master/reserve', { slaveId, resources: '[{"name":"cpus","type":"SCALAR","scalar":{"value":"x"}}]' }, 400, /resources\[0\]/],
    ['/master/create-volumes', { slaveId, volumes: JSON.stringify([volume('x')]) }, 409, /volumes: .*not available/],
    ['/master/reserve', { slaveId: 'nope', resources: JSON.stringify([cpus(1, dyn('eng'))]) }, 400, /No agent found/],
  ] as const) {
    const a = await t.form(url, fields);
    assert.equal(a.status, code, `${url} ${JSON.stringify(fields)}: ${a.body}`);
    assert.match(a.body, want);
  }
});

test('a re-registering agent\'s checkpointed volume is carved out of its configured disk, not added to it', async () => {
  const t = await setup('cpus:4;mem:1024;disk:1000');
  assert.equal((await t.reserve([disk(100, dyn('eng')), cpus(1, dyn('eng'))])).status, 202);
  assert.equal((await t.create([volume('v1')])).status, 202);
  const before = t.h.master.agents.get(t.agent.id!)!.total;
  const total = parseTotal({ hostname: 'h', port: 5051, resources: [cpus(4), { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } }, disk(1000)] }, lastCheckpoint(t.agent, t.h));
  assert.ok(total.ok);
  assert.equal(total.value.scalar('disk'), 1000);
  assert.ok(total.value.equals(before), `${total.value.toString()} vs ${before.toString()}`);
});

test('a refinement pushes a reservation onto the stack; UNRESERVE pops it back to the parent role', async () => {
  const t = await setup();
  const a = { type: 'DYNAMIC' as const, role: 'eng', principal: 'ops' };
  const ab = { type: 'DYNAMIC' as const, role: 'eng/web', principal: 'ops' };
  assert.equal((await t.reserve([cpus(2, { reservations: [a] })])).status, 202);
  const refined = await t.reserve([cpus(1, { reservations: [a, ab] })]);
  assert.equal(refined.status, 202, refined.body);
  const roles = (rs: Resource[]) => rs.map((r) => `${r.scalar?.value}:${(r.reservations ?? []).map((x) => x.role).join('>')}`).sort();
  assert.deepEqual(roles(lastCheckpoint(t.agent, t.h)), ['1:eng', '1:eng>eng/web']);
  const bad = await t.reserve([cpus(1, { reservations: [a, { ...ab, role: 'ops' }] })]);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /reserve_resources\.resources: invalid resources: .*not a refinement of 'eng'/);
  assert.equal((await t.unreserve([cpus(1, { reservations: [a, ab] })])).status, 202);
  assert.deepEqual(roles(lastCheckpoint(t.agent, t.h)), ['2:eng']);
  // `source`: re-reserve resources already reserved to 'eng' for 'ops' in one call.
  const moved = await t.v1({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: t.agent.id! }, source: [cpus(2, { reservations: [a] })], resources: [cpus(2, { reservations: [{ ...a, role: 'ops' }] })] } });
  assert.equal(moved.status, 202, moved.body);
  assert.deepEqual(roles(lastCheckpoint(t.agent, t.h)), ['2:ops']);
});
