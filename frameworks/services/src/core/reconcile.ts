/**
 * The reconciler: `(apps, instances, offers, now) → {launch, kill}`. Pure: the clock is `now`,
 * new instance ids come from `newId` (the shell's RNG), nothing is mutated. The shell persists the
 * new instances (intent) before it sends the LAUNCHes, and applies kills.
 *
 * Per app, counts go through `decideCapacity` (scaling, replacement, rolling upgrades and
 * canaries are one rule); instances are then picked by state and `killSelection`, and launches
 * are placed on offers first-fit, with constraints evaluated against the app's live instances
 * plus those placed earlier in the same pass. Every offer that an app could not use records why
 * (for `/v2/queue`). Instances of apps that no longer exist are killed.
 */
import type { Offer } from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { AppDefinition } from '../model/types.ts';
import { isDelayed, type Backoff } from './backoff.ts';
import { decideCapacity } from './capacity.ts';
import { offerFields } from './constraints.ts';
import { isHealthy, newInstanceId, type AppChecks, type Instance } from './instance.ts';
import { fitInstance, type RejectReason } from './offer-match.ts';
import { buildTaskInfo } from './task-info.ts';
import type { TaskInfo } from '@agora/protocol';

export interface AppTarget {
  /** The spec to converge to (a deployment's later steps pass the app's previous spec). */
  readonly app: AppDefinition;
  /** New instances allowed before a canary is promoted (undefined: no canary phase). */
  readonly canary?: number;
}

export interface ReconcileInput {
  readonly apps: readonly AppTarget[];
  readonly instances: readonly Instance[];
  readonly offers: readonly Offer[];
  readonly now: number;
  readonly backoff: ReadonlyMap<string, Backoff>;
  readonly newId: () => string;
  /** Instances still staging after this long are killed and replaced (Marathon: 5 min). */
  readonly launchTimeoutMs?: number;
  /**
   * At most this many instances launched but not yet running, across apps (a steady stream of
   * launches keeps the master and agents busy without a burst of thousands of updates at once).
   */
  readonly launchWindow?: number;
  /** At most this many instances on one offer per pass (Marathon's `--max_instances_per_offer`, 5): spreads a burst over agents. */
  readonly maxInstancesPerOffer?: number;
}

export interface Launch {
  readonly offer: Offer;
  readonly instance: Instance;
  readonly task: TaskInfo;
}

export interface Kill {
  readonly instance: Instance;
  readonly reason: 'scale' | 'upgrade' | 'orphan' | 'launch-timeout' | 'unreachable-expunged';
}

export interface QueueEntry {
  readonly appId: string;
  /** Instances still wanted after this pass. */
  readonly count: number;
  readonly delayed: boolean;
  readonly processedOffers: number;
  readonly unusedOffers: number;
  readonly reasons: Partial<Record<RejectReason, number>>;
}

export interface ReconcileOutput {
  readonly launches: Launch[];
  readonly kills: Kill[];
  /** Offers nothing was placed on (decline them). */
  readonly unusedOffers: Offer[];
  /** Apps that want more instances than were launched in this pass. */
  readonly queue: QueueEntry[];
  /** The launch window was full: more launches follow as soon as instances start running. */
  readonly windowFull: boolean;
}

const STAGING = new Set(['TASK_STAGING', 'TASK_STARTING']);

function checksOf(app: AppDefinition): AppChecks {
  return { healthChecks: app.healthChecks.length > 0, readinessChecks: app.readinessChecks.length > 0 };
}

/** Kill preference: not yet running first, then by `killSelection`. */
function killOrder(app: AppDefinition, list: readonly Instance[]): Instance[] {
  const youngestFirst = app.killSelection === 'YOUNGEST_FIRST';
  return [...list].sort((a, b) => {
    const ra = a.state === 'TASK_RUNNING' ? 1 : 0;
    const rb = b.state === 'TASK_RUNNING' ? 1 : 0;
    if (ra !== rb) return ra - rb;
    return youngestFirst ? b.stagedAt - a.stagedAt : a.stagedAt - b.stagedAt;
  });
}

/** Whether an unreachable instance still holds its place (not yet inactive). */
function holdsPlace(app: AppDefinition, i: Instance, now: number): boolean {
  if (i.state !== 'TASK_UNREACHABLE') return true;
  const s = app.unreachableStrategy;
  if (s === 'disabled') return true;
  return now - (i.unreachableSince ?? now) < s.inactiveAfterSeconds * 1000;
}

