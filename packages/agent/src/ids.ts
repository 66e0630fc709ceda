/** Identifiers the agent generates: container IDs and status-update uuids (16 random bytes). */
import { randomBytes, randomUUID } from 'node:crypto';

export interface IdSource {
  /** A new ContainerID value. */
  containerId(): string;
  /** 16 random bytes as base64, for TaskStatus.uuid. */
  uuid(): string;
}

export const randomIds: IdSource = {
  containerId: () => randomUUID(),
  uuid: () => randomBytes(16).toString('base64'),
};

/** Deterministic IDs for tests: `c-1`, `c-2`…, and uuids counting up from 1. */
export function sequentialIds(prefix = 'c'): IdSource {
  let c = 0;
  let u = 0;
  return {
    containerId: () => `${prefix}-${++c}`,
    uuid: () => {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(++u, 12);
      return b.toString('base64');
    },
  };
}
