/**
 * AllocatorState: the single owner of the allocator's records and the primitives that keep every
 * derived structure consistent — agent availability, framework and role sorters, the role tree's
 * quota accounting, cluster totals and the free headroom vector. Every mutation of allocations
 * goes through `addAllocation` / `removeAllocation` / `setTotal`, so the incremental state
 * always equals what a rebuild from scratch would compute (a property test checks this).
 */
import { Flag, Resources } from '@agora/resources';
import { FilterStore } from './filters.ts';
import { AgentState, Client, evalClass, type FrameworkState } from './model.ts';
import { ClusterTotals, NameIndex, type QVec } from './names.ts';
import type { ResolvedOptions } from './options.ts';
import { RoleTree, type RoleState } from './role-tree.ts';
import { DrfSorter } from './sorter/drf.ts';
import { RandomSorter } from './sorter/random.ts';
import type { Sorter, SorterKind } from './sorter/sorter.ts';

export class AllocatorState {
  readonly names = new NameIndex();
  readonly totals = new ClusterTotals(this.names);
  /** Free (unallocated) unreserved non-revocable scalars across agents: the available quota headroom. */
  readonly free: QVec = [];
  readonly roles = new RoleTree(this.names);
  readonly roleSorter: Sorter;
  readonly filters = new FilterStore();
  readonly agents = new Map<string, AgentState>();
  readonly frameworks = new Map<string, FrameworkState>();
  /** Agents holding `pending` resources of a framework not added yet, by framework id. */
  readonly pendingAgents = new Map<string, Set<AgentState>>();
  readonly clients: (Client | undefined)[] = [];
  private readonly freeClientIds: number[] = [];
  private nextAgentIdx = 0;
  /** Names that some agent offers as ranges or sets (a min-allocatable test could count them). */
  readonly nonScalarNames = new Set<number>();
  /** Bumped by policy changes (quota, weights) that can change what an agent would offer. */
  policyGen = 0;
  cycleSeq = 0;

  constructor(readonly options: ResolvedOptions) {
    this.roleSorter = this.newSorter(options.roleSorter, true);
  }

  newSorter(kind: SorterKind, hierarchical: boolean): Sorter {
    const ctx = { names: this.names, totals: this.totals, excluded: this.options.excluded, hierarchical };
    return kind === 'random' ? new RandomSorter(ctx) : new DrfSorter(ctx);
  }

  newAgent(id: string): AgentState {
    const agent = new AgentState(this.nextAgentIdx++, id);
    this.agents.set(id, agent);
    return agent;
  }

  // ───────────────────────── clients (framework × role) ─────────────────────────

  ensureClient(fw: FrameworkState, rolePath: string): Client {
    const existing = fw.clients.get(rolePath);
    if (existing !== undefined) return existing;
    const role = this.roles.getOrCreate(rolePath);
    if (role.sorter === undefined) {
      role.sorter = this.newSorter(this.options.frameworkSorter, false);
      this.roleSorter.add(role.id, role.path);
      this.roleSorter.activate(role.id);
    }
    const id = this.freeClientIds.pop() ?? this.clients.length;
    const client = new Client(id, fw, role);
    this.refreshClient(client);
    this.clients[id] = client;
    fw.clients.set(rolePath, client);
    role.clients.add(client);
    role.sorter.add(id, fw.id);
    role.fwSetGen++;
    this.syncClient(client);
    return client;
  }

  /** Re-derives what a client takes from its framework's spec. */
  refreshClient(client: Client): void {
    if (client.minAlloc !== undefined) client.role.overrides--;
    client.minAlloc = client.framework.minAllocatable.get(client.role.path);
    if (client.minAlloc !== undefined) client.role.overrides++;
    client.evalClass = evalClass(client.framework, client);
    client.role.fwSetGen++;
  }

  /** Active in the role's sorter iff the framework is active, subscribed and not suppressed. */
  syncClient(client: Client): void {
    const fw = client.framework;
    const path = client.role.path;
    const want = fw.active && fw.roles.has(path) && !fw.suppressed.has(path);
    const sorter = client.role.sorter!;
    if (want !== sorter.isActive(client.id)) {
      if (want) sorter.activate(client.id);
      else sorter.deactivate(client.id);
      client.role.fwSetGen++;
    }
  }

