/**
 * Inverse offers (Mesos `Master::inverseOffer`, `acceptInverseOffers`, `declineInverseOffers`,
 * `removeInverseOffer`): the master asks a framework using an agent under maintenance to vacate
 * it by the unavailability. The allocator decides who gets one (frameworks with resources on
 * the agent, not filtered, not already holding one); the master names it, remembers it until it
 * is answered or rescinded, and hands the answer back to the allocator, which keeps the latest
 * answer per framework for GET_MAINTENANCE_STATUS. Answers are advisory: nothing else changes.
 */
import type { InverseOffer, OfferID, Unavailability, scheduler } from '@agora/protocol';
import type { Master } from '../master.ts';
import type { FrameworkRecord } from '../registry/framework.ts';

const DEFAULT_REFUSE_SECONDS = 5;

/** Sends one INVERSE_OFFERS event and remembers the offer. */
export function sendInverseOffer(m: Master, frameworkId: string, agentId: string, unavailability: Unavailability): void {
  const fw = m.frameworks.get(frameworkId);
  const agent = m.agents.get(agentId);
  if (!fw || !agent) return;
  const id = m.nextOfferId();
  const offer: InverseOffer = {
    id: { value: id },
    framework_id: { value: fw.id },
    agent_id: { value: agent.id },
    url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' },
    unavailability,
  };
  m.maintenance.inverseOffers.set(id, { frameworkId, agentId, offer });
  m.sendEvent(fw, { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: [offer] } });
}

/**
 * ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS. IDs that are not this framework's outstanding
 * inverse offers (answered already, rescinded, made up) are ignored with a warning, as Mesos
 * does; the others are answered. The framework gets no other inverse offer for the agent for
 * `filters.refuse_seconds` — 5 s when the call has no filters, as Mesos passes the call's
 * (default) Filters on.
 */
export function answerInverseOffers(
  m: Master, fw: FrameworkRecord, ids: readonly OfferID[], status: 'ACCEPT' | 'DECLINE', filters: { refuse_seconds?: number } | undefined,
): void {
  const now = m.clock.now();
  for (const { value: id } of ids) {
    const io = m.maintenance.inverseOffers.get(id);
    if (!io || io.frameworkId !== fw.id) {
      m.log.warn({ framework: fw.id, inverseOffer: id, call: `${status}_INVERSE_OFFERS` }, 'ignoring an answer to an inverse offer that is not outstanding');
      continue;
    }
    m.maintenance.inverseOffers.delete(id);
    if (!m.agents.has(io.agentId)) continue;
    m.allocator.updateInverseOffer(io.agentId, fw.id, { status, refuseSeconds: filters?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS }, now);
  }
}

/**
 * Rescinds every outstanding inverse offer on an agent (its schedule changed, or it is going
 * away): RESCIND_INVERSE_OFFER to each holder. `tellAllocator`: false when the allocator resets
 * the agent's inverse offers itself (a new unavailability) or is about to forget the agent.
 */
export function rescindInverseOffersOn(m: Master, agentId: string, tellAllocator: boolean): void {
  if (m.maintenance.inverseOffers.size === 0) return;
  const now = m.clock.now();
  for (const [id, io] of [...m.maintenance.inverseOffers]) {
    if (io.agentId !== agentId) continue;
    m.maintenance.inverseOffers.delete(id);
    const fw = m.frameworks.get(io.frameworkId);
    if (!fw) continue;
    const event: scheduler.Event = { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: id } } };
    m.sendEvent(fw, event);
    if (tellAllocator) m.allocator.updateInverseOffer(agentId, fw.id, {}, now);
  }
}

/**
 * A framework's inverse offers lapse when its stream goes (disconnect, failover, removal), as
 * Mesos removes them when it deactivates a framework: no event (the stream that knew them is
 * gone), and the allocator is told, so the framework is asked again once it is back.
 */
export function withdrawInverseOffersOf(m: Master, frameworkId: string): void {
  if (m.maintenance.inverseOffers.size === 0) return;
  const now = m.clock.now();
  for (const [id, io] of [...m.maintenance.inverseOffers]) {
    if (io.frameworkId !== frameworkId) continue;
    m.maintenance.inverseOffers.delete(id);
    if (m.agents.has(io.agentId)) m.allocator.updateInverseOffer(io.agentId, frameworkId, {}, now);
  }
}
