/**
 * An ordered, batched message channel between two daemons (ADR 0002). Master and agent cores are
 * written against `Channel`; production uses a WebSocket (`ws-channel.ts`), deterministic tests
 * use `MemoryChannelPair`, whose interceptors drop, delay or duplicate messages by type.
 *
 * Contract:
 *  - `send` never throws and never blocks; messages sent in one event-loop turn travel together;
 *  - messages arrive in the order sent (unless a test interceptor delays some on purpose);
 *  - received messages are decoded with the receiver's decoder; a message that does not decode
 *    closes the channel (a peer that breaks the protocol is not trusted further);
 *  - `onClose` fires exactly once, whichever side closed or failed.
 */
import { decode, formatDecodeError, type Decoder } from '@agora/protocol';
import type { Clock, Timer } from './clock.ts';

export interface Channel<In, Out> {
  send(msg: Out): void;
  close(reason?: string): void;
  onMessage(fn: (msg: In) => void): void;
  onClose(fn: (reason: string) => void): void;
  readonly isOpen: boolean;
  /** A human-readable description of the peer (address), for logs. */
  readonly peer: string;
}

/** Shared bookkeeping for both transports: listeners, decode-or-close, close-once. */
export abstract class BaseChannel<In, Out> implements Channel<In, Out> {
  private messageFn: ((msg: In) => void) | undefined;
  private closeFns: Array<(reason: string) => void> = [];
  private pendingInbound: In[] = [];
  private closed = false;

  protected constructor(
    private readonly decoder: Decoder<In>,
    readonly peer: string,
  ) {}

  abstract send(msg: Out): void;
  protected abstract shutdown(reason: string): void;

  get isOpen(): boolean {
    return !this.closed;
  }

  onMessage(fn: (msg: In) => void): void {
    this.messageFn = fn;
    // Messages that arrived before a listener was attached are delivered now, in order.
    const queued = this.pendingInbound;
    this.pendingInbound = [];
    for (const m of queued) if (!this.closed) fn(m);
  }

  onClose(fn: (reason: string) => void): void {
    if (this.closed) fn('closed');
    else this.closeFns.push(fn);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.shutdown(reason);
    this.markClosed(reason);
  }

  /** Decodes and delivers one raw message; returns false (and closes) if it is malformed. */
  protected deliver(raw: unknown): boolean {
    if (this.closed) return false;
    const r = decode(this.decoder, raw);
    if (!r.ok) {
      this.close(`protocol violation: ${formatDecodeError(r.error)}`);
      return false;
    }
    if (this.messageFn) this.messageFn(r.value);
    else this.pendingInbound.push(r.value);
    return true;
  }

  protected markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const fns = this.closeFns;
    this.closeFns = [];
    for (const fn of fns) fn(reason);
  }
}

// ───────────────────────────── in-memory pair for deterministic tests ─────────────────────────────

export type Direction = 'a->b' | 'b->a';

export interface InterceptRule {
  direction?: Direction;
  /** Matches the message's `type` field. */
  type?: string;
  /** Or any predicate on the (already serialised and re-parsed) message. */
  match?: (msg: Record<string, unknown>) => boolean;
  action: 'drop' | 'duplicate' | { delayMs: number };
  /** How many messages the rule applies to (default: unlimited). */
  times?: number;
}

class MemoryEnd<In, Out> extends BaseChannel<In, Out> {
  other: MemoryEnd<Out, In> | undefined;
  constructor(
    decoder: Decoder<In>,
    peer: string,
    private readonly pair: MemoryChannelPair<unknown, unknown>,
    private readonly direction: Direction,
  ) {
    super(decoder, peer);
  }
  send(msg: Out): void {
    if (!this.isOpen) return;
    this.pair.transmit(this.direction, msg, this.other as unknown as MemoryEnd<unknown, unknown>);
  }
  protected shutdown(reason: string): void {
    const other = this.other;
    this.pair.afterPending(() => other?.remoteClosed(reason));
  }
  remoteClosed(reason: string): void {
    this.markClosed(`peer closed: ${reason}`);
  }
  receive(raw: unknown): void {
    this.deliver(raw);
  }
}

/**
 * Two connected channel ends. Every message is serialised to JSON and decoded on arrival (so tests
 * exercise the same codec as production) and delivered after `latencyMs` on the given clock.
 */
export class MemoryChannelPair<A, B> {
  readonly a: Channel<B, A>;
  readonly b: Channel<A, B>;
  private rules: InterceptRule[] = [];
  private inFlight = new Set<Timer>();
  /** Messages delivered / dropped so far, by type, for assertions. */
  readonly delivered = new Map<string, number>();
  readonly dropped = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    decoders: { a: Decoder<B>; b: Decoder<A> },
    private readonly latencyMs = 0,
    names: { a: string; b: string } = { a: 'a', b: 'b' },
  ) {
    const self = this as unknown as MemoryChannelPair<unknown, unknown>;
    const endA = new MemoryEnd<B, A>(decoders.a, names.b, self, 'a->b');
    const endB = new MemoryEnd<A, B>(decoders.b, names.a, self, 'b->a');
    endA.other = endB;
    endB.other = endA;
    this.a = endA;
    this.b = endB;
  }

  intercept(rule: InterceptRule): () => void {
    this.rules.push(rule);
    return () => {
      this.rules = this.rules.filter((r) => r !== rule);
    };
  }

  /** Simulates a network failure: both ends see the channel close. */
  sever(reason = 'severed'): void {
    (this.a as MemoryEnd<B, A>).remoteClosed(reason);
    (this.b as MemoryEnd<A, B>).remoteClosed(reason);
  }

  /** @internal */
  transmit(direction: Direction, msg: unknown, to: MemoryEnd<unknown, unknown> | undefined): void {
    if (!to) return;
    const wire = JSON.parse(JSON.stringify(msg)) as Record<string, unknown>;
    const type = typeof wire.type === 'string' ? wire.type : '?';
    let copies = 1;
    let delay = this.latencyMs;
    for (const rule of this.rules) {
      if (rule.direction && rule.direction !== direction) continue;
      if (rule.type && rule.type !== type) continue;
      if (rule.match && !rule.match(wire)) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
      }
      if (rule.action === 'drop') copies = 0;
      else if (rule.action === 'duplicate') copies = 2;
      else delay += rule.action.delayMs;
    }
    if (copies === 0) {
      this.dropped.set(type, (this.dropped.get(type) ?? 0) + 1);
      return;
    }
    for (let i = 0; i < copies; i++) {
      const t: Timer = this.clock.setTimer(delay, () => {
        this.inFlight.delete(t);
        if (!to.isOpen) return;
        this.delivered.set(type, (this.delivered.get(type) ?? 0) + 1);
        to.receive(JSON.parse(JSON.stringify(wire)));
      });
      this.inFlight.add(t);
    }
  }

  /** @internal Runs `fn` after messages already in flight (a close follows the data sent before it). */
  afterPending(fn: () => void): void {
    this.clock.setTimer(this.latencyMs, fn);
  }
}
