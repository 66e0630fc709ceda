/**
 * The operator's maintenance calls (Mesos `Master::Http::updateMaintenanceSchedule`,
 * `startMaintenance`, `stopMaintenance`; docs/maintenance.md):
 *
 *   UP ──schedule──▶ DRAINING ──START_MAINTENANCE──▶ DOWN ──STOP_MAINTENANCE──▶ UP
 *        (offers carry unavailability,    (agents shut down and removed,   (out of the schedule,
 *         users get inverse offers)        registration refused)             agents welcome again)
 *
 * Each call is validated against the current state, written to the registry, and only then
 * applied and answered (so a new leader never knows less than an operator was told). Calls run
 * one at a time. Expected refusals are values: `{code: 400}` for a bad request, `{code: 503}`
 * when the registry write failed (the master aborts then).
 */
import { err, ok, type MachineID, type MaintenanceSchedule, type Result } from '@agora/protocol';
import { removeAgent } from '../agents/health.ts';
import type { Master } from '../master.ts';
import { rescindInverseOffersOn } from './inverse-offers.ts';
import { describeMachine, machineKey, planSchedule, planStop, validateMachineList, validateSchedule, type Machine } from './machines.ts';

export interface MaintenanceError {
  readonly code: 400 | 503;
  readonly message: string;
}

type Outcome = Promise<Result<void, MaintenanceError>>;

const bad = (message: string): Result<void, MaintenanceError> => err({ code: 400, message });

/** The message agents of a machine brought down are shut down with (Mesos's wording). */
export const MACHINE_DOWN_MESSAGE = "Operator initiated 'Machine DOWN'";

/** Writes the maintenance state `next` would leave, then runs `apply`. */
function persistThen(m: Master, next: { schedule: MaintenanceSchedule; machines: Map<string, Machine> }, apply: () => void): Outcome {
  const record = {
    schedule: next.schedule,
    machines: [...next.machines.values()].map((x) => ({ id: x.id, mode: x.mode, unavailability: x.unavailability })),
  };
  return new Promise((resolve) => {
    m.persist(
      { type: 'MAINTENANCE', maintenance: record },
      () => {
        m.maintenance.schedule = next.schedule;
        m.maintenance.machines = next.machines;
        apply();
        resolve(ok(undefined));
      },
      (why) => resolve(err({ code: 503, message: `Could not record the maintenance state: ${why}` })),
    );
  });
}

/**
 * UPDATE_MAINTENANCE_SCHEDULE: replaces the schedule. Agents whose unavailability changes have
 * their offers and inverse offers rescinded and get offers again (now with, or without, the
 * unavailability); frameworks using them are sent inverse offers by the next allocation.
 */
export function updateSchedule(m: Master, schedule: MaintenanceSchedule): Outcome {
  return m.maintenance.serialize(async () => {
    const valid = validateSchedule(schedule, m.maintenance.machines);
    if (!valid.ok) return bad(valid.error);
    const next = planSchedule(schedule, m.maintenance.machines);
    return persistThen(m, next, () => {
      const changed: string[] = [];
      for (const agent of m.agents.values()) {
        const before = agent.unavailability;
        const after = m.maintenance.unavailabilityOf(agent.hostname, agent.ip);
        if (JSON.stringify(before) === JSON.stringify(after)) continue;
        agent.unavailability = after;
        m.rescindOffersOf(agent.offers, 'maintenance schedule changed');
        rescindInverseOffersOn(m, agent.id, false);
        m.allocator.updateUnavailability(agent.id, after);
        changed.push(agent.id);
      }
      m.log.info({ windows: schedule.windows?.length ?? 0, machines: m.maintenance.machines.size, agentsAffected: changed.length }, 'maintenance schedule updated');
      if (changed.length > 0) m.requestAllocation(changed);
    });
  });
}

/**
 * START_MAINTENANCE (`/master/machine/down`): only machines in the schedule, and DRAINING. Their
 * agents are told to shut down and removed at once: their tasks become TASK_LOST with
 * REASON_AGENT_REMOVED, frameworks get FAILURE, and the machines' agents are refused until
 * STOP_MAINTENANCE.
 */
export function startMaintenance(m: Master, ids: readonly MachineID[], field: string): Outcome {
  return m.maintenance.serialize(async () => {
    const valid = validateMachineList(ids, field);
    if (!valid.ok) return bad(valid.error);
    for (const [i, id] of ids.entries()) {
      const machine = m.maintenance.machines.get(machineKey(id));
      if (!machine) return bad(`${field}[${i}]: Machine '${describeMachine(id)}' is not part of a maintenance schedule`);
      if (machine.mode !== 'DRAINING') return bad(`${field}[${i}]: Machine '${describeMachine(id)}' is not in DRAINING mode and cannot be brought down`);
    }
    const machines = new Map(m.maintenance.machines);
    for (const id of ids) {
      const key = machineKey(id);
      machines.set(key, { ...machines.get(key)!, mode: 'DOWN' });
    }
    return persistThen(m, { schedule: m.maintenance.schedule, machines }, () => {
      for (const agent of [...m.agents.values()]) {
        if (!m.maintenance.isDown(agent.hostname, agent.ip)) continue;
        m.log.warn({ agent: agent.id, hostname: agent.hostname, ip: agent.ip }, 'machine brought down for maintenance: shutting its agent down');
        m.sendToAgent(agent, { type: 'SHUTDOWN_AGENT', shutdown_agent: { message: MACHINE_DOWN_MESSAGE } });
        removeAgent(m, agent, 'REASON_AGENT_REMOVED', `Agent ${agent.hostname} removed: ${MACHINE_DOWN_MESSAGE}`);
      }
      m.log.info({ machines: ids.map(describeMachine) }, 'maintenance started');
    });
  });
}

/** STOP_MAINTENANCE (`/master/machine/up`): only DOWN machines; they leave the schedule and are UP. */
export function stopMaintenance(m: Master, ids: readonly MachineID[], field: string): Outcome {
  return m.maintenance.serialize(async () => {
    const valid = validateMachineList(ids, field);
    if (!valid.ok) return bad(valid.error);
    for (const [i, id] of ids.entries()) {
      const machine = m.maintenance.machines.get(machineKey(id));
      if (machine?.mode !== 'DOWN') return bad(`${field}[${i}]: Machine '${describeMachine(id)}' is not in DOWN mode and cannot be brought up`);
    }
    return persistThen(m, planStop(m.maintenance.schedule, m.maintenance.machines, ids), () => {
      m.log.info({ machines: ids.map(describeMachine) }, 'maintenance stopped: machines are up');
    });
  });
}
