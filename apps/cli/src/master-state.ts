/**
 * The legacy `/master/state` document (Mesos §4 "Legacy JSON endpoints"), as far as the CLI
 * reads it. IDs are bare strings, the agent key is `slave_id`, resources are flat maps
 * (`{"cpus":2,"mem":1024,"ports":"[31000-32000]"}`), times are seconds as doubles. Everything is
 * optional on the way in: an older or partial master still gives a usable (emptier) view.
 */
import { err, ok, type Result } from '@agora/protocol';
import { getJson, type HttpError } from './http.ts';

export type FlatResources = Record<string, number | string | undefined>;

export interface StateTask {
  id: string;
  name?: string;
  framework_id?: string;
  executor_id?: string;
  slave_id?: string;
  state?: string;
  role?: string;
  resources?: FlatResources;
  statuses?: { state?: string; timestamp?: number; message?: string }[];
}

export interface StateFramework {
  id: string;
  name?: string;
  user?: string;
  role?: string;
  roles?: string[];
  principal?: string;
  hostname?: string;
  active?: boolean;
  connected?: boolean;
  registered_time?: number;
  unregistered_time?: number;
  used_resources?: FlatResources;
  offered_resources?: FlatResources;
  tasks?: StateTask[];
  unreachable_tasks?: StateTask[];
  completed_tasks?: StateTask[];
}

export interface StateAgent {
  id: string;
  hostname?: string;
  port?: number;
  pid?: string;
  active?: boolean;
  deactivated?: boolean;
  version?: string;
  registered_time?: number;
  resources?: FlatResources;
  used_resources?: FlatResources;
  offered_resources?: FlatResources;
  attributes?: Record<string, string | number>;
}

export interface MasterState {
  id?: string;
  version?: string;
  hostname?: string;
  leader?: string;
  slaves: StateAgent[];
  frameworks: StateFramework[];
  completed_frameworks: StateFramework[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const listOf = <T extends { id: string }>(x: unknown): T[] => (Array.isArray(x) ? x.filter((e): e is T => isObject(e) && typeof e.id === 'string') : []);

export function parseMasterState(json: unknown): Result<MasterState, string> {
  if (!isObject(json)) return err('the master state is not a JSON object');
  const frameworks = (x: unknown) =>
    listOf<StateFramework>(x).map((f) => ({
      ...f,
      tasks: listOf<StateTask>(f.tasks),
      unreachable_tasks: listOf<StateTask>(f.unreachable_tasks),
      completed_tasks: listOf<StateTask>(f.completed_tasks),
    }));
  return ok({
    ...(json as Partial<MasterState>),
    slaves: listOf<StateAgent>(json.slaves),
    frameworks: frameworks(json.frameworks),
    completed_frameworks: frameworks(json.completed_frameworks),
  });
}

export async function fetchMasterState(fetchFn: typeof fetch, master: string, signal?: AbortSignal): Promise<Result<MasterState, HttpError>> {
  const r = await getJson(fetchFn, `${master}/master/state`, signal ? { signal } : {});
  if (!r.ok) return r;
  const s = parseMasterState(r.value);
  return s.ok ? s : err({ message: s.error });
}

/** The agent's HTTP base URL: from its libprocess PID (`slave(1)@10.0.0.5:5051`), else hostname:port. */
export function agentUrl(agent: StateAgent): string | undefined {
  const m = agent.pid ? /@([^@]+:\d+)$/.exec(agent.pid) : null;
  if (m) return `http://${m[1]}`;
  if (agent.hostname && agent.port) return `http://${agent.hostname}:${agent.port}`;
  return undefined;
}

export interface TaskRef {
  task: StateTask;
  framework: StateFramework;
  /** 'active' (tasks), 'unreachable', or 'completed'. */
  where: 'active' | 'unreachable' | 'completed';
}

/** Every task the master knows, active first; `all` adds completed tasks and frameworks. */
export function allTasks(state: MasterState, all: boolean): TaskRef[] {
  const out: TaskRef[] = [];
  const frameworks = all ? [...state.frameworks, ...state.completed_frameworks] : state.frameworks;
  for (const framework of frameworks) {
    for (const task of framework.tasks ?? []) out.push({ task, framework, where: 'active' });
    for (const task of framework.unreachable_tasks ?? []) out.push({ task, framework, where: 'unreachable' });
  }
  if (all) for (const framework of frameworks) for (const task of framework.completed_tasks ?? []) out.push({ task, framework, where: 'completed' });
  return out;
}
