/**
 * The agent's side of the agent↔master channel (ADR 0002): connect, register or re-register with
 * Mesos's randomised backoff, answer pings, and notice a silent master.
 *
 * Contracts:
 *  - Registration is retried on the open channel after a random delay in [0, b·2^n] (b =
 *    `--registration-backoff-factor`, capped at 1 min), the first attempt after [0, b], as Mesos's
 *    `doReliableRegistration`. Failed connection attempts back off the same way.
 *  - Once registered, the link expects a PING at least every `total_ping_timeout_seconds` (sent by
 *    the master; 75 s if absent). When none comes, or a PING says the master considers us
 *    disconnected, the channel is dropped and the agent connects and re-registers.
 *  - Messages other than registration replies, PING and SHUTDOWN_AGENT reach the handler only
 *    while registered; `send` delivers only while registered (PONG only while connected).
 *  - Every callback of an old channel is ignored once a newer one exists (generation check).
 */
import type { internal, Result } from '@agora/protocol';
import type { Channel, Clock, Logger, Timer } from '@agora/runtime';

export type MasterChannel = Channel<internal.MasterMessage, internal.AgentMessage>;
export type Connector = () => Promise<Result<MasterChannel, string>>;

export interface MasterLinkHandlers {
  /** The message to (re)send while registering: REGISTER_AGENT, or REREGISTER_AGENT with our state. */
  registration(): internal.AgentMessage;
  registered(info: internal.AgentRegistered, reregistered: boolean): void;
  message(msg: internal.MasterMessage): void;
  /** The channel was lost (or dropped by us); the link is already reconnecting. */
  disconnected(reason: string): void;
  /** The master asked this agent to shut down (SHUTDOWN_AGENT). The link has stopped. */
  shutdown(message: string): void;
}

export interface MasterLinkOptions {
  connect: Connector;
  clock: Clock;
  logger: Logger;
  backoffFactorMs: number;
  handlers: MasterLinkHandlers;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random?: () => number;
  maxBackoffMs?: number;
  defaultPingTimeoutMs?: number;
}

export type LinkState = 'idle' | 'connecting' | 'registering' | 'registered' | 'closed';

const MAX_BACKOFF_MS = 60_000;
const DEFAULT_PING_TIMEOUT_MS = 75_000;
/** Keeps a zero backoff factor (or an unlucky random draw) from becoming a busy loop. */
const RETRY_FLOOR_MS = 10;

export class MasterLink {
  private stateValue: LinkState = 'idle';
  private channel: MasterChannel | undefined;
  private generation = 0;
  private connectFailures = 0;
  private registrationTimer: Timer | undefined;
  private reconnectTimer: Timer | undefined;
  private pingTimer: Timer | undefined;
  private pingTimeoutMs: number;
  private readonly random: () => number;
  private readonly maxBackoff: number;

  constructor(private readonly opts: MasterLinkOptions) {
    this.random = opts.random ?? Math.random;
    this.maxBackoff = opts.maxBackoffMs ?? MAX_BACKOFF_MS;
    this.pingTimeoutMs = opts.defaultPingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  }

  get state(): LinkState {
    return this.stateValue;
  }

  get registered(): boolean {
    return this.stateValue === 'registered';
  }

  start(): void {
    if (this.stateValue !== 'idle') return;
    this.connectNow();
  }

  /** Sends to the master if registered; returns whether it was sent. */
  send(msg: internal.AgentMessage): boolean {
    if (this.stateValue !== 'registered' || !this.channel?.isOpen) return false;
    this.channel.send(msg);
    return true;
  }

