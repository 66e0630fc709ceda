/**
 * The maintenance endpoints on a real master (HTTP on a free port, file registry in a temp dir):
 * v1 calls 23–27 (202 for the mutating ones), the legacy `/master/maintenance/*` and
 * `/master/machine/*` endpoints (200), 400s that name the field, and the registry holding the
 * schedule when the 202 arrives.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '@agora/runtime';
import { MASTER_FLAGS } from '../flags.ts';
import { startMaster, type MasterHandle } from '../start.ts';

let m: MasterHandle;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agora-maintenance-http-'));
  const flags = parseFlags(MASTER_FLAGS, ['--port=0', '--log-level=silent', `--work-dir=${dir}`]);
  assert.ok(flags.ok);
  const started = await startMaster(flags.value.options);
  assert.ok(started.ok, started.ok ? '' : started.error);
  m = started.value;
});
after(async () => {
  await m.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (body: unknown) =>
  fetch(`${m.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
const post = (path: string, body: unknown) => fetch(`${m.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const A = { hostname: 'a.example', ip: '10.1.0.1' };
const B = { hostname: 'b.example', ip: '10.1.0.2' };
const U = { start: { nanoseconds: 1_700_000_000_000_000_000 }, duration: { nanoseconds: 3_600_000_000_000 } };

test('v1 maintenance calls: schedule, status, down, up', async () => {
  let r = await call({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [A, B], unavailability: U }] } } });
  assert.equal(r.status, 202, await r.text());

  r = await call({ type: 'GET_MAINTENANCE_SCHEDULE' });
  assert.deepEqual(await r.json(), { type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: { windows: [{ machine_ids: [A, B], unavailability: U }] } } });

  r = await call({ type: 'START_MAINTENANCE', start_maintenance: { machines: [A] } });
  assert.equal(r.status, 202, await r.text());
  r = await call({ type: 'GET_MAINTENANCE_STATUS' });
  assert.deepEqual(await r.json(), { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: { draining_machines: [{ id: B }], down_machines: [A] } } });

  r = await call({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [B] } });
  assert.equal(r.status, 400);
  assert.equal(await r.text(), `stop_maintenance.machines[0]: Machine '{"hostname":"b.example","ip":"10.1.0.2"}' is not in DOWN mode and cannot be brought up`);
  r = await call({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [B], unavailability: U }] } } });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /^schedule: Machine '\{"hostname":"a.example","ip":"10.1.0.1"\}' is deactivated \(DOWN\)/);
  r = await call({ type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'c', ip: '10.1.0.300' }] } });
  assert.equal(r.status, 400);
  assert.equal(await r.text(), "start_maintenance.machines[0].ip: '10.1.0.300' is not a valid IPv4 address");

  r = await call({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [A] } });
  assert.equal(r.status, 202);
  r = await call({ type: 'GET_MAINTENANCE_STATUS' });
  assert.deepEqual(await r.json(), { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: { draining_machines: [{ id: B }] } } });
  r = await call({ type: 'GET_MAINTENANCE_SCHEDULE' });
  assert.deepEqual(((await r.json()) as { get_maintenance_schedule: { schedule: { windows: Array<{ machine_ids: unknown }> } } }).get_maintenance_schedule.schedule.windows[0]!.machine_ids, [B], 'a machine brought up leaves the schedule');
});

test('legacy endpoints: /master/maintenance/schedule, /master/maintenance/status, /master/machine/down and up', async () => {
  let r = await post('/master/maintenance/schedule', { windows: [{ machine_ids: [A], unavailability: U }] });
  assert.equal(r.status, 200, await r.text());
  r = await fetch(`${m.url}/master/maintenance/schedule`);
  assert.deepEqual(await r.json(), { windows: [{ machine_ids: [A], unavailability: U }] });

  r = await post('/master/machine/down', [A]);
  assert.equal(r.status, 200, await r.text());
  r = await fetch(`${m.url}/master/maintenance/status`);
  assert.deepEqual(await r.json(), { down_machines: [A] });
  r = await post('/master/machine/down', [B]);
  assert.equal(r.status, 400);
  assert.equal(await r.text(), `machines[0]: Machine '{"hostname":"b.example","ip":"10.1.0.2"}' is not part of a maintenance schedule`);
  r = await post('/master/machine/up', { hostname: 'a' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /^Failed to parse the list of machines: expected a JSON array/);
  r = await post('/master/maintenance/schedule', { windows: [{ machine_ids: [A] }] });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /^Failed to parse the maintenance schedule: .*unavailability/);

  r = await post('/master/machine/up', [A]);
  assert.equal(r.status, 200);
  r = await fetch(`${m.url}/master/maintenance/status`);
  assert.deepEqual(await r.json(), {});
  r = await post('/master/maintenance/schedule', {});
  assert.equal(r.status, 200, 'an empty schedule cancels maintenance');
  r = await fetch(`${m.url}/master/maintenance/schedule`);
  assert.deepEqual(await r.json(), {});
});
