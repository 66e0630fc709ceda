/**
 * Shared pieces of the master's HTTP fuzz tests (`*.fuzz.test.ts`): hostile JSON values, a
 * mutation of one place in a valid request body, and an in-process master (the test Harness's
 * real Master under a FakeClock) served by the real endpoints through Fastify's `inject`, so a
 * run costs milliseconds and nothing listens on a port.
 *
 * The contract under test (DESIGN: "nothing a client sends can crash a daemon or corrupt state"):
 * an answer is < 500 (501 only for the UNKNOWN call / a call Agora documents as unimplemented),
 * a 4xx is plain text that says what is wrong, and a rejected request leaves `/master/state` as
 * it was.
 */
import fc from 'fast-check';
import { createHttpServer, silentLogger, type FastifyInstance } from '@agora/runtime';
import { Harness, testUuid, type FakeAgent, type FakeScheduler } from '../testing/harness.ts';
import { plainTextErrors } from './error-handler.ts';
import { standalone } from './leadership.ts';
import { legacyEndpoints } from './legacy-endpoints.ts';
import { operatorEndpoint } from './operator-endpoint.ts';
import { schedulerEndpoint } from './scheduler-endpoint.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Path = (string | number)[];

/** `depth` levels of `{"a": ...}` (or arrays), to find recursion without a limit. */
export function nested(depth: number, asArray: boolean): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/**
 * Stand-ins for values too big to print in a counterexample: `materialize` turns them into the
 * real thing when a body is built.
 */
export class Deep {
  constructor(readonly depth: number, readonly asArray: boolean) {}
  toString(): string {
    return `<${this.depth} nested ${this.asArray ? 'arrays' : 'objects'}>`;
  }
}
export class Long {
  constructor(readonly length: number) {}
  toString(): string {
    return `<'x' × ${this.length}>`;
  }
}
export type Hostile = Json | Deep | Long;

export function materialize(v: Hostile): Json {
  if (v instanceof Deep) return nested(v.depth, v.asArray);
  if (v instanceof Long) return 'x'.repeat(v.length);
  return v;
}

/** Values a hostile or careless client sends where something else is expected. */
export const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, false, 0, -1, -0.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296, 1e-320,
    '', ' ', 'NaN', 'Infinity', '-Infinity', '-1', '1e400', '0x1f', 'null', 'true', '{}', '[]',
    '../../etc/passwd', '/etc/passwd', '%2F..%2F', 'a/../../b', '\u0000', '\uD800', 'ü日本🙂\u202E', '*', '/', '//', '.', '..',
    [], {}, [null], [{}], { value: 1 }, { value: null }, { value: '' }, { value: '../x' },
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.integer({ min: 1000, max: 20000 }).map((n) => new Long(n * 10)),
  fc.tuple(fc.integer({ min: 100, max: 2000 }), fc.boolean()).map(([d, a]) => new Deep(d, a)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

/** Every place in `v` (containers included, the root excluded), down to 12 levels. */
export function pathsOf(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (prefix.length >= 12) return out;
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...pathsOf(x, [...prefix, k]));
  return out;
}

export type Mutation = { at: Path; op: 'set'; value: Json } | { at: Path; op: 'delete' } | { at: Path; op: 'wrap' } | { at: Path; op: 'dup' } | { at: Path; op: 'add'; key: string; value: Json };

/** Same-type replacements, so a mutation gets past decoding into the semantics. */
const NUMBERS = [0, -1, -0.001, 1e-9, 0.5, 1e308, -1e308, 2 ** 53 + 1, 4294967297, 65535, 65536, 1e15, 123.456];
const STRINGS = ['', ' ', '*', '/', '.', '..', '../../etc/passwd', '/etc/passwd', 'ü日本🙂', '\u0000', 'NaN', '-1', 'web', 'a/b', 'eng/..', ' x ', '%2F', 'x'.repeat(3000)];
function tweak(v: Json, n: number): Json {
  if (typeof v === 'number') return NUMBERS[n % NUMBERS.length]!;
  if (typeof v === 'string') return STRINGS[n % STRINGS.length]!;
  if (typeof v === 'boolean') return !v;
  if (Array.isArray(v)) return n % 2 === 0 ? [] : [...v, ...v];
  return v;
}

/** A copy of `v` with one mutation applied (only the containers on the path are copied). */
export function mutate(v: Json, m: Mutation): Json {
  if (m.at.length === 0) return m.op === 'set' ? m.value : v;
  const copy = (x: Json): Json => (Array.isArray(x) ? [...x] : { ...(x as Record<string, Json>) });
  const root = copy(v);
  let parent = root as Record<string | number, Json>;
  for (const k of m.at.slice(0, -1)) {
    parent[k] = copy(parent[k]!);
    parent = parent[k] as Record<string | number, Json>;
  }
  const last = m.at.at(-1)!;
  if (m.op === 'set') parent[last] = m.value;
  else if (m.op === 'wrap') parent[last] = [parent[last]!];
  else if (m.op === 'dup') parent[last] = Array.isArray(parent[last]) ? [...(parent[last] as Json[]), ...(parent[last] as Json[])] : parent[last]!;
  else if (m.op === 'add') {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      const t = { ...target };
      Object.defineProperty(t, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      parent[last] = t;
    } else parent[last] = m.value;
  } else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return root;
}

