import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MaintenanceSchedule } from '@agora/protocol';
import { machineKey, planSchedule, planStop, validateMachineList, validateSchedule, type Machine } from './machines.ts';

const U = { start: { nanoseconds: 1_700_000_000_000_000_000 }, duration: { nanoseconds: 3_600_000_000_000 } };
const window = (...ids: Array<{ hostname?: string; ip?: string }>) => ({ machine_ids: ids, unavailability: U });
const problem = (s: MaintenanceSchedule, current = new Map<string, Machine>()) => {
  const r = validateSchedule(s, current);
  return r.ok ? undefined : r.error;
};

test('schedule validation: Mesos rules, each message naming the field', () => {
  assert.equal(problem({}), undefined, 'an empty schedule cancels maintenance');
  assert.equal(problem({ windows: [window({ hostname: 'a', ip: '10.0.0.1' }), window({ hostname: 'b' }), window({ ip: '10.0.0.3' })] }), undefined);
  assert.equal(problem({ windows: [window()] }), 'schedule.windows[0].machine_ids: List of machines in the maintenance window is empty');
  assert.equal(problem({ windows: [window({ hostname: 'a' }), window({ hostname: '', ip: '' })] }), "schedule.windows[1].machine_ids[0]: both 'hostname' and 'ip' for a machine are empty");
  assert.equal(problem({ windows: [window({ hostname: 'a', ip: '10.0.0.300' })] }), "schedule.windows[0].machine_ids[0].ip: '10.0.0.300' is not a valid IPv4 address");
  assert.equal(
    problem({ windows: [window({ hostname: 'a', ip: '10.0.0.1' }), window({ hostname: 'b' }, { hostname: 'A', ip: '10.0.0.1' })] }),
    `schedule.windows[1].machine_ids[1]: Machine '{"hostname":"a","ip":"10.0.0.1"}' appears more than once in the schedule`,
    'hostnames are not case-sensitive',
  );
  assert.equal(
    problem({ windows: [{ machine_ids: [{ hostname: 'a' }], unavailability: { start: { nanoseconds: 1 }, duration: { nanoseconds: -1 } } }] }),
    "schedule.windows[0].unavailability.duration: Unavailability 'duration' is negative",
  );
  // The same machine with and without its IP are different machines (both fields must match).
  assert.equal(problem({ windows: [window({ hostname: 'a' }, { hostname: 'a', ip: '10.0.0.1' })] }), undefined);
});

test('a DOWN machine cannot be dropped from the schedule; it keeps DOWN when rescheduled', () => {
  const first = planSchedule({ windows: [window({ hostname: 'a', ip: '10.0.0.1' }, { hostname: 'b', ip: '10.0.0.2' })] }, new Map());
  assert.deepEqual([...first.machines.values()].map((m) => m.mode), ['DRAINING', 'DRAINING']);
  const down = new Map(first.machines);
  const key = machineKey({ hostname: 'a', ip: '10.0.0.1' });
  down.set(key, { ...down.get(key)!, mode: 'DOWN' });
  assert.match(problem({ windows: [window({ hostname: 'b', ip: '10.0.0.2' })] }, down)!, /^schedule: Machine '\{"hostname":"a","ip":"10.0.0.1"\}' is deactivated \(DOWN\)/);
  const later = { start: { nanoseconds: 1_800_000_000_000_000_000 } };
  const next = planSchedule({ windows: [{ machine_ids: [{ hostname: 'A', ip: '10.0.0.1' }], unavailability: later }] }, down);
  assert.deepEqual([...next.machines.values()], [{ id: { hostname: 'a', ip: '10.0.0.1' }, mode: 'DOWN', unavailability: later }]);
  assert.equal(next.schedule.windows?.[0]?.machine_ids?.[0]?.hostname, 'a', 'stored in lower case');

  const stopped = planStop(next.schedule, next.machines, [{ hostname: 'a', ip: '10.0.0.1' }]);
  assert.deepEqual(stopped.schedule, {}, 'a window left without machines goes');
  assert.equal(stopped.machines.size, 0);
});

test('machine lists for START/STOP_MAINTENANCE', () => {
  const r = (ids: Array<{ hostname?: string; ip?: string }>) => {
    const v = validateMachineList(ids, 'machines');
    return v.ok ? undefined : v.error;
  };
  assert.equal(r([]), 'machines: List of machines is empty');
  assert.equal(r([{ hostname: 'a' }, {}]), "machines[1]: both 'hostname' and 'ip' for a machine are empty");
  assert.match(r([{ ip: '10.0.0.1' }, { ip: '10.0.0.1' }])!, /^machines\[1\]: Machine .* appears more than once/);
  assert.equal(r([{ hostname: 'a', ip: '10.0.0.1' }]), undefined);
});
