/**
 * Launch validation (Mesos master/validation.cpp `task::validate`, `task::group::validate`,
 * `executor::validate`): pure checks of a TaskInfo against the framework, the agent and what is
 * left of the accepted offers. A failure is an expected outcome — the task gets TASK_ERROR with
 * the message — so these return the message, never throw.
 */
import {
  idProblem, type CheckInfo, type CommandInfo, type Environment, type ExecutorInfo, type HealthCheck, type Resource, type TaskInfo,
} from '@agora/protocol';
import { Resources } from '@agora/resources';

export interface LaunchContext {
  frameworkId: string;
  agentId: string;
  /** The role of the accepted offers; task resources must be allocated to it. */
  role: string;
  /** Active tasks of the framework plus tasks accepted earlier in this call. */
  isDuplicateTaskId(taskId: string): boolean;
  /** The framework's running executor with this ID on this agent, if any. */
  existingExecutor(executorId: string): ExecutorInfo | undefined;
  /** What is left of the accepted offers. */
  remaining: Resources;
}

export type ValidatedTask = {
  /** Task resources, allocated to the offer's role. */
  resources: Resources;
  /** A custom executor being launched by this task (charged once), with its resources. */
  newExecutor?: { info: ExecutorInfo; resources: Resources };
};

/**
 * Validated resources by their wire form and role. Most tasks of a framework ask for the same
 * resources; sharing one immutable value saves both the validation and the memory of a copy per
 * task (100,000 tasks would otherwise hold 100,000 equal values).
 */
const shared = new Map<string, Resources>();
const SHARED_MAX = 10_000;

/** Injects the offer's allocation role into resources that lack it, then validates them. */
export function normalizeResources(list: readonly Resource[] | undefined, role: string, what: string): { ok: true; value: Resources } | { ok: false; error: string } {
  const key = `${role}\u0000${JSON.stringify(list ?? [])}`;
  const known = shared.get(key);
  if (known) return { ok: true, value: known };
  const r = validateResources(list, role, what);
  if (r.ok) {
    if (shared.size >= SHARED_MAX) shared.clear();
    shared.set(key, r.value);
  }
  return r;
}

function validateResources(list: readonly Resource[] | undefined, role: string, what: string): { ok: true; value: Resources } | { ok: false; error: string } {
  const withAlloc = (list ?? []).map((r) => (r.allocation_info?.role === undefined ? { ...r, allocation_info: { role } } : r));
  const parsed = Resources.fromProto(withAlloc);
  if (!parsed.ok) return { ok: false, error: `${what} uses invalid resources: ${parsed.error}` };
  for (const [allocRole] of parsed.value.allocations()) {
    if (allocRole !== role) return { ok: false, error: `${what} resources are allocated to role '${allocRole}', but the offer is for role '${role}'` };
  }
  return { ok: true, value: parsed.value };
}

function durationProblem(nanos: number | undefined, what: string): string | undefined {
  return nanos !== undefined && (!Number.isFinite(nanos) || nanos < 0) ? `${what} must be non-negative` : undefined;
}

// ───────────────────────────── health checks and checks ─────────────────────────────
// Mesos's common/validation.cpp `validateHealthCheck` / `validateCheckInfo` (the executor runs
// them; a task whose check cannot run is refused here rather than left unchecked), in its order
// and words: the type and its sub-message, the command and its environment, the HTTP scheme and
// path, then the durations. Agora also refuses ports outside 1–65535, which Mesos would truncate.

function environmentProblem(env: Environment | undefined): string | undefined {
  for (const v of env?.variables ?? []) {
    if (v.type === 'SECRET') {
      if (v.secret === undefined) return `Environment variable '${v.name}' of type 'SECRET' must have a secret set`;
      if (v.value !== undefined) return `Environment variable '${v.name}' of type 'SECRET' must not have a value set`;
    } else if (v.type === 'VALUE') {
      if (v.value === undefined) return `Environment variable '${v.name}' of type 'VALUE' must have a value set`;
      if (v.secret !== undefined) return `Environment variable '${v.name}' of type 'VALUE' must not have a secret set`;
    } else {
      return "Environment variable of type 'UNKNOWN' is not allowed";
    }
  }
  return undefined;
}

