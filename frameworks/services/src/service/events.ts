/**
 * Marathon's event bus: every event has `eventType` and `timestamp`; subscribers (SSE streams on
 * `/v2/events`) get the events whose type they asked for (all when they named none). Delivery is
 * best effort and unordered across types, as Marathon documents: consumers re-read state.
 */
import type { Instance } from '../core/instance.ts';

export interface MarathonEvent {
  readonly eventType: string;
  readonly timestamp: string;
  readonly [k: string]: unknown;
}

export type Subscriber = (e: MarathonEvent) => void;

export class EventBus {
  private readonly subs = new Map<Subscriber, ReadonlySet<string> | undefined>();
  private readonly recent: MarathonEvent[] = [];

  constructor(private readonly now: () => number, private readonly keep = 200) {}

  publish(eventType: string, body: Record<string, unknown>): MarathonEvent {
    const e: MarathonEvent = { ...body, eventType, timestamp: new Date(this.now()).toISOString() };
    this.recent.push(e);
    if (this.recent.length > this.keep) this.recent.shift();
    for (const [fn, types] of this.subs) if (types === undefined || types.has(eventType)) fn(e);
    return e;
  }

  /** Returns the function that unsubscribes. `types` empty = every type. */
  subscribe(fn: Subscriber, types: readonly string[] = []): () => void {
    this.subs.set(fn, types.length > 0 ? new Set(types) : undefined);
    return () => void this.subs.delete(fn);
  }

  get subscribers(): number {
    return this.subs.size;
  }

  /** The last events (for tests and the CLI's progress view). */
  history(): readonly MarathonEvent[] {
    return this.recent;
  }
}

/** The body of an `instance_changed_event` for `i` in `condition` (Marathon's field names). */
export function instanceEvent(i: Instance, condition: string): Record<string, unknown> {
  return { instanceId: i.id, condition, runSpecId: i.appId, agentId: i.agentId, host: i.host, runSpecVersion: i.version };
}
