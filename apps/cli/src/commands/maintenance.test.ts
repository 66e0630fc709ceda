import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../main.ts';
import { testIO } from '../test-io.ts';
import { machinesNamed, renderSchedule, renderStatus } from './maintenance.ts';

const ctx = { color: false };
const A = { hostname: 'a.example', ip: '10.0.0.1' };
const B = { hostname: 'b.example', ip: '10.0.0.2' };

test('schedule table: one row per machine, its window, mode, start (UTC) and duration', () => {
  const schedule = {
    windows: [
      { machine_ids: [A, B], unavailability: { start: { nanoseconds: 1_764_000_000_000_000_000 }, duration: { nanoseconds: 7_200_000_000_000 } } },
      { machine_ids: [{ ip: '10.0.0.3' }], unavailability: { start: { nanoseconds: 1_764_003_600_000_000_000 } } },
    ],
  };
  assert.equal(
    renderSchedule(schedule, { down_machines: [B] }, ctx),
    [
      'WINDOW   MACHINE                MODE       START                  DURATION',
      '1        a.example / 10.0.0.1   DRAINING   2025-11-24T16:00:00Z   2h',
      '1        b.example / 10.0.0.2   DOWN       2025-11-24T16:00:00Z   2h',
      '2        10.0.0.3               DRAINING   2025-11-24T17:00:00Z   open-ended',
      '',
    ].join('\n'),
  );
});

test('status table: draining machines with the answers, then down machines', () => {
  const status = {
    draining_machines: [{ id: A, statuses: [{ status: 'ACCEPT', framework_id: { value: 'F1' } }, { status: 'DECLINE', framework_id: { value: 'F2' } }] }, { id: B }],
    down_machines: [{ hostname: 'c.example', ip: '10.0.0.3' }],
  };
  assert.equal(
    renderStatus(status, ctx),
    [
      'MACHINE                MODE       INVERSE OFFER ANSWERS',
      'a.example / 10.0.0.1   DRAINING   F1: ACCEPT, F2: DECLINE',
      'b.example / 10.0.0.2   DRAINING   -',
      'c.example / 10.0.0.3   DOWN       -',
      '',
    ].join('\n'),
  );
});

test('down/up name a machine by hostname (any case) or IP', () => {
  assert.deepEqual(machinesNamed('A.EXAMPLE', [A, B]), [A]);
  assert.deepEqual(machinesNamed('10.0.0.2', [A, B]), [B]);
  assert.deepEqual(machinesNamed('c', [A, B]), []);
  assert.deepEqual(machinesNamed('h', [{ hostname: 'h', ip: '10.0.0.1' }, { hostname: 'h', ip: '10.0.0.2' }]).length, 2, 'ambiguous: the command refuses it');
});

test('agora maintenance --help lists the subcommands; a missing host is a usage error', async () => {
  const t = testIO();
  assert.equal(await main(['maintenance', '--help'], t.io), 0);
  for (const sub of ['schedule [options] [file]', 'status [options]', 'down [options] <host>', 'up [options] <host>']) assert.ok(t.out().includes(sub), sub);
  const u = testIO();
  assert.equal(await main(['maintenance', 'up'], u.io), 2);
  assert.match(u.err(), /missing required argument 'host'/);
});