/** `what` is "health check" or "check"; `owner` is "Health check's" or "Check's". */
function commandProblem(command: CommandInfo, what: string, owner: string): string | undefined {
  if (command.value === undefined) {
    const kind = command.shell ? "'shell command'" : "'executable path'";
    return `Command ${what} must contain ${kind}`;
  }
  const env = environmentProblem(command.environment);
  return env === undefined ? undefined : `${owner} \`CommandInfo\` is invalid: ${env}`;
}

function portProblem(port: number, what: string): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `The port ${port} of ${what} must be between 1 and 65535`;
}

function pathProblem(path: string | undefined, what: string): string | undefined {
  return path === undefined || path.startsWith('/') ? undefined : `The path '${path}' of ${what} must start with '/'`;
}

function secondsProblem(fields: ReadonlyArray<readonly [string, number | undefined]>): string | undefined {
  for (const [name, v] of fields) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) return `Expecting '${name}' to be non-negative`;
  }
  return undefined;
}

export function healthCheckProblem(hc: HealthCheck | undefined): string | undefined {
  if (!hc) return undefined;
  const problem = (() => {
    switch (hc.type) {
      case undefined:
        return "HealthCheck must specify 'type'";
      case 'COMMAND':
        if (!hc.command) return "Expecting 'command' to be set for COMMAND health check";
        return commandProblem(hc.command, 'health check', "Health check's");
      case 'HTTP': {
        if (!hc.http) return "Expecting 'http' to be set for HTTP health check";
        const { scheme, path, port } = hc.http;
        if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return `Unsupported HTTP health check scheme: '${scheme}'`;
        return pathProblem(path, 'HTTP health check') ?? portProblem(port, 'HTTP health check');
      }
      case 'TCP':
        if (!hc.tcp) return "Expecting 'tcp' to be set for TCP health check";
        return portProblem(hc.tcp.port, 'TCP health check');
      default:
        return `'${hc.type}' is not a valid health check type`;
    }
  })();
  return problem ?? secondsProblem([
    ['delay_seconds', hc.delay_seconds],
    ['grace_period_seconds', hc.grace_period_seconds],
    ['interval_seconds', hc.interval_seconds],
    ['timeout_seconds', hc.timeout_seconds],
  ]);
}

export function checkProblem(check: CheckInfo | undefined): string | undefined {
  if (!check) return undefined;
  const problem = (() => {
    switch (check.type) {
      case undefined:
        return "CheckInfo must specify 'type'";
      case 'COMMAND':
        if (!check.command) return "Expecting 'command' to be set for COMMAND check";
        return commandProblem(check.command.command, 'check', "Check's");
      case 'HTTP':
        if (!check.http) return "Expecting 'http' to be set for HTTP check";
        return pathProblem(check.http.path, 'HTTP check') ?? portProblem(check.http.port, 'HTTP check');
      case 'TCP':
        if (!check.tcp) return "Expecting 'tcp' to be set for TCP check";
        return portProblem(check.tcp.port, 'TCP check');
      default:
        return `'${check.type}' is not a valid check type`;
    }
  })();
  return problem ?? secondsProblem([
    ['delay_seconds', check.delay_seconds],
    ['interval_seconds', check.interval_seconds],
    ['timeout_seconds', check.timeout_seconds],
  ]);
}

