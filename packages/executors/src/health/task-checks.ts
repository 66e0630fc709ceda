/**
 * Checking one task: the API an executor uses. `startTaskChecks` starts a health checker when the
 * task has a `health_check` and a checker when it has a `check` (each with its own loop), and
 * `stop()` ends both — call it when the task is being killed or has ended; no callback runs after
 * it. A definition that cannot be run is logged and skipped (the task still runs, as in Mesos; the
 * master rejects such tasks at launch anyway).
 *
 *   const checks = startTaskChecks({ task, clock, command: { env, cwd: sandbox, switchTo, outputPath },
 *     onHealth: (e) => …,   // send healthUpdate(last, e.healthy); kill the task if e.killTask
 *     onCheck: (s) => … });  // send checkUpdate(last, s)
 *   …
 *   checks.stop();
 */
import type { CheckStatusInfo, TaskInfo } from '@agora/protocol';
import type { Clock } from '@agora/runtime';
import { Checker } from './checker.ts';
import { checkDefinition, healthDefinition, type CheckTarget } from './definition.ts';
import { HealthChecker } from './health-checker.ts';
import type { HealthEvent } from './health-judge.ts';
import type { Probe } from './probe.ts';
import type { CommandContext } from './probes/command.ts';
import { probeFor } from './probes/probe-for.ts';

export interface TaskChecksOptions {
  readonly task: TaskInfo;
  readonly clock: Clock;
  /** How COMMAND checks run: the task's environment, sandbox and user. */
  readonly command: CommandContext;
  readonly onHealth: (event: HealthEvent) => void;
  readonly onCheck: (status: CheckStatusInfo) => void;
  readonly log?: (line: string) => void;
  /** Replaces the real probes (tests). */
  readonly probeFor?: (target: CheckTarget) => Probe;
}

export interface TaskChecks {
  readonly health: HealthChecker | undefined;
  readonly check: Checker | undefined;
  /** Stops both; idempotent. */
  stop(): void;
}

export function startTaskChecks(opts: TaskChecksOptions): TaskChecks {
  const { task, clock } = opts;
  const log = opts.log ?? (() => undefined);
  const probe = (target: CheckTarget): Probe => (opts.probeFor ?? ((t) => probeFor(t, opts.command)))(target);
  const id = task.task_id.value;

  let health: HealthChecker | undefined;
  if (task.health_check !== undefined) {
    const d = healthDefinition(task.health_check);
    if (!d.ok) log(`Not health checking task ${id}: ${d.error}`);
    else health = new HealthChecker({ definition: d.value, clock, probe: probe(d.value.target), onEvent: opts.onHealth }).start();
  }
  let check: Checker | undefined;
  if (task.check !== undefined) {
    const d = checkDefinition(task.check);
    if (!d.ok) log(`Not checking task ${id}: ${d.error}`);
    else check = new Checker({ definition: d.value, clock, probe: probe(d.value.target), onStatus: opts.onCheck }).start();
  }
  return {
    health,
    check,
    stop() {
      health?.stop();
      check?.stop();
    },
  };
}
