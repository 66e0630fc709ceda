/**
 * `task.updates`: the status update stream of one task, one JSON record per line (Mesos writes
 * length-prefixed StatusUpdateRecord protobufs; the content is the same):
 *
 *   {"type":"UPDATE","update":<internal.StatusUpdate>}    an update the agent accepted
 *   {"type":"ACK","uuid":"<base64>"}                      the framework acknowledged it
 *
 * Replaying the records rebuilds the stream: every uuid received, every uuid acknowledged, and the
 * updates still waiting in order. A last line without its newline is what a crash mid-append
 * leaves: it is ignored (`partialTail`), as Mesos ignores a partial last record. Any other
 * undecodable line makes the file corrupt.
 */
import { decode, err, formatDecodeError, internal, isTerminalState, ok, parseJson, type Result } from '@agora/protocol';
import { uuidKey } from '../status-updates/manager.ts';

export type UpdateRecord = { type: 'UPDATE'; update: internal.StatusUpdate } | { type: 'ACK'; uuid: string };

export const updateRecord = (update: internal.StatusUpdate): string => JSON.stringify({ type: 'UPDATE', update });
export const ackRecord = (uuid: string): string => JSON.stringify({ type: 'ACK', uuid });

export interface ReplayedStream {
  /** Every update recorded, in order. */
  updates: internal.StatusUpdate[];
  /** Canonical keys (uuidKey) of the acknowledged updates. */
  acknowledged: Set<string>;
  /** Updates not yet acknowledged, in order: what the status update manager must still deliver. */
  pending: internal.StatusUpdate[];
  /** A terminal update has been acknowledged: the task is complete. */
  completed: boolean;
  /** The file ended in a partial record (ignored). */
  partialTail: boolean;
}

function parseRecord(line: string): Result<UpdateRecord, string> {
  const json = parseJson(line);
  if (!json.ok) return err(`not JSON: ${json.error.message}`);
  const v = json.value as { type?: unknown; update?: unknown; uuid?: unknown };
  if (v === null || typeof v !== 'object') return err('not a record');
  if (v.type === 'ACK') {
    if (typeof v.uuid !== 'string' || uuidKey(v.uuid) === undefined) return err('ACK record without a valid uuid');
    return ok({ type: 'ACK', uuid: v.uuid });
  }
  if (v.type === 'UPDATE') {
    const u = decode(internal.StatusUpdate, v.update);
    if (!u.ok) return err(`UPDATE record: ${formatDecodeError(u.error)}`);
    const uuid = u.value.uuid ?? u.value.status.uuid;
    if (uuid === undefined || uuidKey(uuid) === undefined) return err('UPDATE record without a valid uuid');
    return ok({ type: 'UPDATE', update: u.value });
  }
  return err(`unknown record type ${JSON.stringify(v.type)}`);
}

export function replayUpdates(text: string): Result<ReplayedStream, string> {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const updates: internal.StatusUpdate[] = [];
  const acknowledged = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const r = parseRecord(line);
    if (!r.ok) return err(`record ${i + 1}: ${r.error}`);
    if (r.value.type === 'UPDATE') {
      updates.push(r.value.update);
    } else {
      const key = uuidKey(r.value.uuid)!;
      if (!updates.some((u) => uuidKey((u.uuid ?? u.status.uuid)!) === key)) return err(`record ${i + 1}: ACK of an update that was never recorded`);
      acknowledged.add(key);
    }
  }
  const pending = updates.filter((u) => !acknowledged.has(uuidKey((u.uuid ?? u.status.uuid)!)!));
  const completed = updates.some((u) => isTerminalState(u.status.state) && acknowledged.has(uuidKey((u.uuid ?? u.status.uuid)!)!)) && pending.length === 0;
  return ok({ updates, acknowledged, pending, completed, partialTail: tail.trim() !== '' });
}
