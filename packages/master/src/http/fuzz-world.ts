/**
 * The master's HTTP fuzz world (`*.fuzz.test.ts` here): the test Harness's real Master under a
 * FakeClock, served by the real endpoints (and the daemon's error handler) through Fastify's
 * `inject`, so a run costs milliseconds and nothing listens on a port.
 *
 * The contract under test (DESIGN: "nothing a client sends can crash a daemon or corrupt state"):
 * an answer is < 500 (501 only for the UNKNOWN call / a call Agora documents as unimplemented),
 * a 4xx is plain text that says what is wrong, and a rejected request leaves `/master/state` as
 * it was.
 */
import { createHttpServer, silentLogger, type FastifyInstance } from '@agora/runtime';
import { Harness, testUuid, type FakeAgent, type FakeScheduler } from '../testing/harness.ts';
import { plainTextErrors } from './error-handler.ts';
import { standalone } from './leadership.ts';
import { legacyEndpoints } from './legacy-endpoints.ts';
import { operatorEndpoint } from './operator-endpoint.ts';
import { schedulerEndpoint } from './scheduler-endpoint.ts';

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
