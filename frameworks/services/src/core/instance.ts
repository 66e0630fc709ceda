/**
 * An instance: one task of an app, as the framework tracks it. The shell owns the live set; the
 * core reads it. An instance is written to the store (intent, state `TASK_STAGING` with no
 * update seen yet) before its LAUNCH is sent, so a restarted framework knows every task it may
 * have started. Terminal instances are expunged by the shell, after counting them for backoff.
 */
import type { TaskState } from '@agora/protocol';

export interface Instance {
  /** Task id (`<app id with / → _>.<uuid>`); also the instance id. */
  readonly id: string;
  readonly appId: string;
  /** The app version it was launched with, and that version's `lastConfigChangeAt`. */
  readonly version: string;
  readonly configVersion: string;
  readonly agentId: string;
  readonly host: string;
  /** The agent's IP from the offer (`url.address.ip`), where readiness checks connect. */
  readonly ip?: string;
  /** Constraint field values of its agent (`hostname`, `@region`, `@zone`, attributes). */
  readonly fields: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly state: TaskState;
  /** From status updates; undefined until the agent's health check reported. */
  readonly healthy?: boolean;
  /** Readiness (framework-run checks); undefined = not yet known. */
  readonly ready?: boolean;
  readonly stagedAt: number;
  readonly startedAt?: number;
  /** When the framework asked for it to be killed (it stays counted until terminal). */
  readonly killRequestedAt?: number;
  readonly unreachableSince?: number;
  readonly message?: string;
}

const TERMINAL: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
]);

export function isTerminal(state: TaskState): boolean {
  return TERMINAL.has(state);
}

/** Terminal states that count as a failure for backoff (a kill we asked for does not). */
export function countsForBackoff(state: TaskState): boolean {
  return isTerminal(state) && state !== 'TASK_KILLED' && state !== 'TASK_GONE_BY_OPERATOR';
}

export interface AppChecks {
  readonly healthChecks: boolean;
  readonly readinessChecks: boolean;
}

/** Running, and healthy and ready where the app has such checks. */
export function isHealthy(i: Instance, checks: AppChecks): boolean {
  if (i.state !== 'TASK_RUNNING' || i.killRequestedAt !== undefined) return false;
  if (checks.healthChecks && i.healthy !== true) return false;
  if (checks.readinessChecks && i.ready !== true) return false;
  return true;
}

/** Marathon's instance condition for `instance_changed_event` and the UI. */
export function conditionOf(state: TaskState): string {
  const s = state.replace(/^TASK_/, '').toLowerCase();
  if (s === 'gone_by_operator') return 'Gone';
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Instance id for a new instance of `appId`; `uuid` comes from the shell (the core has no RNG). */
export function newInstanceId(appId: string, uuid: string): string {
  return `${appId.split('/').filter(Boolean).join('_')}.${uuid}`;
}

/** The app id of an instance id (everything before the last `.<uuid>`), with `_` back to `/`. */
export function appIdOfInstance(id: string): string {
  const dot = id.lastIndexOf('.');
  return '/' + (dot < 0 ? id : id.slice(0, dot)).split('_').join('/');
}
