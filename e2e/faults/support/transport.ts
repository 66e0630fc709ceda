/**
 * The faulty network of the in-process cluster (fault-scenarios.md §1.8): every message between
 * two components — master↔agent channels and master↔scheduler streams and calls — passes through
 * here, and rules drop, delay or duplicate it by message type, sender and receiver, the way Mesos's
 * tests use DROP_PROTOBUFS / FUTURE_MESSAGE.
 *
 *   net.drop('PONG')                              every PONG, any sender
 *   net.drop('*', { from: 'agent1' })             agent1 cannot be heard (one-way partition)
 *   net.delay('STATUS_UPDATE', 5_000)             updates arrive 5 s late
 *   net.duplicate('UPDATE', { times: 1 })         the next scheduler UPDATE arrives twice
 *   net.partition('agent1')                       both ways, for agent1
 *
 * Each rule returns a `heal` function. Rules apply to connections that exist and to those opened
 * later. Names: masters are `m1`, `m2`…, agents `agent1`…, schedulers by their own name; `master`
 * in a rule matches any master.
 */
import type { Clock, InterceptRule, MemoryChannelPair } from '@agora/runtime';

export type Action = 'drop' | 'duplicate' | { delayMs: number };

export interface RuleSpec {
  /** Message type (`PONG`, `STATUS_UPDATE`, `UPDATE`, `HEARTBEAT`, …) or `*` for all. */
  type: string;
  from?: string;
  to?: string;
  /** Applies to this many messages, then stops (default: unlimited). */
  times?: number;
  /** A further predicate on the message (already serialised). */
  match?: (msg: Record<string, unknown>) => boolean;
}

interface Rule extends RuleSpec {
  action: Action;
  /** Shared across connections so `times` counts messages, not connections. */
  budget: { left: number };
  installed: Array<() => void>;
}

export interface Link {
  readonly master: string;
  readonly peer: string;
  readonly pair: MemoryChannelPair<unknown, unknown>;
}

const matches = (pattern: string | undefined, name: string, masterNames: (n: string) => boolean): boolean =>
  pattern === undefined || pattern === '*' || pattern === name || (pattern === 'master' && masterNames(name));

export class FaultyNetwork {
  private readonly rules = new Set<Rule>();
  private readonly links = new Set<Link>();
  /** Messages dropped by a rule, by type (for assertions that a fault really happened). */
  readonly dropped = new Map<string, number>();

  constructor(
    readonly clock: Clock,
    private readonly isMaster: (name: string) => boolean,
  ) {}

  drop(type: string, spec: Omit<RuleSpec, 'type'> = {}): () => void {
    return this.add({ ...spec, type }, 'drop');
  }

  delay(type: string, delayMs: number, spec: Omit<RuleSpec, 'type'> = {}): () => void {
    return this.add({ ...spec, type }, { delayMs });
  }

  duplicate(type: string, spec: Omit<RuleSpec, 'type'> = {}): () => void {
    return this.add({ ...spec, type }, 'duplicate');
  }

  /** Nothing passes between `name` and anyone (both directions). */
  partition(name: string): () => void {
    const a = this.drop('*', { from: name });
    const b = this.drop('*', { to: name });
    return () => {
      a();
      b();
    };
  }

  /** Only `from` → `to` is cut; the other direction works (Mesos's OneWayPartitionTest). */
  oneWay(from: string, to: string): () => void {
    return this.drop('*', { from, to });
  }

  healAll(): void {
    for (const r of [...this.rules]) this.remove(r);
  }

  /** Registers a master↔peer channel: current and future rules apply to it. */
  attach(link: Link): void {
    this.links.add(link);
    for (const r of this.rules) this.install(r, link);
    link.pair.a.onClose(() => this.links.delete(link));
  }

  /**
   * The verdict for one message outside a channel (scheduler events and calls): how many copies
   * arrive, and after what delay.
   */
  verdict(from: string, to: string, msg: Record<string, unknown>): { copies: number; delayMs: number } {
    let copies = 1;
    let delayMs = 0;
    for (const r of this.rules) {
      if (!this.applies(r, from, to, msg)) continue;
      if (r.budget.left <= 0) continue;
      r.budget.left--;
      if (r.action === 'drop') copies = 0;
      else if (r.action === 'duplicate') copies = 2;
      else delayMs += r.action.delayMs;
    }
    if (copies === 0) this.count(String(msg.type ?? '?'));
    return { copies, delayMs };
  }

  private applies(r: Rule, from: string, to: string, msg: Record<string, unknown>): boolean {
    if (!matches(r.from, from, this.isMaster) || !matches(r.to, to, this.isMaster)) return false;
    if (r.type !== '*' && r.type !== msg.type) return false;
    return r.match === undefined || r.match(msg);
  }

  private count(type: string): void {
    this.dropped.set(type, (this.dropped.get(type) ?? 0) + 1);
  }

  private add(spec: RuleSpec, action: Action): () => void {
    const rule: Rule = { ...spec, action, budget: { left: spec.times ?? Number.POSITIVE_INFINITY }, installed: [] };
    this.rules.add(rule);
    for (const link of this.links) this.install(rule, link);
    return () => this.remove(rule);
  }

  private remove(rule: Rule): void {
    this.rules.delete(rule);
    for (const off of rule.installed.splice(0)) off();
  }

  /** The pair's own interceptor does the work; `a` is the master's end, `b` the peer's. */
  private install(rule: Rule, link: Link): void {
    for (const [direction, from, to] of [['a->b', link.master, link.peer], ['b->a', link.peer, link.master]] as const) {
      if (!matches(rule.from, from, this.isMaster) || !matches(rule.to, to, this.isMaster)) continue;
      const intercept: InterceptRule = {
        direction,
        match: (msg) => {
          if (rule.type !== '*' && rule.type !== msg.type) return false;
          if (rule.match !== undefined && !rule.match(msg)) return false;
          if (rule.budget.left <= 0) return false;
          rule.budget.left--;
          if (rule.action === 'drop') this.count(String(msg.type ?? '?'));
          return true;
        },
        action: rule.action,
      };
      rule.installed.push(link.pair.intercept(intercept));
    }
  }
}
