/**
 * Machines and the rules a maintenance schedule must follow (Mesos `master/maintenance.cpp`
 * validation, docs/maintenance.md). Pure: no master state, no I/O.
 *
 * A machine is `{hostname, ip}`. It matches an agent only when *both* fields equal the agent's
 * (an omitted field is the empty string), hostnames compared in lower case — Mesos's rule, so a
 * schedule written for Mesos means the same here.
 */
import { err, ok, type MachineID, type MaintenanceSchedule, type Result, type Unavailability } from '@agora/protocol';

/** Modes a machine in the maintenance state can be in; machines not listed are UP. */
export type MachineMode = 'DRAINING' | 'DOWN';

export interface Machine {
  /** Normalised (lower-case hostname; omitted fields stay omitted). */
  readonly id: MachineID;
  readonly mode: MachineMode;
  readonly unavailability: Unavailability;
}

/** Lower-cases the hostname (Mesos's maintenance hostnames are not case-sensitive). */
export function normalizeMachine(id: MachineID): MachineID {
  const out: MachineID = {};
  if (id.hostname !== undefined) out.hostname = id.hostname.toLowerCase();
  if (id.ip !== undefined) out.ip = id.ip;
  return out;
}

/** The identity used to match machines: both fields, an omitted one as "". */
export function machineKey(id: MachineID): string {
  return `${(id.hostname ?? '').toLowerCase()}\u0000${id.ip ?? ''}`;
}

/** How a machine is named in messages: its JSON, as Mesos prints it. */
export function describeMachine(id: MachineID): string {
  return JSON.stringify(normalizeMachine(id));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** One machine: at least a hostname or an IP, and the IP a dotted IPv4 address. */
export function machineProblem(id: MachineID, field: string): string | undefined {
  if ((id.hostname ?? '') === '' && (id.ip ?? '') === '') return `${field}: both 'hostname' and 'ip' for a machine are empty`;
  if ((id.ip ?? '') !== '' && !IPV4.test(id.ip!)) return `${field}.ip: '${id.ip}' is not a valid IPv4 address`;
  return undefined;
}

/** Unavailability bounds: the duration, when given, must not be negative. */
export function unavailabilityProblem(u: Unavailability, field: string): string | undefined {
  if (u.duration !== undefined && u.duration.nanoseconds < 0) return `${field}.duration: Unavailability 'duration' is negative`;
  return undefined;
}

/**
 * Checks a new schedule against the current machines: every window has machines, each machine
 * is valid and appears once in the whole schedule, and no DOWN machine is left out (taking a
 * machine out of DOWN is STOP_MAINTENANCE's job).
 */
export function validateSchedule(schedule: MaintenanceSchedule, current: ReadonlyMap<string, Machine>): Result<void, string> {
  const seen = new Set<string>();
  for (const [w, window] of (schedule.windows ?? []).entries()) {
    const field = `schedule.windows[${w}]`;
    const ids = window.machine_ids ?? [];
    if (ids.length === 0) return err(`${field}.machine_ids: List of machines in the maintenance window is empty`);
    const u = unavailabilityProblem(window.unavailability, `${field}.unavailability`);
    if (u) return err(u);
    for (const [i, id] of ids.entries()) {
      const problem = machineProblem(id, `${field}.machine_ids[${i}]`);
      if (problem) return err(problem);
      const key = machineKey(id);
      if (seen.has(key)) return err(`${field}.machine_ids[${i}]: Machine '${describeMachine(id)}' appears more than once in the schedule`);
      seen.add(key);
    }
  }
  for (const [key, m] of current) {
    if (m.mode === 'DOWN' && !seen.has(key)) {
      return err(`schedule: Machine '${describeMachine(m.id)}' is deactivated (DOWN) and cannot be removed from the schedule; bring it up with STOP_MAINTENANCE first`);
    }
  }
  return ok(undefined);
}

/** A list of machines for START/STOP_MAINTENANCE: not empty, each valid and listed once. */
export function validateMachineList(ids: readonly MachineID[], field: string): Result<void, string> {
  if (ids.length === 0) return err(`${field}: List of machines is empty`);
  const seen = new Set<string>();
  for (const [i, id] of ids.entries()) {
    const problem = machineProblem(id, `${field}[${i}]`);
    if (problem) return err(problem);
    const key = machineKey(id);
    if (seen.has(key)) return err(`${field}[${i}]: Machine '${describeMachine(id)}' appears more than once in the list`);
    seen.add(key);
  }
  return ok(undefined);
}

/**
 * The machines after a new schedule (Mesos `UpdateSchedule`): machines already known keep their
 * mode and take the new unavailability; new ones start DRAINING; machines no longer scheduled
 * leave (they are UP). The schedule is stored with lower-case hostnames.
 */
export function planSchedule(schedule: MaintenanceSchedule, current: ReadonlyMap<string, Machine>): { schedule: MaintenanceSchedule; machines: Map<string, Machine> } {
  const machines = new Map<string, Machine>();
  const windows = (schedule.windows ?? []).map((w) => ({ ...w, machine_ids: (w.machine_ids ?? []).map(normalizeMachine) }));
  for (const w of windows) {
    for (const id of w.machine_ids) {
      const key = machineKey(id);
      machines.set(key, { id, mode: current.get(key)?.mode ?? 'DRAINING', unavailability: w.unavailability });
    }
  }
  return { schedule: windows.length ? { windows } : {}, machines };
}

/**
 * STOP_MAINTENANCE: the machines leave the machine list and the schedule (windows left without
 * machines go too), as Mesos's `StopMaintenance` does.
 */
export function planStop(schedule: MaintenanceSchedule, machines: ReadonlyMap<string, Machine>, ids: readonly MachineID[]): { schedule: MaintenanceSchedule; machines: Map<string, Machine> } {
  const stopping = new Set(ids.map(machineKey));
  const windows = (schedule.windows ?? [])
    .map((w) => ({ ...w, machine_ids: (w.machine_ids ?? []).filter((id) => !stopping.has(machineKey(id))) }))
    .filter((w) => w.machine_ids.length > 0);
  const left = new Map([...machines].filter(([key]) => !stopping.has(key)));
  return { schedule: windows.length ? { windows } : {}, machines: left };
}
