/**
 * The master's validated configuration: flags compiled once into what the master uses.
 */
import { err, ok, type Result } from '@agora/protocol';
import { isValidRole, type ResourceQuantities } from '@agora/resources';
import type { MasterOptions } from './flags.ts';

export interface MasterConfig {
  allocationIntervalMs: number;
  offerTimeoutMs: number | undefined;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  heartbeatIntervalMs: number;
  /** undefined: any valid role may be used. */
  rolesWhitelist: ReadonlySet<string> | undefined;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  maxUnreachableTasksPerFramework: number;
  maxOperatorSubscribers: number;
  /** Bytes a subscriber may fall behind before it is disconnected. */
  maxStreamBufferBytes: number;
  cluster: string | undefined;
  minAllocatable: readonly ResourceQuantities[];
}

export function compileConfig(o: MasterOptions, minAllocatable: readonly ResourceQuantities[]): Result<MasterConfig, string> {
  for (const r of o.roles) if (!isValidRole(r)) return err(`--roles: '${r}' is not a valid role name`);
  return ok({
    allocationIntervalMs: o.allocationInterval,
    offerTimeoutMs: o.offerTimeout,
    agentPingTimeoutMs: o.agentPingTimeout,
    maxAgentPingTimeouts: o.maxAgentPingTimeouts,
    heartbeatIntervalMs: o.heartbeatInterval,
    rolesWhitelist: o.roles.length > 0 ? new Set(o.roles) : undefined,
    maxCompletedFrameworks: o.maxCompletedFrameworks,
    maxCompletedTasksPerFramework: o.maxCompletedTasksPerFramework,
    maxUnreachableTasksPerFramework: o.maxUnreachableTasksPerFramework,
    maxOperatorSubscribers: o.maxOperatorEventStreamSubscribers,
    maxStreamBufferBytes: o.maxEventStreamBuffer * 1024 * 1024,
    cluster: o.cluster,
    minAllocatable,
  });
}

/** A config for in-process tests: Mesos defaults, overridable. */
export function testConfig(overrides: Partial<MasterConfig> = {}): MasterConfig {
  return {
    allocationIntervalMs: 1000,
    offerTimeoutMs: undefined,
    agentPingTimeoutMs: 15_000,
    maxAgentPingTimeouts: 5,
    heartbeatIntervalMs: 5_000,
    rolesWhitelist: undefined,
    maxCompletedFrameworks: 50,
    maxCompletedTasksPerFramework: 1000,
    maxUnreachableTasksPerFramework: 1000,
    maxOperatorSubscribers: 1000,
    maxStreamBufferBytes: 256 * 1024 * 1024,
    cluster: undefined,
    minAllocatable: [],
    ...overrides,
  };
}
