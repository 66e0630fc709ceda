import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, runCustom, startTestAgent } from '../testing/agent-harness.ts';

const call = (url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${url}/api/v1`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('operator API: state calls answer 200 with Mesos shapes; unsupported calls 501; bad requests 4xx', async (t) => {
  const { url, master } = await startTestAgent(t, ['--executor-registration-timeout=10mins', '--attributes=rack:r1']);
  runCustom(master, 't1', 'ex-1', 'sleep 30', { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }] });
  await eventually(() => master.received.length > 0);
  await new Promise((r) => setTimeout(r, 100));

  const health = await call(url, { type: 'GET_HEALTH' });
  assert.equal(health.status, 200);
  assert.equal(health.headers.get('content-type'), 'application/json');
  assert.deepEqual(await health.json(), { type: 'GET_HEALTH', get_health: { healthy: true } });
  const flags = (await (await call(url, { type: 'GET_FLAGS' })).json()) as { get_flags: { flags: Array<{ name: string; value: string }> } };
  assert.ok(flags.get_flags.flags.some((f) => f.name === 'executor_registration_timeout' && f.value === '10mins'));
  const version = (await (await call(url, { type: 'GET_VERSION' })).json()) as { get_version: { version_info: { version: string } } };
  assert.equal(version.get_version.version_info.version, '1.11.0');
  const agent = (await (await call(url, { type: 'GET_AGENT' })).json()) as { get_agent: { agent_info: { id: { value: string }; attributes: unknown[] } } };
  assert.equal(agent.get_agent.agent_info.id.value, 'S1');
  assert.equal(agent.get_agent.agent_info.attributes.length, 1);
  const tasks = (await (await call(url, { type: 'GET_TASKS' })).json()) as { get_tasks: { queued_tasks: Array<{ task_id: { value: string }; state: string }> } };
  assert.deepEqual(tasks.get_tasks.queued_tasks.map((x) => `${x.task_id.value}:${x.state}`), ['t1:TASK_STAGING']);
  const state = (await (await call(url, { type: 'GET_STATE' })).json()) as { get_state: { get_frameworks: { frameworks: unknown[] }; get_executors: { executors: Array<{ executor_info: { executor_id: { value: string } } }> } } };
  assert.equal(state.get_state.get_frameworks.frameworks.length, 1);
  assert.equal(state.get_state.get_executors.executors[0]!.executor_info.executor_id.value, 'ex-1');
  const metrics = (await (await call(url, { type: 'GET_METRICS', get_metrics: {} })).json()) as { get_metrics: { metrics: Array<{ name: string; value: number }> } };
  const m = new Map(metrics.get_metrics.metrics.map((x) => [x.name, x.value]));
  assert.equal(m.get('slave/registered'), 1);
  assert.equal(m.get('slave/tasks_staging'), 1);
  assert.equal(m.get('slave/cpus_total'), 2);
  assert.equal(m.get('slave/cpus_used'), 0.5);
  assert.equal(m.get('slave/executors_registering'), 1);

  const unsupported = await call(url, { type: 'LAUNCH_CONTAINER', launch_container: { container_id: { value: 'c' } } });
  assert.equal(unsupported.status, 501);
  assert.match(await unsupported.text(), /LAUNCH_CONTAINER/);
  assert.equal((await call(url, { type: 'UNKNOWN' })).status, 501);
  assert.equal((await fetch(`${url}/api/v1`)).status, 405);
  assert.equal((await fetch(`${url}/api/v1`, { method: 'POST', body: new Uint8Array([123, 125]) })).status, 400, 'no Content-Type');
  assert.equal((await call(url, { type: 'GET_HEALTH' }, { 'content-type': 'application/x-protobuf' })).status, 415);
  assert.equal((await call(url, '{"type":')).status, 400);
  const invalid = await call(url, { type: 'READ_FILE' });
  assert.equal(invalid.status, 400);
  assert.equal(await invalid.text(), "Failed to validate agent::Call: Expecting 'read_file' to be present");
  assert.equal((await call(url, { type: 'GET_HEALTH' }, { 'content-type': 'application/json', accept: 'text/html' })).status, 406);
});

test('legacy endpoints: /state and /slave(1)/state, /flags, /health, /version, /metrics/snapshot, /metrics', async (t) => {
  const { url, master, agent } = await startTestAgent(t, ['--executor-registration-timeout=10mins', '--attributes=rack:r1;zone:3']);
  runCustom(master, 't1', 'ex-1', 'sleep 30');
  await eventually(() => agent.core.frameworks.size === 1);
  for (const path of ['/state', '/slave(1)/state', '/state.json']) {
    const res = await fetch(`${url}${path}`);
    assert.equal(res.status, 200, path);
    const s = (await res.json()) as Record<string, unknown> & { frameworks: Array<Record<string, unknown> & { executors: Array<Record<string, unknown>> }> };
    assert.equal(s.id, 'S1');
    assert.equal(s.version, '1.11.0');
    assert.match(String(s.pid), /^slave\(1\)@127\.0\.0\.1:\d+$/);
    assert.deepEqual(s.attributes, { rack: 'r1', zone: 3 });
    assert.deepEqual((s.resources as Record<string, unknown>).cpus, 2);
    assert.equal(s.master_hostname, '127.0.0.1');
    const fw = s.frameworks[0]!;
    assert.equal(fw.id, 'fw-1');
    assert.equal(fw.role, '*');
    const ex = fw.executors[0]!;
    for (const key of ['id', 'name', 'source', 'container', 'directory', 'resources', 'tasks', 'queued_tasks', 'completed_tasks']) assert.ok(key in ex, key);
    assert.deepEqual((ex.queued_tasks as Array<{ id: string }>).map((x) => x.id), ['t1']);
    assert.deepEqual(s.completed_frameworks, []);
  }
  assert.equal((await fetch(`${url}/health`)).status, 200);
  const flags = (await (await fetch(`${url}/flags`)).json()) as { flags: Record<string, string> };
  assert.equal(flags.flags.attributes, 'rack:r1;zone:3');
  assert.equal(((await (await fetch(`${url}/version`)).json()) as { version: string }).version, '1.11.0');
  const snap = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
  for (const k of ['slave/registered', 'slave/uptime_secs', 'slave/tasks_running', 'slave/mem_total', 'slave/executors_registering', 'gc/path_removals_pending']) assert.equal(typeof snap[k], 'number', k);
  const prom = await (await fetch(`${url}/metrics`)).text();
  assert.match(prom, /^agora_slave_registered 1$/m);
  // The default isolators (posix/cpu, posix/mem) account every live container.
  type Stats = Array<{ executor_id: string; framework_id: string; statistics: Record<string, number> }>;
  let stats: Stats = [];
  for (let i = 0; i < 100 && stats.length === 0; i++) {
    stats = (await (await fetch(`${url}/monitor/statistics`)).json()) as Stats;
    if (stats.length === 0) await new Promise((r) => setTimeout(r, 20)); // the container is still being launched
  }
  assert.deepEqual(stats.map((e) => e.executor_id), ['ex-1']);
  for (const k of ['timestamp', 'cpus_user_time_secs', 'cpus_system_time_secs', 'mem_rss_bytes']) assert.equal(typeof stats[0]!.statistics[k], 'number', k);
  const jsonp = await (await fetch(`${url}/state?jsonp=cb`)).text();
  assert.match(jsonp, /^cb\(\{/);
  assert.equal((await fetch(`${url}/state?jsonp=alert(1)//`)).status, 400);
});

test('failures outside the endpoints are plain text: a malformed Content-Type is a 415 naming the header; a body over the limit a 413', async (t) => {
  const { url } = await startTestAgent(t);
  for (const path of ['/api/v1', '/api/v1/executor']) {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': '-[' }, body: '{}' });
    assert.equal(res.status, 415);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.match(await res.text(), /'Content-Type'/);
  }
  const huge = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(17 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  assert.equal(huge.headers.get('content-type'), 'text/plain; charset=utf-8');
});
