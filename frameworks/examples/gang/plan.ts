/**
 * Gang placement, pure: can `size` members be placed at once on the offers held, at most
 * `perAgent` on any agent, each with `spec` and one port of its own? All or nothing: the answer is
 * every member's placement, or why not.
 *
 * Ports are picked by hand rather than by `matchOffer`, so that no two members get the same
 * `host:port` even when several agents share one host with the same port range (`agora local`).
 */
import { matchOffer, type Offer, type Resource, type ResourceSpec } from '@agora/sdk';

export interface Member {
  readonly rank: number;
  readonly offer: Offer;
  readonly resources: Resource[];
  readonly port: number;
}

export type GangPlan = { ok: true; members: Member[] } | { ok: false; slots: number; agents: number };

/** Up to `count` ports of the offer whose `host:port` is not in `used`, with the resource entry they come from. */
function freePorts(offer: Offer, used: ReadonlySet<string>, count: number): Array<{ port: number; from: Resource }> {
  const out: Array<{ port: number; from: Resource }> = [];
  for (const from of offer.resources ?? []) {
    if (from.name !== 'ports' || from.type !== 'RANGES' || from.reservations?.length || (from.role ?? '*') !== '*') continue;
    for (const { begin, end } of from.ranges?.range ?? []) {
      for (let port = begin; port <= end && out.length < count; port++) if (!used.has(`${offer.hostname}:${port}`)) out.push({ port, from });
    }
  }
  return out;
}

export function planGang(offers: readonly Offer[], size: number, perAgent: number, spec: ResourceSpec): GangPlan {
  const members: Member[] = [];
  const used = new Set<string>();
  const onAgent = new Map<string, number>();
  for (const offer of offers) {
    const agent = offer.agent_id.value;
    const want = Math.min(perAgent - (onAgent.get(agent) ?? 0), size - members.length);
    if (want <= 0) continue;
    const ports = freePorts(offer, used, want);
    const m = matchOffer(offer, Array.from({ length: ports.length }, () => ({ resources: spec })));
    if (!m.ok) continue;
    m.value.placed.forEach((p, i) => {
      const { port, from } = ports[i]!;
      used.add(`${offer.hostname}:${port}`);
      members.push({ rank: members.length, offer, port, resources: [...p.resources, { ...from, ranges: { range: [{ begin: port, end: port }] } }] });
    });
    if (m.value.placed.length > 0) onAgent.set(agent, (onAgent.get(agent) ?? 0) + m.value.placed.length);
  }
  if (members.length < size) return { ok: false, slots: members.length, agents: onAgent.size };
  return { ok: true, members };
}
