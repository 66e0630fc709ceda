/**
 * The operator's resource operations on an agent (v1 RESERVE_RESOURCES, UNRESERVE_RESOURCES,
 * CREATE_VOLUMES, DESTROY_VOLUMES and the legacy `/master/reserve`, `/unreserve`,
 * `/create-volumes`, `/destroy-volumes`), as Mesos master/http.cpp `_operation`:
 *
 * - the operation is validated as inside an ACCEPT (scheduler/resource-conversions.ts), on
 *   unallocated resources: a bad one is a 400 naming the field; so is an unknown agent;
 * - the resources it consumes must be unallocated on the agent. Outstanding offers on the agent
 *   are rescinded, one at a time and only those holding some of them, until they are; when even
 *   all offers would not free enough (tasks use them) nothing is rescinded and the answer is a
 *   409 — a refused call changes nothing;
 * - on success the agent's total (the master's and the allocator's view) is converted, the agent
 *   gets CHECKPOINT_RESOURCES (it keeps them across restarts and reports them when it
 *   re-registers, as after an ACCEPT), an allocation is requested and the answer is 202.
 */
import { err, ok, type Resource, type Result } from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { Master } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import {
  checkpointed, createConversion, destroyConversion, reserveConversion, unreserveConversion, volumeInUse, type Conversion, type ParseResources,
} from '../scheduler/resource-conversions.ts';
import { agentAllocated } from './views.ts';

export type ResourceCall =
  | { type: 'RESERVE'; agentId: string; resources: readonly Resource[]; source?: readonly Resource[] }
  | { type: 'UNRESERVE'; agentId: string; resources: readonly Resource[] }
  | { type: 'CREATE'; agentId: string; volumes: readonly Resource[] }
  | { type: 'DESTROY'; agentId: string; volumes: readonly Resource[] };

export type ResourceCallError = { code: 400 | 409; message: string };

/** Operator resources are not allocated: `allocation_info` is refused. */
const parseUnallocated: ParseResources = (list, what) => {
  const i = list.findIndex((r) => r.allocation_info !== undefined);
  if (i >= 0) return err(`${what}[${i}]: 'allocation_info' must not be set on resources an operator names`);
  const parsed = Resources.fromProto(list);
  return parsed.ok ? parsed : err(`${what}: invalid resources: ${parsed.error}`);
};

/** The call's field names, for messages: `reserve_resources.resources` (v1) or `resources` (legacy form). */
export interface FieldNames { resources: string; volumes: string; source: string }
export const V1_FIELDS: Record<ResourceCall['type'], FieldNames> = {
  RESERVE: { resources: 'reserve_resources.resources', volumes: '', source: 'reserve_resources.source' },
  UNRESERVE: { resources: 'unreserve_resources.resources', volumes: '', source: '' },
  CREATE: { resources: '', volumes: 'create_volumes.volumes', source: '' },
  DESTROY: { resources: '', volumes: 'destroy_volumes.volumes', source: '' },
};

function conversionOf(agent: AgentRecord, call: ResourceCall, fields: FieldNames): Result<Conversion, string> {
  switch (call.type) {
    case 'RESERVE':
      return reserveConversion(call.resources, fields.resources, parseUnallocated, undefined, call.source);
    case 'UNRESERVE':
      return unreserveConversion(call.resources, fields.resources, parseUnallocated);
    case 'CREATE':
      return createConversion(agent, call.volumes, fields.volumes, parseUnallocated);
    case 'DESTROY':
      return destroyConversion(call.volumes, fields.volumes, parseUnallocated);
  }
}

/** What nobody holds on the agent: its total less what tasks, executors and offers hold. */
function unallocatedOn(m: Master, agent: AgentRecord): Resources {
  return agent.total.minus(agentAllocated(agent).unallocate()).minus(m.offeredOn(agent).unallocate());
}

export function applyOperatorResourceCall(m: Master, call: ResourceCall, fields: FieldNames): Result<void, ResourceCallError> {
  const agent = m.agents.get(call.agentId);
  if (!agent) return err({ code: 400, message: `No agent found with specified ID ${call.agentId}` });
  const conv = conversionOf(agent, call, fields);
  if (!conv.ok) return err({ code: 400, message: conv.error });
  const { consumed, converted } = conv.value;
  const what = call.type === 'CREATE' || call.type === 'DESTROY' ? fields.volumes : fields.resources;
  if (call.type === 'DESTROY') {
    const busy = volumeInUse(agent, consumed, what);
    if (busy) return err({ code: 409, message: busy });
  }
  if (!agent.connected) return err({ code: 409, message: `Agent ${agent.id} is disconnected; it cannot checkpoint ${call.type} now` });

  let available = unallocatedOn(m, agent);
  if (!available.contains(consumed)) {
    const offered = m.offeredOn(agent).unallocate();
    if (!available.plus(offered).contains(consumed)) {
      return err({ code: 409, message: `${what}: ${consumed.toString()} are not available on agent ${agent.id} (unallocated: ${available.toString()}); tasks use them` });
    }
    // Rescind the offers that hold some of what is needed, until enough is free.
    for (const id of [...agent.offers]) {
      const held = m.offers.get(id)?.resources.unallocate();
      if (held === undefined || consumed.minus(held).equals(consumed)) continue;
      m.rescindOffer(id, `operator ${call.type} on the agent`);
      available = unallocatedOn(m, agent);
      if (available.contains(consumed)) break;
    }
    if (!available.contains(consumed)) throw new Error(`rescinding the offers on ${agent.id} did not free ${consumed.toString()}`);
  }

  agent.total = agent.total.minus(consumed).plus(converted);
  m.allocator.updateAgentTotal(agent.id, agent.total);
  m.sendToAgent(agent, { type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: checkpointed(agent.total) } });
  m.log.info({ agent: agent.id, operation: call.type, consumed: consumed.toString(), converted: converted.toString() }, 'operator resource operation applied');
  m.requestAllocation([agent.id]);
  return ok(undefined);
}
