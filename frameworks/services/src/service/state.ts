/**
 * The framework's live state, owned by `Services` and mutated only inside its serial section:
 * apps, deployments, instances, backoff, the launch queue's last answer, last task failures.
 */
import type { Backoff } from '../core/backoff.ts';
import type { Deployment } from '../core/deployment.ts';
import type { Instance } from '../core/instance.ts';
import type { QueueEntry } from '../core/reconcile.ts';
import type { AppDefinition } from '../model/types.ts';

export interface TaskFailure {
  readonly appId: string;
  readonly host: string;
  readonly message: string;
  readonly state: string;
  readonly taskId: string;
  readonly timestamp: string;
  readonly version: string;
}

export interface QueueView extends QueueEntry {
  readonly since: number;
  readonly lastUnusedOfferAt?: number;
}

export class LiveState {
  readonly apps = new Map<string, AppDefinition>();
  readonly deployments = new Map<string, Deployment>();
  readonly instances = new Map<string, Instance>();
  readonly backoff = new Map<string, Backoff>();
  readonly queue = new Map<string, QueueView>();
  readonly lastFailure = new Map<string, TaskFailure>();
  frameworkId: string | undefined;

  instancesOf(appId: string): Instance[] {
    const out: Instance[] = [];
    for (const i of this.instances.values()) if (i.appId === appId) out.push(i);
    return out;
  }

  byApp(): Map<string, Instance[]> {
    const m = new Map<string, Instance[]>();
    for (const i of this.instances.values()) {
      const list = m.get(i.appId) ?? [];
      list.push(i);
      m.set(i.appId, list);
    }
    return m;
  }

  /** Running deployments that touch `appId`. */
  deploymentsOf(appId: string): Deployment[] {
    return [...this.deployments.values()].filter((d) => d.affectedApps.includes(appId));
  }

  /** Service ports already given to apps (unique across the cluster). */
  usedServicePorts(except?: string): Set<number> {
    const s = new Set<number>();
    for (const a of this.apps.values()) if (a.id !== except) for (const p of a.portDefinitions) if (p.port !== 0) s.add(p.port);
    return s;
  }
}
