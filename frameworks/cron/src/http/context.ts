/** What the HTTP layer needs from the daemon: the engine, a way to change it, and who leads. */
import type { CronEngine } from '../plan/engine.ts';

export interface ApiContext {
  readonly engine: CronEngine;
  now(): number;
  /** Runs an engine change in the framework's serial queue (persisted before it resolves). */
  exec<T>(fn: () => T): Promise<T>;
  /** `host:port` of the leading cron daemon, if known. */
  leader(): string | undefined;
  /** Whether this daemon leads (standbys forward writes and reads to the leader). */
  isLeader(): boolean;
}

/** Longest error message sent: a message quoting a client's 10 MB value must not send it back. */
export const MAX_ERROR_MESSAGE = 1024;

export function clip(message: string): string {
  return message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 3)}...` : message;
}
