import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advance, effectiveApps, planDeployment } from './deployment.ts';
import { appDef, instance } from './testing.ts';

const V1 = '2026-01-01T00:00:00.000Z';
const V2 = '2026-01-02T00:00:00.000Z';

test('plans start in dependency order and stops first; later steps keep the old spec', () => {
  const db = appDef({ id: '/db' }, V2);
  const web = appDef({ id: '/web', dependencies: ['/db'] }, V2);
  const oldJob = appDef({ id: '/job' }, V1);
  const d = planDeployment('d1', V2, { '/db': null, '/web': null, '/job': oldJob }, { '/db': db, '/web': web, '/job': null }, 0);
  assert.deepEqual(d.steps.map((s) => s.actions.map((a) => `${a.action} ${a.app}`)), [['StopApplication /job'], ['StartApplication /db'], ['StartApplication /web']]);
  const eff = effectiveApps(new Map([['/db', db], ['/web', web]]), [d]);
  assert.deepEqual(eff.map((e) => e.app.id), []);
});

test('a scale-only change is a ScaleApplication; advancing needs healthy current instances', () => {
  const v1 = appDef({ id: '/a', instances: 1 }, V1);
  const v2 = { ...v1, instances: 2, version: V2, versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V1 } };
  const d = planDeployment('d', V2, { '/a': v1 }, { '/a': v2 }, 0);
  assert.equal(d.steps[0]!.actions[0]!.action, 'ScaleApplication');
  const one = [instance(v1)];
  assert.equal(advance(d, new Map([['/a', one]]), 10).kind, 'running');
  assert.equal(advance(d, new Map([['/a', [...one, instance(v1)]]]), 10).kind, 'finished');
});

test('a label-only change has no actions (no restart)', () => {
  const v1 = appDef({ id: '/a' }, V1);
  const v2 = { ...v1, labels: { x: 'y' }, version: V2, versionInfo: { lastScalingAt: V2, lastConfigChangeAt: V1 } };
  const d = planDeployment('d', V2, { '/a': v1 }, { '/a': v2 }, 0);
  assert.equal(d.steps.length, 0);
});

test('no progress past the deadline reports it; canary holds until promoted', () => {
  const v1 = appDef({ id: '/a', instances: 2 }, V1);
  const v2 = appDef({ id: '/a', instances: 2, cmd: 'x', upgradeStrategy: { progressDeadlineSeconds: 5, canaryInstances: 1 } }, V2);
  const d = planDeployment('d', V2, { '/a': v1 }, { '/a': v2 }, 0);
  const olds = [instance(v1), instance(v1)];
  const r1 = advance(d, new Map([['/a', olds]]), 1000);
  assert.equal(r1.kind, 'running');
  assert.equal(advance(r1.deployment, new Map([['/a', olds]]), 7000).kind, 'deadline');
  assert.equal(effectiveApps(new Map([['/a', v2]]), [d])[0]!.canary, 1);
  assert.equal(effectiveApps(new Map([['/a', v2]]), [{ ...d, canaryPromoted: true }])[0]!.canary, undefined);
  const news = [instance(v2), instance(v2)];
  assert.equal(advance(d, new Map([['/a', news]]), 2000).kind, 'running');
  assert.equal(advance({ ...d, canaryPromoted: true }, new Map([['/a', news]]), 2000).kind, 'finished');
});