  /** Drops a client that is neither subscribed nor holding resources. */
  tryRemoveClient(client: Client): boolean {
    const fw = client.framework;
    const role = client.role;
    if (client.agents.size > 0 || (fw.roles.has(role.path) && this.frameworks.get(fw.id) === fw)) return false;
    this.filters.removeClient(client);
    role.sorter!.remove(client.id);
    role.clients.delete(client);
    if (client.minAlloc !== undefined) role.overrides--;
    fw.clients.delete(role.path);
    this.clients[client.id] = undefined;
    this.freeClientIds.push(client.id);
    role.fwSetGen++;
    if (role.clients.size === 0) {
      this.roleSorter.remove(role.id);
      role.sorter = undefined;
      this.roles.tryRemove(role);
    }
    return true;
  }

  // ───────────────────────── allocation accounting ─────────────────────────

  /**
   * Records `resources` as offered/allocated to `client` on `agent`. Stored without allocation
   * info: the client *is* a (framework, role) pair, so the role is implied, and the cycle never
   * has to build allocated copies (the master gets them from `holding` or an offer). With `take`
   * the resources also leave the agent's available resources.
   */
  addAllocation(client: Client, agent: AgentState, resources: Resources, take: boolean): void {
    if (resources.isEmpty()) return;
    const prev = agent.allocated.get(client);
    agent.allocated.set(client, prev === undefined ? resources : prev.plus(resources));
    client.agents.add(agent);
    const q = resources.quantities();
    const role = client.role;
    this.roleSorter.allocated(role.id, q);
    role.sorter!.allocated(client.id, q);
    this.roles.trackOffered(role, resources, 1);
    if (take) this.setAvailable(agent, agent.available.minus(resources.nonShared()));
  }

  /** The reverse of `addAllocation`; the caller has checked the client holds `resources` there. */
  removeAllocation(client: Client, agent: AgentState, resources: Resources, returnToAvailable: boolean): void {
    if (resources.isEmpty()) return;
    const prev = agent.allocated.get(client) ?? Resources.EMPTY;
    const rest = prev.minus(resources);
    if (rest.isEmpty()) {
      agent.allocated.delete(client);
      client.agents.delete(agent);
    } else {
      agent.allocated.set(client, rest);
    }
    const q = resources.quantities();
    const role = client.role;
    this.roleSorter.unallocated(role.id, q);
    role.sorter!.unallocated(client.id, q);
    this.roles.trackOffered(role, resources, -1);
    if (returnToAvailable) this.setAvailable(agent, agent.available.plus(resources.nonShared()));
  }

  /** What `client` holds on `agent`, with its allocation info (as the master knows it). */
  holding(client: Client, agent: AgentState): Resources {
    return agent.allocated.get(client)?.allocate(client.role.path) ?? Resources.EMPTY;
  }

  // ───────────────────────── agent resources ─────────────────────────

  setAvailable(agent: AgentState, available: Resources): void {
    const old = agent.freeVec;
    const next: QVec = [];
    for (const e of available.entries) {
      if (!e.id.isScalar || e.id.reservationRole !== undefined || e.id.revocable) continue;
      const i = e.id.nameId;
      while (next.length <= i) next.push(0);
      next[i] = next[i]! + e.scalar;
    }
    const free = this.free;
    const n = Math.max(old.length, next.length);
    while (free.length < n) free.push(0);
    for (let i = 0; i < n; i++) free[i] = free[i]! + (next[i] ?? 0) - (old[i] ?? 0);
    agent.freeVec = next;
    agent.available = available;
    agent.availGen++;
  }

  /** available = total − everything offered or allocated (shared resources always stay). */
  recomputeAvailable(agent: AgentState): void {
    let used = Resources.EMPTY;
    for (const r of agent.allocated.values()) used = used.plus(r.nonShared());
    for (const r of agent.pending.values()) used = used.plus(r.unallocate().nonShared());
    const total = agent.total;
    const available = total.has(Flag.SHARED) ? total.nonShared().minus(used).plus(total.shared()) : total.minus(used);
    this.setAvailable(agent, available);
  }

  /** Replaces an agent's total, keeping cluster totals and reservation accounting in step. */
  setTotal(agent: AgentState, total: Resources): void {
    this.roles.trackReservations(agent.total, -1);
    this.totals.subtract(agent.total.quantities());
    agent.total = total;
    agent.hasGpu = total.scalar('gpus') > 0;
    for (const e of total.entries) if (!e.id.isScalar) this.nonScalarNames.add(e.id.nameId);
    this.roles.trackReservations(total, 1);
    this.totals.add(total.quantities());
    this.recomputeAvailable(agent);
  }

  // ───────────────────────── lookups ─────────────────────────

  roleOf(path: string): RoleState | undefined {
    return this.roles.get(path);
  }
}
