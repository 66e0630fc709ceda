/**
 * The master's maintenance state (Mesos `Master::machines` + the registry's schedule): the
 * schedule as posted, the machines in it with their mode, and the inverse offers outstanding.
 * Owned by the Master; changed only by maintenance/operations.ts (schedule and modes, after the
 * registry has them) and maintenance/inverse-offers.ts (outstanding inverse offers).
 */
import type { InverseOffer, MachineID, MachineInfo, MaintenanceSchedule, Unavailability } from '@agora/protocol';
import { machineKey, type Machine } from './machines.ts';

/** What the registry keeps (`registry/maintenance`). */
export interface MaintenanceRecord {
  readonly schedule: MaintenanceSchedule;
  readonly machines: readonly MachineInfo[];
}

export interface OutstandingInverseOffer {
  readonly frameworkId: string;
  readonly agentId: string;
  /** As sent (GET_FRAMEWORKS lists a framework's outstanding inverse offers). */
  readonly offer: InverseOffer;
}

export class MaintenanceState {
  schedule: MaintenanceSchedule = {};
  machines = new Map<string, Machine>();
  /** Inverse offer ID → who holds it, until answered or rescinded. */
  readonly inverseOffers = new Map<string, OutstandingInverseOffer>();
  /** Maintenance operations run one at a time (each validates against the state the previous one left). */
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `op` after every operation queued before it has finished. */
  serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The machine an agent runs on, if it is in maintenance (agents match by hostname and IP). */
  machineOf(hostname: string, ip: string): Machine | undefined {
    if (this.machines.size === 0) return undefined;
    return this.machines.get(machineKey({ hostname, ip }));
  }

  isDown(hostname: string, ip: string): boolean {
    return this.machineOf(hostname, ip)?.mode === 'DOWN';
  }

  /** What offers from an agent carry, and what its frameworks are asked to vacate by. */
  unavailabilityOf(hostname: string, ip: string): Unavailability | undefined {
    return this.machineOf(hostname, ip)?.unavailability;
  }

  record(): MaintenanceRecord {
    return {
      schedule: this.schedule,
      machines: [...this.machines.values()].map((m) => ({ id: m.id, mode: m.mode, unavailability: m.unavailability })),
    };
  }

  /** Restores what a previous leader persisted (recovery). */
  restore(r: MaintenanceRecord): void {
    this.schedule = r.schedule;
    this.machines = new Map();
    for (const info of r.machines) {
      if ((info.mode !== 'DRAINING' && info.mode !== 'DOWN') || !info.unavailability) continue;
      this.machines.set(machineKey(info.id), { id: info.id, mode: info.mode, unavailability: info.unavailability });
    }
  }

  downMachines(): MachineID[] {
    return [...this.machines.values()].filter((m) => m.mode === 'DOWN').map((m) => m.id);
  }
}
