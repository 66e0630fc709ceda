/**
 * Does one instance of an app fit what is left of an offer? Pure, exact (fixed-point resources
 * through @agora/sdk's `takeResources`). A miss is a value naming the first reason, in Marathon's
 * words (`/v2/queue` processedOffersSummary): role, constraint, then each resource.
 */
import type { Offer, Resource } from '@agora/protocol';
import { Resources, type Entry } from '@agora/resources';
import { offerRole, takeResources } from '@agora/sdk';
import type { AppSpec } from '../model/types.ts';
import { failedConstraint } from './constraints.ts';

export const REJECT_REASONS = [
  'UnfulfilledRole', 'UnfulfilledConstraint', 'NoCorrespondingReservationFound', 'AgentMaintenance',
  'InsufficientCpus', 'InsufficientMemory', 'InsufficientGpus', 'InsufficientDisk', 'InsufficientPorts', 'DeclinedScarceResources',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Fit {
  readonly resources: Resource[];
  readonly taken: Resources;
  /** Host ports in `$PORT<i>` order. */
  readonly hostPorts: number[];
}

export type FitResult = { ok: true; fit: Fit } | { ok: false; reason: RejectReason };

/** Host port requests in `$PORT<i>` order: a number is a fixed port, 0 any port. */
export function hostPortRequests(app: AppSpec): number[] {
  const mappings = app.container?.portMappings;
  if (app.networks.some((n) => n.mode !== 'host')) return (mappings ?? []).filter((m) => m.hostPort !== undefined).map((m) => m.hostPort!);
  return app.portDefinitions.map((d) => (app.requirePorts ? d.port : 0));
}

/** Entries an app may use: unreserved (`*`) and reserved to its role, narrowed by acceptedResourceRoles. */
function usablePool(pool: Resources, app: AppSpec): Resources {
  const accepted = app.acceptedResourceRoles;
  return pool.filter((e) => {
    const r = e.id.reservationRole ?? '*';
    if (r !== '*' && r !== app.role) return false;
    return accepted === undefined || accepted.includes(r);
  });
}

function takePorts(pool: Resources, requests: readonly number[]): { taken: Resources; ports: number[] } | undefined {
  if (requests.length === 0) return { taken: Resources.EMPTY, ports: [] };
  const entries = pool.entries.filter((e) => e.id.name === 'ports' && e.id.type === 'RANGES');
  const fixed = new Set(requests.filter((r) => r !== 0));
  const used = new Set<number>();
  const pieces: Entry[] = [];
  const ports: number[] = [];
  const find = (want: number): { entry: Entry; port: number } | undefined => {
    for (const entry of entries) {
      for (let i = 0; i + 1 < entry.ranges.length; i += 2) {
        const b = entry.ranges[i]!;
        const e = entry.ranges[i + 1]!;
        if (want !== 0) {
          if (want >= b && want <= e && !used.has(want)) return { entry, port: want };
          continue;
        }
        for (let p = b; p <= e; p++) if (!used.has(p) && !fixed.has(p)) return { entry, port: p };
      }
    }
    return undefined;
  };
  for (const want of requests) {
    const hit = find(want);
    if (!hit) return undefined;
    used.add(hit.port);
    ports.push(hit.port);
    pieces.push({ ...hit.entry, ranges: [hit.port, hit.port] });
  }
  return { taken: Resources.fromEntries(pieces), ports };
}

/**
 * Fits one instance of `app` into `pool` (what remains of `offer`). `placedFields` are the
 * constraint fields of the app's instances already placed.
 */
export function fitInstance(
  app: AppSpec, offer: Offer, pool: Resources, fields: Readonly<Record<string, string>>, placedFields: readonly Readonly<Record<string, string>>[],
): FitResult {
  const role = offerRole(offer);
  if (role !== app.role && !(app.role === '*' && role === '*')) return { ok: false, reason: 'UnfulfilledRole' };
  if (offer.unavailability !== undefined) return { ok: false, reason: 'AgentMaintenance' };
  if (failedConstraint(app.constraints, fields, placedFields) !== undefined) return { ok: false, reason: 'UnfulfilledConstraint' };
  const usable = usablePool(pool, app);
  if (usable.isEmpty()) return { ok: false, reason: 'UnfulfilledRole' };
  const scalars: [string, number, RejectReason][] = [['cpus', app.cpus, 'InsufficientCpus'], ['mem', app.mem, 'InsufficientMemory'], ['disk', app.disk, 'InsufficientDisk'], ['gpus', app.gpus, 'InsufficientGpus']];
  let taken = Resources.EMPTY;
  let left = usable;
  for (const [name, amount, reason] of scalars) {
    if (amount <= 0) continue;
    const t = takeResources(left, { [name]: amount }, role);
    if (t === undefined) return { ok: false, reason };
    taken = taken.plus(t);
    left = left.minus(t);
  }
  const ports = takePorts(left, hostPortRequests(app));
  if (!ports) return { ok: false, reason: 'InsufficientPorts' };
  taken = taken.plus(ports.taken);
  const format = offer.resources?.some((r) => r.role !== undefined) ? 'PRE_REFINEMENT' : 'POST_REFINEMENT';
  return { ok: true, fit: { resources: taken.toProto(format), taken, hostPorts: ports.ports } };
}
