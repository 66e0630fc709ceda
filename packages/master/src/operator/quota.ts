/**
 * Quota (Mesos ≥ 1.9 `UPDATE_QUOTA`, `GET_QUOTA`, legacy `/quota`): guarantees and limits for
 * top-level roles, as scalar quantities. An update is all or nothing; it is refused when a role
 * already consumes more than its new limit (allocated resources plus reservations, as Mesos
 * counts it) unless `force` is set. The master keeps the configs (GET_QUOTA reports them; the
 * registry will persist them) and hands them to the allocator.
 */
import { err, ok, type QuotaConfig, type Result } from '@agora/protocol';
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