/**
 * A mutation before it is aimed: `place` picks one of the places of whatever body it is applied
 * to (modulo their number), so one generated (and shrunk, and printed) value works for every
 * base body.
 */
export interface Edit { place: number; op: Mutation['op'] | 'tweak'; value: Hostile; key: string }

export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({
    place: fc.nat(),
    op: fc.constantFrom<Edit['op']>('tweak', 'tweak', 'tweak', 'tweak', 'tweak', 'set', 'set', 'set', 'delete', 'delete', 'wrap', 'dup', 'add'),
    value: hostileValue,
    key: fc.constantFrom('__proto__', 'constructor', 'type', 'value', 'x'),
  }),
  { minLength: 1, maxLength: 3 },
);

/** Applies the edits one after the other; returns the body and the mutations as applied. */
export function applyEdits(base: Json, es: Edit[]): { body: Json; applied: Mutation[] } {
  let body = JSON.parse(JSON.stringify(base)) as Json; // no shared sub-objects: one edit changes one place
  const applied: Mutation[] = [];
  for (const e of es) {
    const places = pathsOf(body);
    if (places.length === 0) break;
    const at = places[e.place % places.length]!;
    const value = e.op === 'tweak' ? tweak(valueAt(body, at), Math.floor(e.place / 7919)) : materialize(e.value);
    const m: Mutation = e.op === 'set' || e.op === 'tweak' ? { at, op: 'set', value } : e.op === 'add' ? { at, op: 'add', key: e.key, value } : { at, op: e.op };
    body = mutate(body, m);
    applied.push(m);
  }
  return { body, applied };
}

function valueAt(v: Json, at: Path): Json {
  let cur = v;
  for (const k of at) cur = (cur as Record<string | number, Json>)[k]!;
  return cur;
}

/** `a.b[0].c` as the decoders print paths. */
export function printPath(at: Path): string {
  return at.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** A master with two agents, a subscribed framework holding offers, and one running task. */
export interface World {
  h: Harness;
  app: FastifyInstance;
  s: FakeScheduler;
  agents: FakeAgent[];
  taskId: string;
  statusUuid: string;
  close(): Promise<void>;
}

export async function world(): Promise<World> {
  const h = new Harness();
  const agents = [h.agent(), h.agent()];
  const s = h.scheduler();
  const offer = s.liveOffers()[0]!;
  const taskId = 'running-task';
  const launched = s.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }], command: { value: 'sleep 100', shell: true } }] } }],
    },
  });
  if (!launched.ok) throw new Error(`could not launch the fixture task: ${JSON.stringify(launched.error)}`);
  h.settle();
  const agent = agents.find((a) => a.id === offer.agent_id.value)!;
  const statusUuid = testUuid();
  agent.update(s.frameworkId!, taskId, 'TASK_RUNNING', statusUuid);
  h.advance(1000); // the declined remainder comes back
  const app = createHttpServer();
  const leadership = standalone('//localhost:5050');
  schedulerEndpoint(app, h.master, leadership, { recovering: (id) => h.master.isRecovering(id) });
  operatorEndpoint(app, h.master, leadership, h.metrics, { port: '5050' });
  legacyEndpoints(app, h.master, leadership, h.metrics, { port: '5050' });
  plainTextErrors(app, silentLogger);
  await app.ready();
  return { h, app, s, agents, taskId, statusUuid, close: () => app.close() };
}

/** `/master/state` as JSON; the fake clock does not move during a request, so it compares as is. */
export async function stateOf(w: World): Promise<unknown> {
  const r = await w.app.inject({ method: 'GET', url: '/master/state' });
  if (r.statusCode !== 200) throw new Error(`/master/state answered ${r.statusCode}`);
  return JSON.parse(r.body);
}

export interface Answer { status: number; contentType: string; body: string }

/** Sends a request; a streaming answer (a subscription) is read up to its status and headers only. */
export async function send(w: World, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body: string | undefined, headers: Record<string, string>): Promise<Answer> {
  const r = await w.app.inject({ method, url, headers, ...(body !== undefined ? { payload: body } : {}), payloadAsStream: true });
  const ct = String(r.headers['content-type'] ?? '');
  // Event streams (RecordIO of JSON) are the only answers with `cache-control: no-cache`.
  const streaming = r.headers['cache-control'] === 'no-cache';
  let text = '';
  const stream = r.stream();
  if (streaming) stream.destroy();
  else for await (const chunk of stream) text += String(chunk);
  return { status: r.statusCode, contentType: ct, body: text };
}
