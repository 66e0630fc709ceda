import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../testing/harness.ts';
import { updateQuota } from './quota.ts';

test('a quota limit caps what a role is offered; invalid configs are refused whole', () => {
  const h = new Harness();
  h.agent('cpus:8;mem:8192');
  assert.equal(updateQuota(h.master, [{ role: 'eng', limits: { cpus: { value: 2 }, mem: { value: 1024 } } }], false).ok, true);
  const s = h.scheduler({ role: 'eng' });
  const offer = s.liveOffers()[0]!;
  const cpus = offer.resources!.filter((r) => r.name === 'cpus').reduce((a, r) => a + (r.scalar?.value ?? 0), 0);
  assert.equal(cpus, 2, 'offers stop at the limit');

  for (const [configs, want] of [
    [[{ role: 'a/b', limits: { cpus: { value: 1 } } }], /top-level/],
    [[{ role: '*', limits: { cpus: { value: 1 } } }], /cannot have quota/],
    [[{ role: 'x', guarantees: { cpus: { value: 3 } }, limits: { cpus: { value: 1 } } }], /exceeds its limit/],
    [[{ role: 'y', limits: { cpus: { value: -1 } } }], /quota_configs\[0\]\.limits/],
    [[{ role: 'ok' }, { role: 'ok' }], /appears twice/],
  ] as const) {
    const r = updateQuota(h.master, configs as never, false);
    assert.ok(!r.ok && want.test(r.error), r.ok ? 'accepted' : r.error);
  }
  assert.deepEqual([...h.master.quotas.keys()], ['eng'], 'nothing from the refused updates was applied');
});

test('a new limit below what a role already consumes needs force', () => {
  const h = new Harness();
  h.agent('cpus:8;mem:8192');
  const s = h.scheduler({ role: 'eng' });
  const offer = s.liveOffers()[0]!;
  s.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' }, agent_id: offer.agent_id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }], command: { value: 'true', shell: true } }] } }],
    },
  });
  h.settle();
  const r = updateQuota(h.master, [{ role: 'eng', limits: { cpus: { value: 1 } } }], false);
  assert.ok(!r.ok && /already consumes 4 cpus/.test(r.error));
  assert.ok(updateQuota(h.master, [{ role: 'eng', limits: { cpus: { value: 1 } } }], true).ok);
});
