/**
 * Health checks and general checks of tasks, run by the executors (as Mesos's built-in executors
 * run them). Pure scheduling and judging (`CheckLoop`, `HealthJudge`, `CheckReporter`, on an
 * injected Clock) apart from the probes that do the I/O (COMMAND, HTTP, TCP).
 */
export { startTaskChecks, type TaskChecks, type TaskChecksOptions } from './task-checks.ts';
export { freshCheckStatus, healthUpdate, checkUpdate } from './status-updates.ts';
export { HealthChecker, type HealthCheckerOptions } from './health-checker.ts';
export { Checker, type CheckerOptions } from './checker.ts';
export { HealthJudge, healthVerdict, type HealthEvent, type HealthJudgeOptions } from './health-judge.ts';
export { CheckReporter, sameCheckStatus } from './check-reporter.ts';
export { CheckLoop, type CheckLoopOptions } from './loop.ts';
export {
  checkDefinition, healthDefinition, emptyCheckStatus,
  type CheckDefinition, type HealthDefinition, type CheckTarget,
} from './definition.ts';
export type { Probe, ProbeOutcome } from './probe.ts';
export { probeFor } from './probes/probe-for.ts';
export { commandProbe, type CommandContext } from './probes/command.ts';
export { httpProbe } from './probes/http.ts';
export { tcpProbe } from './probes/tcp.ts';
