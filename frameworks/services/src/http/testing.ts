/**
 * An in-process harness for the services framework: a real `startServices` (HTTP on a free
 * port, memory store) subscribed to the SDK's FakeMaster (a real HTTP server speaking the v1
 * scheduler API). The fake keeps offering one agent's resources and answers LAUNCH with
 * TASK_RUNNING (healthy when the task has a health check, unless `unhealthy` says otherwise) and
 * KILL with TASK_KILLED, as an agent would.
 */
import type { Offer, TaskInfo } from '@agora/protocol';
import { FakeMaster, type FakeSchedulerSubscription } from '@agora/sdk';
import type { StateStore } from '@agora/state';
import { startServices, SERVICES_FLAGS, type ServicesHandle, type ServicesOptions } from '../daemon.ts';

export interface Harness {
  readonly url: string;
  readonly master: FakeMaster;
  readonly handle: ServicesHandle;
  readonly launched: TaskInfo[];
  readonly killed: string[];
  /** Task ids (or app name prefixes) whose launches report healthy: false. */
  readonly unhealthy: Set<string>;
  /** App name prefixes whose launches fail at once (TASK_FAILED). */
  readonly failing: Set<string>;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export function defaultOptions(over: Partial<ServicesOptions> = {}): ServicesOptions {
  const d: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(SERVICES_FLAGS)) if ('default' in spec) d[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = spec.default;
  return { ...(d as ServicesOptions), httpPort: 0, logLevel: 'silent', tickInterval: 100, ...over };
}

export function fakeOffer(n: number, agent = 1, hostname = `agent${agent}`): Offer {
  return {
    id: { value: `offer-${n}` }, framework_id: { value: 'fw' }, agent_id: { value: `agent-${agent}` }, hostname,
    url: { scheme: 'http', address: { hostname, ip: '127.0.0.1', port: 5051 }, query: [] },
    allocation_info: { role: '*' },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 8 }, allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16384 }, allocation_info: { role: '*' } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 10000 }, allocation_info: { role: '*' } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, allocation_info: { role: '*' } },
    ],
    attributes: [], executor_ids: [],
  } as Offer;
}

export async function startHarness(opts: { agents?: number; store?: StateStore; services?: Partial<ServicesOptions> } = {}): Promise<Harness> {
  const master = await FakeMaster.start({ heartbeatIntervalSeconds: 5 });
  const launched: TaskInfo[] = [];
  const killed: string[] = [];
  const unhealthy = new Set<string>();
  const failing = new Set<string>();
  const conn: { sub?: FakeSchedulerSubscription } = {};
  master.onCall = (call) => {
    if (!conn.sub) return;
    const s = conn.sub;
    if (call.type === 'ACCEPT') {
      for (const op of call.accept?.operations ?? []) {
        for (const t of op.launch?.task_infos ?? []) {
          launched.push(t);
          const bad = [...unhealthy].some((u) => t.task_id.value.startsWith(u));
          const fail = [...failing].some((u) => t.task_id.value.startsWith(u));
          setTimeout(() => {
            if (fail) return s.update({ task_id: t.task_id, agent_id: t.agent_id, state: 'TASK_FAILED', message: 'exited with status 1' });
            s.update({ task_id: t.task_id, agent_id: t.agent_id, state: 'TASK_RUNNING', ...(t.health_check ? { healthy: !bad } : {}) });
          }, 5);
        }
      }
    } else if (call.type === 'KILL') {
      const id = call.kill!.task_id;
      killed.push(id.value);
      setTimeout(() => s.update({ task_id: id, state: 'TASK_KILLED' }), 5);
    }
  };
  const handle = await startServices(defaultOptions({ master: master.hostPort, ...opts.services }), {
    onLeadershipEnd: () => undefined,
    ...(opts.store ? { store: opts.store } : {}),
  });
  if (!handle.ok) throw new Error(handle.error);
  conn.sub = await master.nextSubscription();
  let n = 0;
  const agents = opts.agents ?? 1;
  const offering = setInterval(() => {
    if (conn.sub && !conn.sub.closed) conn.sub.offers(Array.from({ length: agents }, (_, i) => fakeOffer(++n, i + 1)));
  }, 30);
  const url = handle.value.url;
  return {
    url, master, handle: handle.value, launched, killed, unhealthy, failing,
    async api(method, path, body, headers = {}) {
      const res = await fetch(url + path, {
        method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    async waitFor(what, check, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const v = await check();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      clearInterval(offering);
      await handle.value.close();
      await master.close();
    },
  };
}
