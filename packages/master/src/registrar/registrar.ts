/**
 * The registrar (Mesos `Registrar`): the master's durable memory, kept in the state store, for
 * what a new leader must not forget — which agents were admitted (with their AgentInfo and
 * whether the operator deactivated them), which are unreachable (since when) or gone, and the
 * roles' weights and quotas. Frameworks, tasks and offers are not stored: they come back with
 * agent re-registrations and framework re-subscriptions (Mesos's soft state).
 *
 * Layout (one key per agent, so every operation on an agent is one atomic write):
 *
 *   registry/agents/<id>   {"state":"ADMITTED"|"UNREACHABLE"|"GONE", "info":AgentInfo, "at":ms?, "deactivated":bool?}
 *   registry/weights       [{"role","weight"}]
 *   registry/quota         [QuotaConfig]
 *   registry/maintenance   {"schedule":maintenance.Schedule, "machines":[MachineInfo]} (DRAINING and DOWN machines)
 *
 * Contracts:
 *  - The registrar writes through a *fenced* store: once another master has claimed the store,
 *    every write fails (`FENCED`) and the caller must stop acting as leader.
 *  - Operations on one key are applied in the order they were issued (a queue per key); writes
 *    to different keys run concurrently.
 *  - Entries of agents that stay unreachable or gone are pruned after a while (registrar/gc.ts,
 *    Mesos's `--registry_max_agent_age`/`--registry_max_agent_count`), through `PRUNE`.
 *  - Expected failures are values; the master treats any failed write as fatal (Mesos aborts the
 *    master when the registrar fails).
 */
import { AgentInfo, decode, err, formatDecodeError, MachineInfo, MaintenanceSchedule, ok, QuotaConfig, type Result } from '@agora/protocol';
import type { MaintenanceRecord } from '../maintenance/state.ts';
import { decodeJsonValue, encodeJsonValue, keySegment, unescapeKeySegment, type KeyValueStore } from '@agora/state';

export interface RoleWeight {
  readonly role: string;
  readonly weight: number;
}

export type AgentRegistryState = 'ADMITTED' | 'UNREACHABLE' | 'GONE';

export interface RegistryAgent {
  readonly state: AgentRegistryState;
  readonly info: AgentInfo;
  /** When the agent became unreachable or gone (ms since the epoch). */
  readonly at?: number;
  readonly deactivated?: boolean;
}

export type RegistryOp =
  | { readonly type: 'ADMIT'; readonly info: AgentInfo; readonly deactivated?: boolean }
  | { readonly type: 'MARK_UNREACHABLE'; readonly info: AgentInfo; readonly at: number }
  | { readonly type: 'MARK_GONE'; readonly info: AgentInfo; readonly at: number }
  | { readonly type: 'REMOVE'; readonly agentId: string }
  /**
   * Registry GC (registrar/gc.ts): removes the agent's entry only if it is still `state` since
   * `at` — an agent that was re-admitted (or marked again) meanwhile keeps its newer entry, as
   * Mesos's `Prune` leaves alone agents that are no longer in its lists.
   */
  | { readonly type: 'PRUNE'; readonly agentId: string; readonly state: 'UNREACHABLE' | 'GONE'; readonly at: number }
  | { readonly type: 'WEIGHTS'; readonly weights: readonly RoleWeight[] }
  | { readonly type: 'QUOTA'; readonly configs: readonly QuotaConfig[] }
  | { readonly type: 'MAINTENANCE'; readonly maintenance: MaintenanceRecord };

export interface RegistryContents {
  readonly agents: Map<string, RegistryAgent>;
  readonly weights: RoleWeight[];
  readonly quotas: QuotaConfig[];
  /** Undefined when no schedule was ever posted. */
  readonly maintenance?: MaintenanceRecord;
}

/** What the master depends on (an in-process fake is this interface over a memory store). */
export interface RegistryPort {
  apply(op: RegistryOp): Promise<Result<void, string>>;
}

