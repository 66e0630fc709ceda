/**
 * Building TaskInfos for command tasks (run by the agent's command executor, whose executor ID
 * equals the task ID), and planning them onto an offer with first-fit matching.
 */
import { randomUUID } from 'node:crypto';
import { ok, secondsToDurationInfo, type CommandInfo, type CommandInfoURI, type Offer, type Resource, type Result, type TaskInfo } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import { toId, type IdLike } from './ids.ts';
import { matchOffer, type MatchOptions } from './match.ts';
import type { ResourceSpec } from './resource-spec.ts';

export interface CommandTaskSpec {
  name: string;
  /** Task ID; default `<name>.<uuid>` (IDs must be unique among the framework's active tasks). */
  id?: string;
  /** A shell command line (run as `sh -c`), or an argv (run directly). */
  command: string | readonly string[];
  /** Default: true for a string command, false for an argv. */
  shell?: boolean;
  env?: Readonly<Record<string, string>>;
  /** URIs the fetcher puts in the sandbox first. */
  uris?: readonly (string | Partial<CommandInfoURI> & { value: string })[];
  user?: string;
  resources: ResourceSpec;
  labels?: Readonly<Record<string, string>>;
  /** SIGTERM → SIGKILL grace period on kill. */
  killGracePeriodSeconds?: number;
  /** Any other TaskInfo fields (container, health_check, check, data, limits…). */
  extra?: Partial<Omit<TaskInfo, 'name' | 'task_id' | 'agent_id' | 'resources' | 'command' | 'executor'>>;
}

/** A task ID that is unique and safe as a path component. */
export function newTaskId(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '').slice(0, 64) || 'task';
  return `${safe}.${randomUUID()}`;
}

export function commandInfo(spec: Pick<CommandTaskSpec, 'command' | 'shell' | 'env' | 'uris' | 'user'>): CommandInfo {
  const argv = typeof spec.command === 'string' ? undefined : spec.command;
  const shell = spec.shell ?? argv === undefined;
  const value = argv === undefined ? (spec.command as string) : shell ? argv.join(' ') : argv[0];
  const info: CommandInfo = { shell, ...(value !== undefined ? { value } : {}) };
  if (!shell && argv !== undefined) info.arguments = [...argv];
  if (spec.env && Object.keys(spec.env).length > 0) {
    info.environment = { variables: Object.entries(spec.env).map(([name, v]) => ({ name, type: 'VALUE' as const, value: v })) };
  }
  if (spec.uris && spec.uris.length > 0) {
    info.uris = spec.uris.map((u) => (typeof u === 'string' ? { value: u, extract: true } : { extract: true, ...u }));
  }
  if (spec.user !== undefined) info.user = spec.user;
  return info;
}

export function buildCommandTask(spec: CommandTaskSpec, agentId: IdLike, resources: readonly Resource[]): TaskInfo {
  const task: TaskInfo = {
    ...spec.extra,
    name: spec.name,
    task_id: { value: spec.id ?? newTaskId(spec.name) },
    agent_id: toId(agentId),
    resources: [...resources],
    command: commandInfo(spec),
  };
  if (spec.labels && Object.keys(spec.labels).length > 0) {
    task.labels = { labels: Object.entries(spec.labels).map(([key, value]) => ({ key, value })) };
  }
  if (spec.killGracePeriodSeconds !== undefined) task.kill_policy = { grace_period: secondsToDurationInfo(spec.killGracePeriodSeconds) };
  return task;
}

export interface LaunchPlan {
  /** TaskInfos for the specs that fit, ready for `driver.launch(offer, tasks)`. */
  readonly tasks: TaskInfo[];
  readonly unplaced: CommandTaskSpec[];
  readonly remaining: Resources;
}

/** First-fit of command tasks onto one offer. */
export function planCommandTasks(offer: Offer, specs: readonly CommandTaskSpec[], opts: MatchOptions = {}): Result<LaunchPlan, string> {
  const m = matchOffer(offer, specs, opts);
  if (!m.ok) return m;
  return ok({
    tasks: m.value.placed.map((p) => buildCommandTask(p.item, offer.agent_id, p.resources)),
    unplaced: m.value.unplaced,
    remaining: m.value.remaining,
  });
}
