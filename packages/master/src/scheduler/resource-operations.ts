/**
 * RESERVE, UNRESERVE, CREATE and DESTROY inside an ACCEPT (Mesos `Master::_accept` and
 * validation.cpp `operation::validate`). The master applies them speculatively: what is left of
 * the offer is converted, the allocator's view (allocation and agent total) is converted, and the
 * agent receives its new checkpointed resources (dynamic reservations and persistent volumes),
 * which it keeps across restarts and reports when it re-registers.
 *
 * An invalid operation is dropped with a reason (Mesos drops it silently, or reports
 * OPERATION_ERROR when the operation has an ID; operation feedback is not implemented, so an
 * operation with an ID is refused).
 */
import { err, ok, type OfferOperation, type Result } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import type { Master } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { normalizeResources } from './launch-validation.ts';
import {
  checkpointed, createConversion, destroyConversion, reserveConversion, unreserveConversion, volumeInUse, type Conversion, type ParseResources,
} from './resource-conversions.ts';

export { checkpointed } from './resource-conversions.ts';

export function applyResourceOperation(
  m: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  op: OfferOperation,
  remaining: Resources,
): Result<Resources, string> {
  if (op.id) return err(`operation feedback ('Offer.Operation.id') is not supported for ${op.type}`);
  const parse: ParseResources = (list, what) => normalizeResources(list, role, what);
  let conv: Result<Conversion, string>;
  switch (op.type) {
    case 'RESERVE':
      conv = reserveConversion(op.reserve!.resources ?? [], 'RESERVE', parse, (last) => {
        if (last.role !== role) return `reservation role '${last.role}' does not match the offer's allocation role '${role}'`;
        if (!fw.roles.has(role)) return `role '${role}' is not one of the framework's roles`;
        if ((fw.info.principal ?? undefined) !== (last.principal ?? undefined)) {
          return `reservation principal '${last.principal ?? ''}' does not match the framework's principal '${fw.info.principal ?? ''}'`;
        }
        return undefined;
      });
      break;
    case 'UNRESERVE':
      conv = unreserveConversion(op.unreserve!.resources ?? [], 'UNRESERVE', parse);
      break;
    case 'CREATE':
      conv = createConversion(agent, op.create!.volumes ?? [], 'CREATE', parse);
      break;
    case 'DESTROY': {
      conv = destroyConversion(op.destroy!.volumes ?? [], 'DESTROY', parse);
      const busy = conv.ok ? volumeInUse(agent, conv.value.consumed, 'DESTROY') : undefined;
      if (busy) return err(busy);
      break;
    }
    default:
      return err(`${op.type} is not supported`);
  }
  if (!conv.ok) return conv;
  const { consumed, converted } = conv.value;
  if (!remaining.contains(consumed)) {
    return err(`${op.type}: the remaining offered resources ${remaining.toString()} do not contain ${consumed.toString()}`);
  }
  agent.total = agent.total.minus(consumed.unallocate()).plus(converted.unallocate());
  m.allocator.updateAllocation(fw.id, agent.id, remaining, [conv.value]);
  m.sendToAgent(agent, { type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: checkpointed(agent.total) } });
  return ok(remaining.minus(consumed).plus(converted));
}

