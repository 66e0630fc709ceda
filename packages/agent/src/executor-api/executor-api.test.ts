import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords } from '@agora/protocol';
import { eventually, FRAMEWORK_INFO, runCustom, startTestAgent, TEST_EXECUTOR } from '../testing/agent-harness.ts';

const IDS = { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex-1' } };

async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST') {
  const res = await fetch(`${url}/api/v1/executor`, { method, headers, ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { status: res.status, text: await res.text() };
}

test('a custom executor (raw HTTP + RecordIO) runs tasks end to end through the agent', async (t) => {
  const { agent, master, url } = await startTestAgent(t);
  runCustom(master, 't1', 'ex-1', `node ${TEST_EXECUTOR}`);
  await eventually(() => master.updates().includes('t1:TASK_RUNNING'), 15_000, 'TASK_RUNNING');
  const ex = agent.core.frameworks.get('fw-1')!.executors.get('ex-1')!;
  assert.equal(ex.state, 'RUNNING');

  // A second task for the same executor is delivered to it directly.
  master.ackAll();
  runCustom(master, 't2', 'ex-1', `node ${TEST_EXECUTOR}`, { data: Buffer.from('finish').toString('base64') });
  await eventually(() => master.updates().includes('t2:TASK_RUNNING'), 5000, 't2 running');
  master.ackAll();
  await eventually(() => master.updates().includes('t2:TASK_FINISHED'), 5000, 't2 finished');
  master.ackAll();

  master.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 't1' } } });
  await eventually(() => master.updates().includes('t1:TASK_KILLED'), 5000, 'TASK_KILLED');
  master.ackAll();

  master.send({ type: 'FRAMEWORK_TO_EXECUTOR', framework_to_executor: { ...IDS, data: Buffer.from('ping').toString('base64') } });
  await eventually(() => master.of('EXECUTOR_TO_FRAMEWORK').length === 1, 5000, 'echoed message');
  assert.equal(Buffer.from(master.of('EXECUTOR_TO_FRAMEWORK')[0]!.executor_to_framework!.data, 'base64').toString(), 'ping');

  // /state shows the executor with its sandbox and tasks, Mesos-style.
  const state = (await (await fetch(`${url}/state`)).json()) as { id: string; frameworks: Array<{ id: string; executors: Array<Record<string, unknown>> }> };
  assert.equal(state.id, 'S1');
  const e = state.frameworks[0]!.executors[0]!;
  assert.equal(e.id, 'ex-1');
  assert.equal(e.directory, ex.directory);
  assert.deepEqual((e.completed_tasks as Array<{ id: string; state: string }>).map((x) => `${x.id}:${x.state}`).sort(), ['t1:TASK_KILLED', 't2:TASK_FINISHED']);
  assert.match(readFileSync(join(ex.directory, 'stdout'), 'utf8'), /event SUBSCRIBED/);

  master.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: IDS });
  await eventually(() => master.of('EXECUTOR_EXITED').length === 1, 10_000, 'EXECUTOR_EXITED');
  assert.equal(master.of('EXECUTOR_EXITED')[0]!.executor_exited!.status, 0);
  await eventually(() => agent.core.frameworks.size === 0, 5000, 'framework completed');
});

