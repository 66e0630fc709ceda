/**
 * GET_MAINTENANCE_STATUS and `/master/maintenance/status` (Mesos `maintenance::ClusterStatus`):
 * DRAINING machines with the frameworks' latest answers to inverse offers for the agents on
 * them, and DOWN machines. UP machines are not listed. The answers are soft state: a new leader
 * starts without them, as Mesos's does.
 */
import type { ClusterStatus, DrainingMachine, InverseOfferStatus } from '@agora/protocol';
import type { Master } from '../master.ts';
import { machineKey } from './machines.ts';

export function maintenanceStatus(m: Master): ClusterStatus {
  const answers = m.allocator.inverseOfferStatuses();
  const statusesByMachine = new Map<string, InverseOfferStatus[]>();
  for (const agent of m.agents.values()) {
    const machine = m.maintenance.machineOf(agent.hostname, agent.ip);
    const perFramework = answers.get(agent.id);
    if (!machine || !perFramework) continue;
    const key = machineKey(machine.id);
    const list = statusesByMachine.get(key) ?? [];
    for (const [frameworkId, a] of perFramework) {
      list.push({ status: a.status, framework_id: { value: frameworkId }, timestamp: { nanoseconds: Math.round(a.at * 1e6) } });
    }
    statusesByMachine.set(key, list);
  }
  const draining: DrainingMachine[] = [];
  for (const [key, machine] of m.maintenance.machines) {
    if (machine.mode !== 'DRAINING') continue;
    const statuses = statusesByMachine.get(key) ?? [];
    draining.push(statuses.length ? { id: machine.id, statuses } : { id: machine.id });
  }
  const down = m.maintenance.downMachines();
  return { ...(draining.length ? { draining_machines: draining } : {}), ...(down.length ? { down_machines: down } : {}) };
}
