/**
 * The agent's total resources as Mesos's agent reports them: the configured resources (flags and
 * detection) with the checkpointed ones the master gave it (dynamic reservations, persistent
 * volumes) carved out of them. A reservation takes its plain amount out of the unreserved pool; a
 * volume takes the plain disk it was made of. Pure: the master does the same arithmetic when the
 * agent registers with its checkpointed resources, so both report one total.
 */
import type { Resource } from '@agora/protocol';
import { Resources } from '@agora/resources';

/** What a checkpointed resource was made of: the same amount without reservation, volume or sharing. */
function plain(r: Resource): Resource {
  const { disk, shared: _shared, reservations: _stack, reservation: _old, role: _role, allocation_info: _alloc, ...rest } = r;
  return disk?.source ? { ...rest, disk: { source: disk.source } } : rest;
}

/**
 * `configured` with `checkpointed` applied. Checkpointed resources that do not parse, or that the
 * configured resources cannot hold (the agent was restarted with less), are added on top rather
 * than carved, as the master does: the total then shows more than the flags say, never less.
 */
export function totalWithCheckpointed(configured: Resources, checkpointed: readonly Resource[]): Resources {
  if (checkpointed.length === 0) return configured;
  const extra = Resources.fromProto(checkpointed);
  const made = Resources.fromProto(checkpointed.map(plain));
  if (!extra.ok || !made.ok) return configured;
  const source = made.value.toUnreserved();
  const carved = configured.contains(source) ? configured.minus(source) : configured;
  return carved.plus(extra.value);
}