test('executor API status codes, in Mesos order', async (t) => {
  const { master, url } = await startTestAgent(t, ['--executor-registration-timeout=10mins']);
  // An executor that never subscribes: it stays REGISTERING.
  runCustom(master, 't1', 'ex-1', 'sleep 30');
  await eventually(() => master.received.length > 0, 5000);
  await new Promise((r) => setTimeout(r, 100));

  assert.equal((await post(url, {}, {}, 'GET')).status, 405);
  const noType = await fetch(`${url}/api/v1/executor`, { method: 'POST', body: new Uint8Array([123, 125]) });
  assert.equal(noType.status, 400);
  assert.equal(await noType.text(), "Expecting 'Content-Type' to be present");
  assert.equal((await post(url, { ...IDS, type: 'HEARTBEAT' }, { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post(url, { ...IDS, type: 'HEARTBEAT' }, { 'content-type': 'application/x-protobuf' })).status, 415);
  const badJson = await post(url, '{"type":');
  assert.equal(badJson.status, 400);
  assert.match(badJson.text, /^Failed to parse body into JSON/);
  const missing = await post(url, { type: 'HEARTBEAT', framework_id: { value: 'fw-1' } });
  assert.deepEqual(missing, { status: 400, text: 'Failed to convert JSON into Call protobuf: executor_id: missing required field' });
  assert.deepEqual(await post(url, { ...IDS }), { status: 400, text: "Failed to validate Executor::Call: Expecting 'type' to be present" });
  const noUuid = await post(url, { ...IDS, type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR' } } });
  assert.deepEqual(noUuid, { status: 400, text: "Failed to validate Executor::Call: Expecting 'uuid' to be present" });
  assert.equal((await post(url, { ...IDS, type: 'SUBSCRIBE', subscribe: {} }, { 'content-type': 'application/json', accept: 'application/x-protobuf' })).status, 406);
  assert.deepEqual(await post(url, { ...IDS, framework_id: { value: 'nope' }, type: 'MESSAGE', message: { data: 'aGk=' } }), { status: 400, text: 'Framework cannot be found' });
  assert.deepEqual(await post(url, { ...IDS, executor_id: { value: 'nope' }, type: 'MESSAGE', message: { data: 'aGk=' } }), { status: 400, text: 'Executor cannot be found' });
  assert.deepEqual(await post(url, { ...IDS, type: 'MESSAGE', message: { data: 'aGk=' } }), { status: 403, text: 'Executor is not subscribed' });
  assert.equal((await post(url, { ...IDS, type: 'HEARTBEAT' })).status, 202);
  assert.equal((await post(url, { ...IDS, type: 'UNKNOWN' })).status, 403, 'not subscribed yet');
});

test('hostile requests get 4xx and never hurt the agent', async (t) => {
  const { url, agent } = await startTestAgent(t);
  const bad: Array<[string, number]> = [
    ['[]', 400],
    ['null', 400],
    ['"x"', 400],
    ['{"executor_id":{"value":"e"},"framework_id":{"value":"f"},"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","uuid":"%%%"}}}', 400],
    ['{"executor_id":{"value":"e\\u0000"},"framework_id":{"value":"f"},"type":"HEARTBEAT"}', 202],
    ['['.repeat(100_000) + ']'.repeat(100_000), 400],
    ['{"executor_id":' + '{"value":'.repeat(5000) + '"x"' + '}'.repeat(5000) + ',"framework_id":{"value":"f"},"type":"SUBSCRIBE","subscribe":{}}', 400],
  ];
  for (const [body, status] of bad) assert.equal((await post(url, body)).status, status, body.slice(0, 60));
  const huge = await post(url, JSON.stringify({ ...IDS, type: 'MESSAGE', message: { data: 'A'.repeat(20 * 1024 * 1024) } }));
  assert.equal(huge.status, 413);
  assert.equal((await fetch(`${url}/health`)).status, 200, 'still healthy');
  assert.equal(agent.core.frameworks.size, 0);
});

test('SUBSCRIBE streams SUBSCRIBED then the queued LAUNCH; a new SUBSCRIBE replaces the old stream; UPDATE is acknowledged', async (t) => {
  const { master, url } = await startTestAgent(t, ['--executor-registration-timeout=10mins', '--executor-shutdown-grace-period=100ms']);
  runCustom(master, 't1', 'ex-1', 'sleep 30');
  await new Promise((r) => setTimeout(r, 200));
  const subscribe = () => fetch(`${url}/api/v1/executor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...IDS, type: 'SUBSCRIBE', subscribe: {} }) });
  const first = await subscribe();
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'application/json');
  const records = readRecords(first.body!);
  const next = async () => {
    const r = await records.next();
    if (r.done || !r.value.ok) throw new Error('stream ended');
    return JSON.parse(new TextDecoder().decode(r.value.value)) as { type: string; subscribed?: { executor_info: { executor_id: { value: string } }; framework_info: { id: { value: string } }; agent_info: { id: { value: string } }; container_id: { value: string } }; launch?: { task: { task_id: { value: string } } }; acknowledged?: { uuid: string } };
  };
  const subscribed = await next();
  assert.equal(subscribed.type, 'SUBSCRIBED');
  assert.equal(subscribed.subscribed!.executor_info.executor_id.value, 'ex-1');
  assert.equal(subscribed.subscribed!.framework_info.id.value, FRAMEWORK_INFO.id.value);
  assert.equal(subscribed.subscribed!.agent_info.id.value, 'S1');
  assert.ok(subscribed.subscribed!.container_id.value);
  const launch = await next();
  assert.equal(launch.type, 'LAUNCH');
  assert.equal(launch.launch!.task.task_id.value, 't1');

  const uuid = Buffer.alloc(16, 7).toString('base64');
  const upd = await post(url, { ...IDS, type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid } } });
  assert.equal(upd.status, 202);
  const ack = await next();
  assert.equal(ack.type, 'ACKNOWLEDGED');
  assert.equal(ack.acknowledged!.uuid, uuid);
  await eventually(() => master.updates().includes('t1:TASK_RUNNING'));

  const second = await subscribe();
  assert.equal(second.status, 200);
  const end = await records.next();
  assert.ok(end.done, 'the first stream is closed');
  await second.body!.cancel();
});
