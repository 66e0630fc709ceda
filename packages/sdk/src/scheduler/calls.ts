/**
 * Builders for scheduler calls (pure). Each returns the call without `framework_id`, which the
 * driver adds. The sub-message key is the type in lower case, as on the wire.
 */
import {
  encodeBase64, type scheduler, type ExecutorInfo, type FrameworkInfo, type KillPolicy, type Offer, type OfferOperation,
  type OperationStatus, type ResourceRequest, type TaskInfo, type TaskStatus,
} from '@agora/protocol';
import { toId, type IdLike } from './ids.ts';

export type CallBody = Omit<scheduler.Call, 'framework_id'>;

/** Offer filters; `refuse_seconds` defaults to Mesos's 5. */
export interface FiltersInput {
  refuse_seconds?: number;
}

const filtersOf = (f: FiltersInput | undefined) => (f === undefined ? undefined : { refuse_seconds: f.refuse_seconds ?? 5 });
const offerIdOf = (o: Offer | IdLike) => (typeof o === 'object' && 'id' in o ? toId(o.id) : toId(o));

export function acceptCall(offers: readonly (Offer | IdLike)[], operations: readonly OfferOperation[], filters?: FiltersInput): CallBody {
  const f = filtersOf(filters);
  return {
    type: 'ACCEPT',
    accept: { offer_ids: offers.map(offerIdOf), operations: [...operations], ...(f ? { filters: f } : {}) },
  };
}

export function declineCall(offers: readonly (Offer | IdLike)[], filters?: FiltersInput): CallBody {
  const f = filtersOf(filters);
  return { type: 'DECLINE', decline: { offer_ids: offers.map(offerIdOf), ...(f ? { filters: f } : {}) } };
}

export const launchOperation = (tasks: readonly TaskInfo[]): OfferOperation => ({ type: 'LAUNCH', launch: { task_infos: [...tasks] } });

/** LAUNCH_GROUP needs `executor.type` (DEFAULT unless given) and the framework ID on the executor. */
export function launchGroupOperation(executor: ExecutorInfo, tasks: readonly TaskInfo[]): OfferOperation {
  return { type: 'LAUNCH_GROUP', launch_group: { executor: { type: 'DEFAULT', ...executor }, task_group: { tasks: [...tasks] } } };
}

export function killCall(taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): CallBody {
  return {
    type: 'KILL',
    kill: { task_id: toId(taskId), ...(agentId !== undefined ? { agent_id: toId(agentId) } : {}), ...(killPolicy ? { kill_policy: killPolicy } : {}) },
  };
}

/** undefined when the update needs no acknowledgement (no `uuid`: master-generated). */
export function acknowledgeCall(status: TaskStatus): CallBody | undefined {
  if (status.uuid === undefined || status.agent_id === undefined) return undefined;
  return { type: 'ACKNOWLEDGE', acknowledge: { agent_id: toId(status.agent_id), task_id: toId(status.task_id), uuid: status.uuid } };
}

export function acknowledgeOperationCall(status: OperationStatus): CallBody | undefined {
  if (status.uuid === undefined || status.operation_id === undefined) return undefined;
  return {
    type: 'ACKNOWLEDGE_OPERATION_STATUS',
    acknowledge_operation_status: {
      uuid: status.uuid.value,
      operation_id: toId(status.operation_id),
      ...(status.agent_id ? { agent_id: toId(status.agent_id) } : {}),
      ...(status.resource_provider_id ? { resource_provider_id: toId(status.resource_provider_id) } : {}),
    },
  };
}

export interface ReconcileTaskInput {
  taskId: IdLike;
  agentId?: IdLike;
}

/** No tasks: implicit reconciliation (the latest state of every task the master knows). */
export function reconcileCall(tasks: readonly ReconcileTaskInput[] = []): CallBody {
  const list = tasks.map((t) => ({ task_id: toId(t.taskId), ...(t.agentId !== undefined ? { agent_id: toId(t.agentId) } : {}) }));
  return { type: 'RECONCILE', reconcile: list.length > 0 ? { tasks: list } : {} };
}

export const reviveCall = (roles: readonly string[] = []): CallBody => ({ type: 'REVIVE', revive: roles.length > 0 ? { roles: [...roles] } : {} });
export const suppressCall = (roles: readonly string[] = []): CallBody => ({ type: 'SUPPRESS', suppress: roles.length > 0 ? { roles: [...roles] } : {} });

export function messageCall(agentId: IdLike, executorId: IdLike, data: Uint8Array | string): CallBody {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { type: 'MESSAGE', message: { agent_id: toId(agentId), executor_id: toId(executorId), data: encodeBase64(bytes) } };
}

export const shutdownCall = (executorId: IdLike, agentId: IdLike): CallBody => ({
  type: 'SHUTDOWN',
  shutdown: { executor_id: toId(executorId), agent_id: toId(agentId) },
});

export const teardownCall = (): CallBody => ({ type: 'TEARDOWN' });

export interface UpdateFrameworkOptions {
  suppressedRoles?: readonly string[];
  offerConstraints?: scheduler.OfferConstraints;
}

export function updateFrameworkCall(info: FrameworkInfo, opts: UpdateFrameworkOptions = {}): CallBody {
  return {
    type: 'UPDATE_FRAMEWORK',
    update_framework: {
      framework_info: info,
      ...(opts.suppressedRoles && opts.suppressedRoles.length > 0 ? { suppressed_roles: [...opts.suppressedRoles] } : {}),
      ...(opts.offerConstraints ? { offer_constraints: opts.offerConstraints } : {}),
    },
  };
}

export const requestCall = (requests: readonly ResourceRequest[]): CallBody => ({ type: 'REQUEST', request: { requests: [...requests] } });

export function acceptInverseOffersCall(ids: readonly IdLike[], filters?: FiltersInput): CallBody {
  const f = filtersOf(filters);
  return { type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: ids.map(toId), ...(f ? { filters: f } : {}) } };
}

export function declineInverseOffersCall(ids: readonly IdLike[], filters?: FiltersInput): CallBody {
  const f = filtersOf(filters);
  return { type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: ids.map(toId), ...(f ? { filters: f } : {}) } };
}

export function subscribeCall(info: FrameworkInfo, opts: UpdateFrameworkOptions = {}): CallBody {
  return {
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info: info,
      ...(opts.suppressedRoles && opts.suppressedRoles.length > 0 ? { suppressed_roles: [...opts.suppressedRoles] } : {}),
      ...(opts.offerConstraints ? { offer_constraints: opts.offerConstraints } : {}),
    },
  };
}