export function reconcile(input: ReconcileInput): ReconcileOutput {
  const { now } = input;
  const kills: Kill[] = [];
  const byApp = new Map<string, Instance[]>();
  for (const i of input.instances) {
    const list = byApp.get(i.appId) ?? [];
    list.push(i);
    byApp.set(i.appId, list);
  }
  const known = new Set(input.apps.map((a) => a.app.id));
  for (const [appId, list] of byApp) {
    if (known.has(appId)) continue;
    for (const i of list) if (i.killRequestedAt === undefined) kills.push({ instance: i, reason: 'orphan' });
  }

  const wants: { target: AppTarget; count: number; placed: Record<string, string>[] }[] = [];
  for (const target of input.apps) {
    const app = target.app;
    const checks = checksOf(app);
    const all = byApp.get(app.id) ?? [];
    const killing = all.filter((i) => i.killRequestedAt !== undefined);
    let live = all.filter((i) => i.killRequestedAt === undefined);
    // Unreachable past expunge: kill (it is replaced once inactive).
    for (const i of live) {
      const s = app.unreachableStrategy;
      if (i.state === 'TASK_UNREACHABLE' && s !== 'disabled' && now - (i.unreachableSince ?? now) >= s.expungeAfterSeconds * 1000) {
        kills.push({ instance: i, reason: 'unreachable-expunged' });
      }
    }
    live = live.filter((i) => !kills.some((k) => k.instance.id === i.id));
    if (input.launchTimeoutMs !== undefined) {
      for (const i of live) if (STAGING.has(i.state) && now - i.stagedAt > input.launchTimeoutMs) kills.push({ instance: i, reason: 'launch-timeout' });
      live = live.filter((i) => !kills.some((k) => k.instance.id === i.id));
    }
    const placing = live.filter((i) => holdsPlace(app, i, now));
    const current = placing.filter((i) => i.configVersion === app.versionInfo.lastConfigChangeAt);
    const old = placing.filter((i) => i.configVersion !== app.versionInfo.lastConfigChangeAt);
    const d = decideCapacity({
      target: app.instances,
      minimumHealthCapacity: app.upgradeStrategy.minimumHealthCapacity,
      maximumOverCapacity: app.upgradeStrategy.maximumOverCapacity,
      current: current.length,
      currentHealthy: current.filter((i) => isHealthy(i, checks)).length,
      old: old.length,
      oldHealthy: old.filter((i) => isHealthy(i, checks)).length,
      killing: killing.length,
      ...(target.canary !== undefined ? { canary: target.canary } : {}),
    });
    // Sorting is only paid for when something is killed.
    if (d.killOld > 0) {
      const oldUnhealthy = killOrder(app, old.filter((i) => !isHealthy(i, checks)));
      const oldHealthy = killOrder(app, old.filter((i) => isHealthy(i, checks)));
      const oldVictims = [...oldUnhealthy.slice(0, d.killOldUnhealthy), ...oldHealthy.slice(0, d.killOld - d.killOldUnhealthy)];
      for (const i of oldVictims) kills.push({ instance: i, reason: 'upgrade' });
    }
    if (d.killCurrent > 0) for (const i of killOrder(app, current).slice(0, d.killCurrent)) kills.push({ instance: i, reason: 'scale' });
    if (d.launch > 0) wants.push({ target, count: d.launch, placed: live.map((i) => i.fields as Record<string, string>) });
  }

  const launches: Launch[] = [];
  const queue: QueueEntry[] = [];
  let staging = 0;
  for (const i of input.instances) if (STAGING.has(i.state) && i.killRequestedAt === undefined) staging++;
  let budget = input.launchWindow === undefined ? Number.POSITIVE_INFINITY : Math.max(0, input.launchWindow - staging);
  const perOffer = input.maxInstancesPerOffer ?? Number.POSITIVE_INFINITY;
  const pools = input.offers.map((offer) => {
    const r = Resources.fromProto(offer.resources ?? []);
    return { offer, pool: r.ok ? r.value : Resources.EMPTY, fields: offerFields(offer), used: false, launched: 0 };
  });
  for (const w of wants) {
    const app = w.target.app;
    const delayed = isDelayed(input.backoff.get(app.id), app.versionInfo.lastConfigChangeAt, now);
    const reasons: Partial<Record<RejectReason, number>> = {};
    let left = w.count;
    let processed = 0;
    let unused = 0;
    if (!delayed) {
      for (const p of pools) {
        if (left === 0 || budget === 0) break;
        processed++;
        let usedHere = false;
        while (left > 0 && budget > 0 && p.launched < perOffer) {
          const f = fitInstance(app, p.offer, p.pool, p.fields, w.placed);
          if (!f.ok) {
            // Counted also for an offer that took some instances and then could take no more.
            reasons[f.reason] = (reasons[f.reason] ?? 0) + 1;
            if (!usedHere) unused++;
            break;
          }
          const id = newInstanceId(app.id, input.newId());
          const instance: Instance = {
            id, appId: app.id, version: app.version, configVersion: app.versionInfo.lastConfigChangeAt,
            agentId: p.offer.agent_id.value, host: p.offer.hostname, fields: p.fields, ports: f.fit.hostPorts,
            ...(p.offer.url?.address.ip !== undefined ? { ip: p.offer.url.address.ip } : {}),
            state: 'TASK_STAGING', stagedAt: now,
          };
          launches.push({ offer: p.offer, instance, task: buildTaskInfo(app, id, p.offer, f.fit.resources, f.fit.hostPorts) });
          p.pool = p.pool.minus(f.fit.taken);
          p.used = true;
          p.launched++;
          usedHere = true;
          w.placed.push(p.fields);
          left--;
          budget--;
        }
      }
    }
    if (left > 0) queue.push({ appId: app.id, count: left, delayed, processedOffers: processed, unusedOffers: unused, reasons });
  }
  return { launches, kills, unusedOffers: pools.filter((p) => !p.used).map((p) => p.offer), queue, windowFull: budget === 0 && queue.length > 0 };
}