  /** Stops for good: no reconnection. */
  close(reason = 'agent stopping'): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.generation++;
    this.clearTimers();
    const ch = this.channel;
    this.channel = undefined;
    ch?.close(reason);
  }

  /** Drops the current channel and registers again (e.g. the master says we are disconnected). */
  reconnect(reason: string): void {
    if (this.stateValue === 'closed' || this.stateValue === 'idle') return;
    this.lost(this.generation, reason, true);
  }

  private clearTimers(): void {
    this.registrationTimer?.cancel();
    this.reconnectTimer?.cancel();
    this.pingTimer?.cancel();
    this.registrationTimer = this.reconnectTimer = this.pingTimer = undefined;
  }

  /** A random delay in [0, maxMs] (capped); retries never come sooner than RETRY_FLOOR_MS. */
  private backoff(maxMs: number, floor = RETRY_FLOOR_MS): number {
    return Math.max(floor, Math.floor(this.random() * Math.min(maxMs, this.maxBackoff)));
  }

  private connectNow(): void {
    const gen = ++this.generation;
    this.stateValue = 'connecting';
    this.opts.connect().then(
      (r) => this.connected(gen, r),
      (e: unknown) => this.connected(gen, { ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  private connected(gen: number, r: Result<MasterChannel, string>): void {
    if (gen !== this.generation || this.stateValue !== 'connecting') {
      if (r.ok) r.value.close('superseded');
      return;
    }
    if (!r.ok) {
      const delay = this.backoff(this.opts.backoffFactorMs * 2 ** Math.min(this.connectFailures, 30));
      this.connectFailures++;
      this.opts.logger.warn({ error: r.error, retryInMs: delay }, 'cannot reach the master');
      this.reconnectTimer = this.opts.clock.setTimer(delay, () => this.connectNow());
      return;
    }
    const ch = r.value;
    this.channel = ch;
    this.stateValue = 'registering';
    ch.onMessage((m) => this.received(gen, m));
    ch.onClose((reason) => this.lost(gen, reason, false));
    if (!ch.isOpen) return;
    // First attempt after [0, b], then [0, 2b], [0, 4b]… (Mesos's doReliableRegistration).
    const first = this.backoff(this.opts.backoffFactorMs, 0);
    this.registrationTimer = this.opts.clock.setTimer(first, () => this.register(gen, this.opts.backoffFactorMs * 2));
  }

  private register(gen: number, maxBackoffMs: number): void {
    if (gen !== this.generation || this.stateValue !== 'registering' || !this.channel?.isOpen) return;
    this.channel.send(this.opts.handlers.registration());
    const next = Math.min(maxBackoffMs, this.maxBackoff);
    this.registrationTimer = this.opts.clock.setTimer(this.backoff(next), () => this.register(gen, next * 2));
  }

  private received(gen: number, msg: internal.MasterMessage): void {
    if (gen !== this.generation) return;
    switch (msg.type) {
      case 'AGENT_REGISTERED':
      case 'AGENT_REREGISTERED': {
        const info = msg.type === 'AGENT_REGISTERED' ? msg.agent_registered : msg.agent_reregistered;
        if (!info) return;
        if (this.stateValue === 'registered') {
          this.opts.logger.debug({ type: msg.type }, 'ignoring a duplicate registration reply');
          return;
        }
        this.stateValue = 'registered';
        this.connectFailures = 0;
        this.registrationTimer?.cancel();
        this.registrationTimer = undefined;
        const seconds = info.total_ping_timeout_seconds;
        this.pingTimeoutMs = seconds !== undefined && seconds > 0 ? seconds * 1000 : (this.opts.defaultPingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
        this.armPingTimer(gen);
        this.opts.handlers.registered(info, msg.type === 'AGENT_REREGISTERED');
        return;
      }
      case 'PING': {
        if (this.stateValue === 'registered') this.armPingTimer(gen);
        this.channel?.send({ type: 'PONG' });
        if (this.stateValue === 'registered' && msg.ping?.connected === false) {
          this.opts.logger.warn('the master considers this agent disconnected; re-registering');
          this.lost(gen, 'master reported the agent as disconnected', true);
        }
        return;
      }
      case 'SHUTDOWN_AGENT': {
        const why = msg.shutdown_agent?.message ?? '';
        this.close('shut down by the master');
        this.opts.handlers.shutdown(why);
        return;
      }
      default:
        if (this.stateValue !== 'registered') {
          this.opts.logger.debug({ type: msg.type }, 'ignoring a master message received before registration');
          return;
        }
        this.opts.handlers.message(msg);
    }
  }

  private armPingTimer(gen: number): void {
    this.pingTimer?.cancel();
    this.pingTimer = this.opts.clock.setTimer(this.pingTimeoutMs, () => {
      if (gen !== this.generation) return;
      this.opts.logger.warn({ timeoutMs: this.pingTimeoutMs }, 'no ping from the master within the timeout; looking for the master again');
      this.lost(gen, `no ping from the master within ${this.pingTimeoutMs / 1000}s`, true);
    });
  }

  private lost(gen: number, reason: string, dropChannel: boolean): void {
    if (gen !== this.generation || this.stateValue === 'closed' || this.stateValue === 'idle') return;
    const wasRegistered = this.stateValue === 'registered';
    const ch = this.channel;
    this.channel = undefined;
    this.generation++;
    this.clearTimers();
    if (dropChannel) ch?.close(reason);
    this.stateValue = 'connecting';
    this.opts.handlers.disconnected(reason);
    if (this.stateValue !== 'connecting') return; // the handler closed the link
    if (wasRegistered) {
      // Mesos re-detects the master at once; registration itself is what backs off.
      this.connectNow();
      return;
    }
    // A channel that closes before registration counts as a failed attempt (no tight loop).
    const delay = this.backoff(this.opts.backoffFactorMs * 2 ** Math.min(this.connectFailures, 30));
    this.connectFailures++;
    const next = this.generation;
    this.reconnectTimer = this.opts.clock.setTimer(delay, () => {
      if (next === this.generation && this.stateValue === 'connecting') this.connectNow();
    });
  }
}