const AGENTS = 'registry/agents';
const WEIGHTS = 'registry/weights';
const QUOTA = 'registry/quota';
const MAINTENANCE = 'registry/maintenance';
/** Reads in flight at once during recovery (10,000 agents must not open 10,000 requests). */
const RECOVERY_CONCURRENCY = 512;
/**
 * Writes in flight at once. ZooKeeper orders a session's requests, so a flood of writes (10,000
 * agents registering) would queue everything behind it; a bounded window keeps the store's
 * latency — and the ZooKeeper server — reasonable for everyone else.
 */
const WRITE_CONCURRENCY = 64;

export class Registrar implements RegistryPort {
  private readonly queues = new Map<string, Promise<unknown>>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  /** Writes completed, for the registrar metrics. */
  writes = 0;

  /** `store`: the fenced view for writes (reads pass through it too). */
  constructor(private readonly store: KeyValueStore) {}

  /** Reads the whole registry (a new leader does this once, before it serves anything). */
  async recover(): Promise<Result<RegistryContents, string>> {
    const names = await this.store.list(AGENTS);
    if (!names.ok) return err(`listing ${AGENTS}: ${names.error.message}`);
    const agents = new Map<string, RegistryAgent>();
    let failure: string | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < names.value.length) {
        const name = names.value[next++]!;
        const key = `${AGENTS}/${name}`;
        const r = await this.store.get(key);
        if (!r.ok) {
          failure = `reading ${key}: ${r.error.message}`;
          return;
        }
        if (r.value === undefined) continue; // removed meanwhile
        const parsed = parseAgent(r.value.value, key);
        if (!parsed.ok) {
          failure = parsed.error;
          return;
        }
        agents.set(unescapeKeySegment(name), parsed.value);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RECOVERY_CONCURRENCY, names.value.length) }, worker));
    if (failure !== undefined) return err(failure);
    const weights = await this.readArray(WEIGHTS, (v, i) => {
      const w = v as { role?: unknown; weight?: unknown };
      return typeof w?.role === 'string' && typeof w.weight === 'number' ? ok({ role: w.role, weight: w.weight }) : err(`[${i}] is not {role, weight}`);
    });
    if (!weights.ok) return weights;
    const quotas = await this.readArray(QUOTA, (v, i) => {
      const r = decode(QuotaConfig, v);
      return r.ok ? r : err(`[${i}]: ${formatDecodeError(r.error)}`);
    });
    if (!quotas.ok) return quotas;
    const maintenance = await this.readMaintenance();
    if (!maintenance.ok) return maintenance;
    return ok({ agents, weights: weights.value, quotas: quotas.value, ...(maintenance.value ? { maintenance: maintenance.value } : {}) });
  }

  apply(op: RegistryOp): Promise<Result<void, string>> {
    const key = keyOf(op);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.write(key, op));
    this.queues.set(key, run);
    void run.then(() => {
      if (this.queues.get(key) === run) this.queues.delete(key);
    });
    return run;
  }

  private async write(key: string, op: RegistryOp): Promise<Result<void, string>> {
    if (this.inFlight >= WRITE_CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await this.writeNow(key, op);
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async writeNow(key: string, op: RegistryOp): Promise<Result<void, string>> {
    let r;
    switch (op.type) {
      case 'REMOVE':
        r = await this.store.delete(key, 'any');
        break;
      case 'PRUNE': {
        // This master is the only writer and writes to one key are queued, so what is read here
        // is what the delete applies to; the version makes the delete conditional all the same.
        const current = await this.store.get(key);
        if (!current.ok) return err(`${op.type} (${key}): ${current.error.code}: ${current.error.message}`);
        if (current.value === undefined) return ok(undefined);
        const entry = parseAgent(current.value.value, key);
        if (!entry.ok) return err(`${op.type} (${key}): ${entry.error}`);
        if (entry.value.state !== op.state || entry.value.at !== op.at) return ok(undefined);
        r = await this.store.delete(key, current.value.version);
        break;
      }
      case 'WEIGHTS':
        r = await this.store.set(key, encodeJsonValue(op.weights), 'any');
        break;
      case 'QUOTA':
        r = await this.store.set(key, encodeJsonValue(op.configs), 'any');
        break;
      case 'MAINTENANCE':
        r = await this.store.set(key, encodeJsonValue(op.maintenance), 'any');
        break;
      default: {
        const value: RegistryAgent = op.type === 'ADMIT'
          ? { state: 'ADMITTED', info: op.info, ...(op.deactivated ? { deactivated: true } : {}) }
          : { state: op.type === 'MARK_UNREACHABLE' ? 'UNREACHABLE' : 'GONE', info: op.info, at: op.at };
        r = await this.store.set(key, encodeJsonValue(value), 'any');
      }
    }
    if (!r.ok) return err(`${op.type} (${key}): ${r.error.code}: ${r.error.message}`);
    this.writes++;
    return ok(undefined);
  }

  private async readMaintenance(): Promise<Result<MaintenanceRecord | undefined, string>> {
    const r = await this.store.get(MAINTENANCE);
    if (!r.ok) return err(`reading ${MAINTENANCE}: ${r.error.message}`);
    if (r.value === undefined) return ok(undefined);
    const v = decodeJsonValue(r.value.value, MAINTENANCE);
    if (!v.ok) return err(v.error.message);
    const o = v.value as { schedule?: unknown; machines?: unknown };
    const schedule = decode(MaintenanceSchedule, o?.schedule ?? {});
    if (!schedule.ok) return err(`${MAINTENANCE}: schedule: ${formatDecodeError(schedule.error)}`);
    if (!Array.isArray(o.machines)) return err(`${MAINTENANCE}: machines: expected a JSON array`);
    const machines: MachineInfo[] = [];
    for (const [i, x] of o.machines.entries()) {
      const one = decode(MachineInfo, x);
      if (!one.ok) return err(`${MAINTENANCE}: machines[${i}]: ${formatDecodeError(one.error)}`);
      machines.push(one.value);
    }
    return ok({ schedule: schedule.value, machines });
  }

  private async readArray<T>(key: string, item: (v: unknown, i: number) => Result<T, string>): Promise<Result<T[], string>> {
    const r = await this.store.get(key);
    if (!r.ok) return err(`reading ${key}: ${r.error.message}`);
    if (r.value === undefined) return ok([]);
    const v = decodeJsonValue(r.value.value, key);
    if (!v.ok) return err(v.error.message);
    if (!Array.isArray(v.value)) return err(`${key}: expected a JSON array`);
    const out: T[] = [];
    for (const [i, x] of v.value.entries()) {
      const one = item(x, i);
      if (!one.ok) return err(`${key}${one.error}`);
      out.push(one.value);
    }
    return ok(out);
  }
}

function keyOf(op: RegistryOp): string {
  switch (op.type) {
    case 'WEIGHTS':
      return WEIGHTS;
    case 'QUOTA':
      return QUOTA;
    case 'MAINTENANCE':
      return MAINTENANCE;
    case 'REMOVE':
    case 'PRUNE':
      return `${AGENTS}/${keySegment(op.agentId)}`;
    default:
      return `${AGENTS}/${keySegment(op.info.id!.value)}`;
  }
}

function parseAgent(bytes: Uint8Array, key: string): Result<RegistryAgent, string> {
  const v = decodeJsonValue(bytes, key);
  if (!v.ok) return err(v.error.message);
  const o = v.value as { state?: unknown; info?: unknown; at?: unknown; deactivated?: unknown };
  if (o?.state !== 'ADMITTED' && o?.state !== 'UNREACHABLE' && o?.state !== 'GONE') return err(`${key}: unknown agent state ${JSON.stringify(o?.state)}`);
  const info = decode(AgentInfo, o.info);
  if (!info.ok) return err(`${key}: info: ${formatDecodeError(info.error)}`);
  if (!info.value.id) return err(`${key}: info has no id`);
  const at = typeof o.at === 'number' ? o.at : undefined;
  if (o.state !== 'ADMITTED' && at === undefined) return err(`${key}: ${o.state} without 'at'`);
  return ok({ state: o.state, info: info.value, ...(at !== undefined ? { at } : {}), ...(o.deactivated === true ? { deactivated: true } : {}) });
}
