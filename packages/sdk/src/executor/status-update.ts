/**
 * Building the TaskStatus of an executor's status update: the driver fills in what Mesos's
 * executor library fills in (a fresh uuid, the timestamp, `source: SOURCE_EXECUTOR` and the
 * executor's ID); the executor supplies the rest.
 */
import { randomUUID } from 'node:crypto';
import type { TaskStatus } from '@agora/protocol';

/** What an executor passes to `sendStatusUpdate`. */
export type StatusUpdateInput = Omit<TaskStatus, 'uuid' | 'source' | 'executor_id' | 'timestamp'> & {
  /** Seconds since the epoch; defaults to the driver clock's now. */
  timestamp?: number;
};

/** 16 random bytes (a version-4 UUID), base64 as TaskStatus.uuid travels in JSON. */
export function newStatusUuid(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64');
}

export function buildStatus(input: StatusUpdateInput, executorId: string, nowMs: number): TaskStatus {
  return {
    ...input,
    executor_id: { value: executorId },
    source: 'SOURCE_EXECUTOR',
    timestamp: input.timestamp ?? nowMs / 1000,
    uuid: newStatusUuid(),
  };
}
