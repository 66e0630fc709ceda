/**
 * Quota (Mesos ≥ 1.9 `UPDATE_QUOTA`, `GET_QUOTA`, legacy `/quota`): guarantees and limits for
 * top-level roles, as scalar quantities. An update is all or nothing; it is refused when a role
 * already consumes more than its new limit (allocated resources plus reservations, as Mesos
 * counts it) unless `force` is set. The master keeps the configs (GET_QUOTA reports them; the
 * registry will persist them) and hands them to the allocator.
 */
import { err, ok, type QuotaConfig, type QuotaRequest, type Result } from '@agora/protocol';
import { isInSubtree, ResourceLimits, ResourceQuantities, Resources, roleProblem } from '@agora/resources';
import type { Master } from '../master.ts';
import { frameworkAllocated } from './views.ts';

const toRecord = (m: QuotaConfig['guarantees']) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, v.value]));

/** Resources a role's subtree consumes: what its frameworks hold plus reservations (allocated or not). */
export function consumedBy(m: Master, role: string): ResourceQuantities {
  let r = Resources.EMPTY;
  for (const fw of m.frameworks.values()) {
    for (const [allocRole, res] of frameworkAllocated(m, fw).allocations()) {
      if (isInSubtree(allocRole, role)) r = r.plus(res.unreserved());
    }
  }
  for (const a of m.agents.values()) r = r.plus(a.total.reservedToSubtree(role).unallocate());
  return r.quantities();
}

export function updateQuota(m: Master, configs: readonly QuotaConfig[], force: boolean): Result<void, string> {
  const parsed: Array<{ role: string; guarantees: ResourceQuantities; limits: ResourceLimits | undefined; config: QuotaConfig }> = [];
  const seen = new Set<string>();
  for (const [i, c] of configs.entries()) {
    const where = `quota_configs[${i}]`;
    const bad = roleProblem(c.role);
    if (bad) return err(`${where}.role: ${bad}`);
    if (c.role === '*') return err(`${where}.role: role '*' cannot have quota`);
    if (c.role.includes('/')) return err(`${where}.role: quota can only be set on top-level roles, not '${c.role}'`);
    if (seen.has(c.role)) return err(`${where}.role: role '${c.role}' appears twice`);
    seen.add(c.role);
    const g = ResourceQuantities.from(toRecord(c.guarantees));
    if (!g.ok) return err(`${where}.guarantees: ${g.error}`);
    let limits: ResourceLimits | undefined;
    if (c.limits !== undefined) {
      const l = ResourceLimits.from(toRecord(c.limits));
      if (!l.ok) return err(`${where}.limits: ${l.error}`);
      limits = l.value;
      for (const [name, v] of Object.entries(toRecord(c.guarantees))) {
        const lim = c.limits[name]?.value;
        if (lim !== undefined && v > lim) return err(`${where}: guarantee of '${name}' (${v}) exceeds its limit (${lim})`);
      }
      if (!force) {
        const used = consumedBy(m, c.role);
        for (const [name, lim] of Object.entries(toRecord(c.limits))) {
          const consumed = used.getMilli(name) / 1000;
          if (consumed > lim) return err(`${where}: role '${c.role}' already consumes ${consumed} ${name}, more than the new limit ${lim} (use force to apply it anyway)`);
        }
      }
    }
    parsed.push({ role: c.role, guarantees: g.value, limits, config: c });
  }
  for (const p of parsed) {
    const r = m.allocator.updateQuota(p.role, p.guarantees, p.limits);
    if (!r.ok) return err(`role '${p.role}': ${r.error}`);
    if (p.guarantees.isEmpty() && p.limits === undefined) m.quotas.delete(p.role);
    else m.quotas.set(p.role, p.config);
  }
  // Offers beyond a new limit are rescinded so the limit holds at once.
  const limited = parsed.filter((p) => p.limits !== undefined).map((p) => p.role);
  if (limited.length > 0) m.rescindOffersOf([...m.offers.values()].filter((o) => limited.some((r) => isInSubtree(o.role, r))).map((o) => o.offer.id.value), 'quota limit updated');
  m.requestAllocation();
  return ok(undefined);
}

export type QuotaCallError = { code: 400 | 409; message: string };

/**
 * The deprecated SET_QUOTA / `POST /quota` (a QuotaRequest): the role's guarantee becomes both its
 * guarantees and its limits (as Mesos ≥ 1.9 maps it). Refused (400, naming the field under
 * `where`) for a role that already has quota or guarantees that are not unreserved,
 * non-revocable scalars; without `force`, 409 when the cluster's total resources cannot cover
 * every role's guarantees (Mesos's capacity heuristic) and 400 when the role already consumes
 * more than the new limit.
 */
export function setQuota(m: Master, req: QuotaRequest, where: string): Result<void, QuotaCallError> {
  const bad = (message: string) => err({ code: 400 as const, message });
  if (req.role === undefined) return bad(`${where}.role: a role is required`);
  if (m.quotas.has(req.role)) return bad(`${where}.role: role '${req.role}' already has quota; remove it first (or use UPDATE_QUOTA)`);
  const parsed = Resources.fromProto(req.guarantee ?? []);
  if (!parsed.ok) return bad(`${where}.guarantee: ${parsed.error}`);
  const g = parsed.value;
  if (!g.unreserved().equals(g)) return bad(`${where}.guarantee: quota must be unreserved resources, got ${g.toString()}`);
  if (!g.revocable().isEmpty()) return bad(`${where}.guarantee: quota cannot hold revocable resources`);
  if (!g.nonScalars().isEmpty()) return bad(`${where}.guarantee: quota can only hold scalar resources, got ${g.nonScalars().toString()}`);
  if (!g.persistentVolumes().isEmpty() || g.toProto().some((r) => r.disk !== undefined)) return bad(`${where}.guarantee: quota cannot hold disk info`);
  const amounts = g.quantities().toRecord();
  if (req.force !== true) {
    let total = Resources.EMPTY;
    for (const a of m.agents.values()) total = total.plus(a.total.nonRevocable());
    let wanted = g.quantities();
    for (const c of m.quotas.values()) {
      const other = ResourceQuantities.from(toRecord(c.guarantees));
      if (other.ok) wanted = wanted.plus(other.value);
    }
    if (!total.quantities().contains(wanted)) {
      return err({ code: 409, message: `Heuristic capacity check for set quota request failed: the cluster's ${total.quantities().toString()} cannot cover the guarantees ${wanted.toString()} (use force to set it anyway)` });
    }
  }
  const values = Object.fromEntries(Object.entries(amounts).map(([name, value]) => [name, { value }]));
  const r = updateQuota(m, [{ role: req.role, guarantees: values, limits: values }], req.force === true);
  return r.ok ? ok(undefined) : bad(r.error.replace(/^quota_configs\[0\]/, where));
}

/** The deprecated REMOVE_QUOTA / `DELETE /quota/<role>`: clears the role's guarantees and limits. */
export function removeQuota(m: Master, role: string, where: string): Result<void, QuotaCallError> {
  if (!m.quotas.has(role)) return err({ code: 400, message: `${where}: role '${role}' has no quota set` });
  const r = updateQuota(m, [{ role }], true);
  return r.ok ? ok(undefined) : err({ code: 400, message: r.error });
}
