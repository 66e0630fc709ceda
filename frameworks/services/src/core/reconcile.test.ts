import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterFailure, delaySeconds } from './backoff.ts';
import { reconcile } from './reconcile.ts';
import { appDef, ids, instance, offer } from './testing.ts';

const base = { instances: [], offers: [], now: 1000, backoff: new Map(), newId: ids() };

test('launches the wanted count with ports and Marathon env', () => {
  const app = appDef({ id: '/web', instances: 3 });
  const out = reconcile({ ...base, apps: [{ app }], offers: [offer(1)] });
  assert.equal(out.launches.length, 3);
  const t = out.launches[0]!.task;
  const env = Object.fromEntries(t.command!.environment!.variables!.map((v) => [v.name, v.value]));
  assert.equal(env.PORT0, '31000');
  assert.equal(env.MARATHON_APP_ID, '/web');
  assert.equal(env.HOST, 'host1');
  assert.equal(out.launches[1]!.instance.ports[0], 31001);
  assert.match(out.launches[0]!.instance.id, /^web\.u\d+$/);
  assert.equal(out.unusedOffers.length, 0);
});

test('UNIQUE hostname spreads one per agent and records why other offers were not used', () => {
  const app = appDef({ id: '/memcached', instances: 3, constraints: [['hostname', 'UNIQUE']] });
  const out = reconcile({ ...base, apps: [{ app }], offers: [offer(1), offer(2)] });
  assert.equal(out.launches.length, 2);
  assert.deepEqual(new Set(out.launches.map((l) => l.instance.host)), new Set(['host1', 'host2']));
  assert.equal(out.queue[0]!.count, 1);
  assert.equal(out.queue[0]!.reasons.UnfulfilledConstraint, 2);
});

test('insufficient resources and role are reported per offer', () => {
  const app = appDef({ id: '/big', cpus: 8 });
  const out = reconcile({ ...base, apps: [{ app }], offers: [offer(1), offer(2, { role: 'other' })] });
  assert.equal(out.launches.length, 0);
  assert.deepEqual(out.queue[0]!.reasons, { InsufficientCpus: 1, UnfulfilledRole: 1 });
  assert.equal(out.unusedOffers.length, 2);
});

test('requirePorts takes the exact host ports', () => {
  const app = appDef({ id: '/fixed', portDefinitions: [{ port: 31050 }], requirePorts: true, instances: 2 });
  const out = reconcile({ ...base, apps: [{ app }], offers: [offer(1)] });
  assert.equal(out.launches.length, 1);
  assert.deepEqual(out.launches[0]!.instance.ports, [31050]);
  assert.equal(out.queue[0]!.reasons.InsufficientPorts, 1);
});

test('scale down kills by killSelection; orphans are killed', () => {
  const app = appDef({ id: '/web', instances: 1, killSelection: 'OLDEST_FIRST' });
  const a = instance(app, { stagedAt: 1 });
  const b = instance(app, { stagedAt: 2 });
  const orphan = instance(appDef({ id: '/gone' }));
  const out = reconcile({ ...base, apps: [{ app }], instances: [a, b, orphan] });
  assert.deepEqual(out.kills.map((k) => [k.instance.id, k.reason]).sort(), [[a.id, 'scale'], [orphan.id, 'orphan']].sort());
});

test('a new config rolls: new launched side by side, old killed only when new are healthy', () => {
  const v1 = appDef({ id: '/web', instances: 2 }, '2026-01-01T00:00:00.000Z');
  const v2 = appDef({ id: '/web', instances: 2, cmd: 'sleep 2000' }, '2026-01-02T00:00:00.000Z');
  const olds = [instance(v1), instance(v1)];
  const out = reconcile({ ...base, apps: [{ app: v2 }], instances: olds, offers: [offer(1)] });
  assert.equal(out.launches.length, 2);
  assert.equal(out.kills.length, 0);
  const news = out.launches.map((l) => ({ ...l.instance, state: 'TASK_RUNNING' as const }));
  const out2 = reconcile({ ...base, apps: [{ app: v2 }], instances: [...olds, ...news] });
  assert.equal(out2.kills.length, 2);
});

test('backoff holds launches and grows by the factor up to the cap', () => {
  const app = appDef({ id: '/crash', backoffSeconds: 2, backoffFactor: 2, maxLaunchDelaySeconds: 5 });
  assert.deepEqual([1, 2, 3, 4].map((n) => delaySeconds(app, n)), [2, 4, 5, 5]);
  const b = afterFailure(undefined, app, app.versionInfo.lastConfigChangeAt, 1000);
  const held = reconcile({ ...base, apps: [{ app }], offers: [offer(1)], backoff: new Map([[app.id, b]]), now: 2000 });
  assert.equal(held.launches.length, 0);
  assert.equal(held.queue[0]!.delayed, true);
  const later = reconcile({ ...base, apps: [{ app }], offers: [offer(1)], backoff: new Map([[app.id, b]]), now: 3001 });
  assert.equal(later.launches.length, 1);
});

test('health checks become Mesos health checks on the host port', () => {
  const app = appDef({ id: '/h', healthChecks: [{ protocol: 'MESOS_HTTP', path: '/ok', intervalSeconds: 2, timeoutSeconds: 1, delaySeconds: 0 }] });
  const out = reconcile({ ...base, apps: [{ app }], offers: [offer(1)] });
  const hc = out.launches[0]!.task.health_check!;
  assert.equal(hc.type, 'HTTP');
  assert.equal(hc.http!.port, 31000);
  assert.equal(hc.http!.path, '/ok');
});
