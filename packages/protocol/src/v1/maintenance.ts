/**
 * Maintenance (mesos.proto, maintenance.proto, allocator.proto): machines, their mode, the
 * schedule of unavailability windows and the cluster's maintenance status.
 */
import { enumeration, message, optional, repeated, required, type Infer } from '../codec/schema.ts';
import { MachineID, TimeInfo, Unavailability } from './common.ts';
import { FrameworkID } from './ids.ts';

export const MachineMode = enumeration('MachineInfo.Mode', { UP: 1, DRAINING: 2, DOWN: 3 });
export type MachineMode = Infer<typeof MachineMode>;

/** A machine matches an agent only when both `hostname` and `ip` match. */
export const MachineInfo = message('MachineInfo', {
  id: required(MachineID),
  mode: optional(MachineMode),
  unavailability: optional(Unavailability),
});
export type MachineInfo = Infer<typeof MachineInfo>;

/** Machines expected to be down during one `unavailability`. */
export const MaintenanceWindow = message('maintenance.Window', {
  machine_ids: repeated(MachineID),
  unavailability: required(Unavailability),
});
export type MaintenanceWindow = Infer<typeof MaintenanceWindow>;

export const MaintenanceSchedule = message('maintenance.Schedule', { windows: repeated(MaintenanceWindow) });
export type MaintenanceSchedule = Infer<typeof MaintenanceSchedule>;

/** Note the numbering: UNKNOWN is 1 here, not 0. */
export const InverseOfferStatusValue = enumeration('allocator.InverseOfferStatus.Status', { UNKNOWN: 1, ACCEPT: 2, DECLINE: 3 });
export type InverseOfferStatusValue = Infer<typeof InverseOfferStatusValue>;

/** A framework's latest answer to an inverse offer. */
export const InverseOfferStatus = message('allocator.InverseOfferStatus', {
  status: required(InverseOfferStatusValue),
  framework_id: required(FrameworkID),
  timestamp: required(TimeInfo),
});
export type InverseOfferStatus = Infer<typeof InverseOfferStatus>;

export const DrainingMachine = message('maintenance.ClusterStatus.DrainingMachine', {
  id: required(MachineID),
  statuses: repeated(InverseOfferStatus),
});
export type DrainingMachine = Infer<typeof DrainingMachine>;

/** Machines in DRAINING and DOWN mode (UP machines are not listed). */
export const ClusterStatus = message('maintenance.ClusterStatus', {
  draining_machines: repeated(DrainingMachine),
  down_machines: repeated(MachineID),
});
export type ClusterStatus = Infer<typeof ClusterStatus>;
