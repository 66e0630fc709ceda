/**
 * Agent lifecycle operations behind `Allocator` (add, update, remove).
 */
import { err, ok, type Result } from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { AgentState } from './model.ts';
import { entriesOf } from './spec.ts';
import type { AllocatorState } from './state.ts';
import type { AddAgentOptions, AgentSpec } from './types.ts';

export function addAgent(s: AllocatorState, agentId: string, spec: AgentSpec, total: Resources, options: AddAgentOptions = {}): Result<void, string> {
  if (s.agents.has(agentId)) return err(`agent ${agentId} is already added`);
  const agent = s.newAgent(agentId);
  applyAgentSpec(s, agent, spec);
  agent.activated = options.activated ?? true;
  agent.draining = options.draining ?? false;
  agent.unavailability = options.unavailability;
  for (const [frameworkId, r] of entriesOf(options.used)) {
    const fw = s.frameworks.get(frameworkId);
    if (fw === undefined) {
      agent.pending.set(frameworkId, (agent.pending.get(frameworkId) ?? Resources.EMPTY).plus(r));
      let agents = s.pendingAgents.get(frameworkId);
      if (agents === undefined) s.pendingAgents.set(frameworkId, (agents = new Set()));
      agents.add(agent);
      continue;
    }
    const groups = r.allocations();
    const bare = r.filter((e) => e.id.allocationRole === undefined);
    if (!bare.isEmpty() && fw.roles.size === 1) {
      const role = [...fw.roles][0]!;
      groups.set(role, (groups.get(role) ?? Resources.EMPTY).plus(bare.allocate(role)));
    }
    for (const [role, part] of groups) s.addAllocation(s.ensureClient(fw, role), agent, part.unallocate(), false);
  }
  s.setTotal(agent, total);
  return ok(undefined);
}

/**
 * Agent re-registration or update. Returns whether anything the allocation depends on changed
 * (the master then triggers an allocation for this agent). Changed attributes clear the filters
 * on the agent, since frameworks may have declined it because of them.
 */
export function updateAgent(s: AllocatorState, agentId: string, update: { spec?: AgentSpec; total?: Resources }): Result<boolean, string> {
  const agent = s.agents.get(agentId);
  if (agent === undefined) return err(`unknown agent ${agentId}`);
  let changed = false;
  if (update.spec !== undefined) {
    const before = JSON.stringify([agent.hostname, agent.domain ?? null, [...agent.capabilities].sort()]);
    const attrsBefore = JSON.stringify(agent.attributes);
    applyAgentSpec(s, agent, update.spec);
    if (JSON.stringify(agent.attributes) !== attrsBefore) {
      s.filters.removeAgent(agent);
      changed = true;
    }
    if (JSON.stringify([agent.hostname, agent.domain ?? null, [...agent.capabilities].sort()]) !== before) changed = true;
  }
  if (update.total !== undefined && !update.total.equals(agent.total)) {
    s.setTotal(agent, update.total);
    changed = true;
  }
  return ok(changed);
}

export function removeAgent(s: AllocatorState, agentId: string): Result<void, string> {
  const agent = s.agents.get(agentId);
  if (agent === undefined) return err(`unknown agent ${agentId}`);
  for (const [client, r] of [...agent.allocated]) {
    s.removeAllocation(client, agent, r, false);
    s.tryRemoveClient(client);
  }
  for (const frameworkId of agent.pending.keys()) s.pendingAgents.get(frameworkId)?.delete(agent);
  agent.pending.clear();
  s.setTotal(agent, Resources.EMPTY);
  s.filters.removeAgent(agent);
  for (const fw of s.frameworks.values()) fw.inverseFilters.delete(agent);
  s.agents.delete(agentId);
  return ok(undefined);
}

export function applyAgentSpec(s: AllocatorState, agent: AgentState, spec: AgentSpec): void {
  agent.hostname = spec.hostname ?? agent.id;
  agent.domain = spec.domain;
  agent.attributes = spec.attributes ?? [];
  agent.capabilities = new Set(spec.capabilities ?? []);
  agent.multiRole = agent.capabilities.has('MULTI_ROLE');
  agent.hierarchicalRole = agent.capabilities.has('HIERARCHICAL_ROLE');
  const region = spec.domain?.fault_domain?.region.name;
  agent.remote = region !== undefined && s.options.region !== undefined && region !== s.options.region;
}
