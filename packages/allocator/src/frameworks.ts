/**
 * Framework lifecycle operations behind `Allocator` (add, update, remove), including adopting
 * resources a framework already uses. They keep every structure of `AllocatorState` in step.
 */
import { err, ok, type Result } from '@agora/protocol';
import { Resources } from '@agora/resources';
import { capabilityBits, FrameworkState, stripClass, type AgentState } from './model.ts';
import { checkFrameworkSpec, entriesOf } from './spec.ts';
import type { AllocatorState } from './state.ts';
import type { AddFrameworkOptions, FrameworkSpec } from './types.ts';

export function addFramework(s: AllocatorState, frameworkId: string, spec: FrameworkSpec, options: AddFrameworkOptions = {}): Result<void, string> {
  if (s.frameworks.has(frameworkId)) return err(`framework ${frameworkId} is already added`);
  const checked = checkFrameworkSpec(spec);
  if (!checked.ok) return checked;
  const used = entriesOf(options.used);
  for (const [agentId, r] of used) {
    if (spec.roles.length !== 1 && r.entries.some((e) => e.id.allocationRole === undefined)) {
      return err(`used resources on agent ${agentId} carry no allocation role`);
    }
  }
  const fw = new FrameworkState(frameworkId);
  applySpec(fw, spec);
  fw.active = options.active ?? true;
  fw.suppressed = new Set((options.suppressedRoles ?? []).filter((r) => fw.roles.has(r)));
  s.frameworks.set(frameworkId, fw);
  for (const role of fw.roles) s.ensureClient(fw, role);
  // Resources agents reported for this framework before it was added.
  for (const agent of s.pendingAgents.get(frameworkId) ?? []) {
    const pending = agent.pending.get(frameworkId);
    if (pending === undefined) continue;
    agent.pending.delete(frameworkId);
    adopt(s, fw, agent, pending, false);
  }
  s.pendingAgents.delete(frameworkId);
  for (const [agentId, r] of used) {
    const agent = s.agents.get(agentId);
    if (agent === undefined || holdsAny(fw, agent)) continue;
    adopt(s, fw, agent, r, true);
  }
  return ok(undefined);
}

export function updateFramework(s: AllocatorState, frameworkId: string, spec: FrameworkSpec, options: { suppressedRoles?: readonly string[] } = {}): Result<void, string> {
  const fw = s.frameworks.get(frameworkId);
  if (fw === undefined) return err(`unknown framework ${frameworkId}`);
  const checked = checkFrameworkSpec(spec);
  if (!checked.ok) return checked;
  const oldRoles = fw.roles;
  const oldSuppressed = fw.suppressed;
  applySpec(fw, spec);
  const wanted = new Set((options.suppressedRoles ?? [...oldSuppressed]).filter((r) => fw.roles.has(r)));
  fw.suppressed = wanted;
  for (const role of fw.roles) s.ensureClient(fw, role);
  for (const client of [...fw.clients.values()]) {
    const path = client.role.path;
    s.refreshClient(client);
    const removed = oldRoles.has(path) && !fw.roles.has(path);
    const revived = oldSuppressed.has(path) && !wanted.has(path) && fw.roles.has(path);
    if (removed || revived) s.filters.removeClient(client);
    s.syncClient(client);
    if (removed) s.tryRemoveClient(client);
  }
  return ok(undefined);
}

export function removeFramework(s: AllocatorState, frameworkId: string): Result<void, string> {
  const fw = s.frameworks.get(frameworkId);
  if (fw === undefined) return err(`unknown framework ${frameworkId}`);
  s.frameworks.delete(frameworkId);
  for (const client of [...fw.clients.values()]) {
    for (const agent of [...client.agents]) s.removeAllocation(client, agent, agent.allocated.get(client)!, true);
    s.tryRemoveClient(client);
  }
  for (const agent of s.agents.values()) agent.outstandingInverse.delete(fw);
  return ok(undefined);
}

export function applySpec(fw: FrameworkState, spec: FrameworkSpec): void {
  fw.roles = new Set(spec.roles);
  fw.capabilities = new Set(spec.capabilities ?? []);
  fw.caps = capabilityBits(fw.capabilities);
  fw.strip = stripClass(fw.caps);
  fw.minAllocatable = new Map(Object.entries(spec.minAllocatableResources ?? {}));
}

function holdsAny(fw: FrameworkState, agent: AgentState): boolean {
  for (const c of fw.clients.values()) if (agent.allocated.has(c)) return true;
  return false;
}

/**
 * Tracks resources a framework already uses on an agent, split by allocation role (resources
 * without one go to the framework's single role). `take` removes them from `available`
 * (false when the agent already accounted for them).
 */
function adopt(s: AllocatorState, fw: FrameworkState, agent: AgentState, used: Resources, take: boolean): void {
  const groups = used.allocations();
  const bare = used.filter((e) => e.id.allocationRole === undefined);
  if (!bare.isEmpty() && fw.roles.size === 1) {
    const role = [...fw.roles][0]!;
    groups.set(role, (groups.get(role) ?? Resources.EMPTY).plus(bare.allocate(role)));
  }
  for (const [role, r] of groups) s.addAllocation(s.ensureClient(fw, role), agent, r.unallocate(), take);
  if (!take) s.recomputeAvailable(agent);
}