/** Stable JSON for comparing ExecutorInfos (Mesos requires an identical one for a running executor). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function executorProblem(e: ExecutorInfo, frameworkId: string, inGroup: boolean): string | undefined {
  const bad = idProblem(e.executor_id.value);
  if (bad) return `Executor ID '${e.executor_id.value}' is invalid: ${bad}`;
  if (e.framework_id !== undefined && e.framework_id.value !== frameworkId) {
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${e.framework_id.value} vs Expected: ${frameworkId})`;
  }
  const type = e.type ?? (e.command ? 'CUSTOM' : 'UNKNOWN');
  if (inGroup && type !== 'DEFAULT') return "'ExecutorInfo.type' must be 'DEFAULT' for a task group";
  if (type === 'CUSTOM' && !e.command) return "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
  if (type === 'DEFAULT' && e.command) return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
  if (type === 'UNKNOWN') return "Unknown or missing 'ExecutorInfo.type'";
  if (type === 'DEFAULT' && e.container?.mesos?.image) return "'ExecutorInfo.container' for a 'DEFAULT' executor must not have an image";
  return durationProblem(e.shutdown_grace_period?.nanoseconds, "'ExecutorInfo.shutdown_grace_period'");
}

/**
 * Validates one task of a LAUNCH (or, with `groupExecutor`, of a LAUNCH_GROUP, where the task
 * carries no executor of its own). On success returns the resources to charge.
 */
export function validateTask(
  task: TaskInfo,
  ctx: LaunchContext,
  groupExecutor?: ExecutorInfo,
): { ok: true; value: ValidatedTask } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  const tid = task.task_id.value;
  const badId = idProblem(tid);
  if (badId) return fail(`Task ID '${tid.length > 80 ? tid.slice(0, 80) + '…' : tid}' is invalid: ${badId}`);
  if (ctx.isDuplicateTaskId(tid)) return fail(`Task has duplicate ID: ${tid}`);
  if (task.agent_id.value !== ctx.agentId) {
    return fail(`Task uses agent ID ${task.agent_id.value} which does not match offer's agent ID ${ctx.agentId}`);
  }
  if (groupExecutor) {
    if (task.executor) return fail("'TaskInfo.executor' must not be set for a task in a task group");
  } else if ((task.command === undefined) === (task.executor === undefined)) {
    return fail('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
  }
  const killProblem = durationProblem(task.kill_policy?.grace_period?.nanoseconds, "'TaskInfo.kill_policy.grace_period'");
  if (killProblem) return fail(killProblem);
  const mct = durationProblem(task.max_completion_time?.nanoseconds, "'TaskInfo.max_completion_time'");
  if (mct) return fail(mct);
  const check = checkProblem(task.check);
  if (check) return fail(`Task uses invalid check: ${check}`);
  const hc = healthCheckProblem(task.health_check);
  if (hc) return fail(`Task uses invalid health check: ${hc}`);
  if (task.command && !task.command.shell && task.command.value === undefined) {
    return fail("'CommandInfo.value' must be set when 'shell' is false");
  }
  if (task.command?.shell && task.command.value === undefined) return fail("'CommandInfo.value' must be set when 'shell' is true");

  const taskRes = normalizeResources(task.resources, ctx.role, 'Task');
  if (!taskRes.ok) return taskRes;
  let need = taskRes.value;

  const executor = groupExecutor ?? task.executor;
  let newExecutor: ValidatedTask['newExecutor'];
  if (executor) {
    const ep = executorProblem(executor, ctx.frameworkId, groupExecutor !== undefined);
    if (ep) return fail(ep);
    const normalized: ExecutorInfo = { ...executor, framework_id: { value: ctx.frameworkId } };
    const running = ctx.existingExecutor(executor.executor_id.value);
    if (running) {
      const strip = (e: ExecutorInfo) => canonical({ ...e, resources: undefined, framework_id: undefined });
      if (strip(running) !== strip(normalized)) {
        return fail(`ExecutorInfo is not compatible with the ExecutorInfo of the running executor '${executor.executor_id.value}'`);
      }
    } else {
      const execRes = normalizeResources(executor.resources, ctx.role, 'Executor');
      if (!execRes.ok) return execRes;
      newExecutor = { info: normalized, resources: execRes.value };
      need = need.plus(execRes.value);
    }
  }
  const executorHasResources = (executor?.resources?.length ?? 0) > 0;
  if (need.isEmpty() && !executorHasResources) return fail('Task and its executor use no resources');
  if (!ctx.remaining.contains(need)) {
    return fail(`Task uses more resources ${need.toString()} than available ${ctx.remaining.toString()}`);
  }
  return { ok: true, value: newExecutor ? { resources: taskRes.value, newExecutor } : { resources: taskRes.value } };
}
