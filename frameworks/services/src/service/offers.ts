/**
 * Launching and offer handling: one reconcile pass (`step`) over the owner's state, with or
 * without offers, and the offer flow (REVIVE while instances are wanted, SUPPRESS when nothing
 * is). Runs inside the owner's serial section.
 *
 * Order within a pass: instance intents are stored before their LAUNCH (a new leader knows every
 * task the old one may have started); kill marks before their KILL; deployments move last, on the
 * state this pass produced.
 */
import type { Offer } from '@agora/protocol';
import { effectiveApps } from '../core/deployment.ts';
import { reconcile } from '../core/reconcile.ts';
import { instanceEvent } from './events.ts';
import { advanceDeployments } from './deployments.ts';
import { expunge, requestKills } from './kills.ts';
import type { Owner } from './owner.ts';

/** Unconfirmed kills are sent again after this long, at most this often per instance. */
const KILL_RETRY_MS = 30_000;
/** A revive is repeated this often while instances are wanted and no offers come. */
const REVIVE_REPEAT_MS = 5000;

export async function step(o: Owner, offers: readonly Offer[]): Promise<void> {
  const { state: s, opts } = o;
  const now = o.now;
  const out = reconcile({
    apps: effectiveApps(s.apps, [...s.deployments.values()]),
    instances: [...s.instances.values()],
    offers, now, backoff: s.backoff, newId: opts.uuid,
    ...(opts.launchTimeoutMs !== undefined ? { launchTimeoutMs: opts.launchTimeoutMs } : {}),
    ...(opts.launchWindow !== undefined ? { launchWindow: opts.launchWindow } : {}),
    ...(opts.maxInstancesPerOffer !== undefined ? { maxInstancesPerOffer: opts.maxInstancesPerOffer } : {}),
  });
  const port = o.port;
  // Intents first: a LAUNCH is sent only for instances already in the store.
  const launchable = port && !o.closed ? out.launches : [];
  const writes = await Promise.all(launchable.map((l) => opts.repo.putInstance(l.instance)));
  const byOffer = new Map<string, { offer: Offer; tasks: typeof out.launches }>();
  launchable.forEach((l, n) => {
    if (!writes[n]!.ok) return;
    s.instances.set(l.instance.id, l.instance);
    const slot = byOffer.get(l.offer.id.value) ?? { offer: l.offer, tasks: [] };
    slot.tasks.push(l);
    byOffer.set(l.offer.id.value, slot);
  });
  if (port) {
    for (const { offer, tasks } of byOffer.values()) {
      // A LAUNCH that failed in transit: ask the master, whose answer (TASK_LOST/UNKNOWN for a
      // task it never saw) expunges the intent and the instance is replaced.
      void port.launch(offer, tasks.map((t) => t.task)).then((sent) => {
        if (!sent) void port.reconcile(tasks.map((t) => ({ taskId: t.instance.id, agentId: t.instance.agentId })));
      });
      for (const t of tasks) opts.events.publish('instance_changed_event', instanceEvent(t.instance, 'Created'));
    }
    const unused = offers.filter((of) => !byOffer.has(of.id.value));
    // Short filters while instances are wanted (shortest while only the launch window holds them).
    void port.decline(unused, out.windowFull ? 0.2 : out.queue.length > 0 ? 1 : 30);
  }
  if (port && offers.length === 0) {
    for (const i of s.instances.values()) {
      if (i.killRequestedAt !== undefined && now - i.killRequestedAt > KILL_RETRY_MS && now - (o.killRetried.get(i.id) ?? 0) > KILL_RETRY_MS) {
        o.killRetried.set(i.id, now);
        void port.kill(i.id, i.agentId);
      }
    }
  }
  const expunged = out.kills.filter((k) => k.reason === 'unreachable-expunged').map((k) => k.instance);
  await requestKills(o, out.kills.filter((k) => k.reason !== 'unreachable-expunged').map((k) => k.instance));
  for (const i of expunged) {
    void port?.kill(i.id, i.agentId);
    await expunge(o, i);
  }
  // Queue view for /v2/queue (kept across offer-less ticks).
  const wanting = new Set(out.queue.map((q) => q.appId));
  for (const q of out.queue) {
    const prev = s.queue.get(q.appId);
    if (offers.length === 0 && prev) s.queue.set(q.appId, { ...prev, count: q.count, delayed: q.delayed });
    else s.queue.set(q.appId, { ...q, since: prev?.since ?? now, ...(q.unusedOffers > 0 ? { lastUnusedOfferAt: now } : prev?.lastUnusedOfferAt !== undefined ? { lastUnusedOfferAt: prev.lastUnusedOfferAt } : {}) });
  }
  for (const id of [...s.queue.keys()]) if (!wanting.has(id)) s.queue.delete(id);
  if (port && !o.closed) {
    const demand = out.queue.some((q) => !q.delayed);
    // Revive when demand appears, and again while it lasts without offers (declined offers
    // are filtered for a while; a revive clears the filters).
    if (demand && (o.offerFlow.suppressed || (offers.length === 0 && now - o.offerFlow.lastRevive > REVIVE_REPEAT_MS))) await revive(o);
    else if (!demand && !o.offerFlow.suppressed && s.queue.size === 0 && offers.length > 0) {
      o.offerFlow.suppressed = true;
      void port.suppress();
    }
  }
  await advanceDeployments(o);
  if (port && !o.closed) {
    const targets = [];
    for (const i of s.instances.values()) {
      const app = s.apps.get(i.appId);
      if (app && app.readinessChecks.length > 0 && i.state === 'TASK_RUNNING' && i.ready !== true && i.killRequestedAt === undefined) targets.push({ instance: i, app });
    }
    o.readiness.run(targets);
  }
}

/** Asks Mesos for offers again (clears its offer filters); a no-op while not subscribed. */
export async function revive(o: Owner): Promise<void> {
  if (!o.port) return;
  o.offerFlow.suppressed = false;
  o.offerFlow.lastRevive = o.now;
  await o.port.revive();
}
