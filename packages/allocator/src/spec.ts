/**
 * Converting and checking the master's inputs: FrameworkInfo / AgentInfo → specs, and the
 * validation every API entry applies before touching state.
 */
import {
  err, frameworkRoles, ok, type AgentCapability, type AgentInfo, type FrameworkInfo, type Result,
} from '@agora/protocol';
import { ResourceQuantities, roleProblem, type Resources } from '@agora/resources';
import type { AgentSpec, FrameworkSpec, ResourcesById } from './types.ts';

/** The allocator's view of a FrameworkInfo: roles, capabilities, per-role min-allocatable overrides. */
export function frameworkSpecFromInfo(info: FrameworkInfo): Result<FrameworkSpec, string> {
  const capabilities = (info.capabilities ?? []).flatMap((c) => (c.type === undefined || c.type === 'UNKNOWN' ? [] : [c.type]));
  const min: Record<string, ResourceQuantities[]> = {};
  for (const [role, filters] of Object.entries(info.offer_filters ?? {})) {
    const alternatives = filters.min_allocatable_resources?.quantities;
    if (filters.min_allocatable_resources === undefined) continue;
    const list: ResourceQuantities[] = [];
    for (const alt of alternatives ?? []) {
      const record: Record<string, number> = {};
      for (const [name, v] of Object.entries(alt.quantities ?? {})) record[name] = v.value;
      const q = ResourceQuantities.from(record);
      if (!q.ok) return err(`offer_filters[${role}]: ${q.error}`);
      list.push(q.value);
    }
    min[role] = list;
  }
  return ok({ roles: frameworkRoles(info), capabilities, minAllocatableResources: min });
}

export function agentSpecFromInfo(info: AgentInfo, capabilities: readonly AgentCapability[] = []): AgentSpec {
  const spec: { -readonly [K in keyof AgentSpec]: AgentSpec[K] } = {
    hostname: info.hostname,
    capabilities: capabilities.flatMap((c) => (c.type === undefined || c.type === 'UNKNOWN' ? [] : [c.type])),
  };
  if (info.domain !== undefined) spec.domain = info.domain;
  if (info.attributes !== undefined) spec.attributes = info.attributes;
  return spec;
}

export function checkFrameworkSpec(spec: FrameworkSpec): Result<void, string> {
  const seen = new Set<string>();
  for (const role of spec.roles) {
    const problem = roleProblem(role);
    if (problem !== undefined) return err(problem);
    if (seen.has(role)) return err(`role '${role}' is listed twice`);
    seen.add(role);
  }
  for (const [role, list] of Object.entries(spec.minAllocatableResources ?? {})) {
    if (roleProblem(role) !== undefined) return err(`min-allocatable override for invalid role '${role}'`);
    if (!Array.isArray(list)) return err(`min-allocatable override for '${role}' must be a list`);
  }
  return ok(undefined);
}

export function entriesOf(byId: ResourcesById | undefined): [string, Resources][] {
  if (byId === undefined) return [];
  return byId instanceof Map ? [...byId.entries()] : Object.entries(byId as Record<string, Resources>);
}
