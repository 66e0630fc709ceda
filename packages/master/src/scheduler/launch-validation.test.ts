import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, unwrap, CheckInfo, HealthCheck, type Offer, type TaskInfo } from '@agora/protocol';
import { Harness } from '../testing/harness.ts';
import { checkProblem, healthCheckProblem } from './launch-validation.ts';

// Decoded as the master decodes them: the duration defaults filled in.
const hc = (json: object): HealthCheck => unwrap(decode(HealthCheck, json));
const ci = (json: object): CheckInfo => unwrap(decode(CheckInfo, json));

test('health checks: valid ones pass (each type, zero durations, http/https, paths starting with /)', () => {
  for (const json of [
    { type: 'COMMAND', command: { value: 'exit 0' } },
    { type: 'COMMAND', command: { shell: false, value: '/bin/true', arguments: ['true'], environment: { variables: [{ name: 'A', value: '1' }] } } },
    { type: 'HTTP', http: { port: 8080 } },
    { type: 'HTTP', http: { port: 8443, scheme: 'https', path: '/healthz' } },
    { type: 'TCP', tcp: { port: 65535 }, delay_seconds: 0, interval_seconds: 0, timeout_seconds: 0, grace_period_seconds: 0 },
  ]) {
    assert.equal(healthCheckProblem(hc(json)), undefined, JSON.stringify(json));
  }
  assert.equal(healthCheckProblem(undefined), undefined);
});

test("health checks: each problem in Mesos's words", () => {
  const cases: Array<[object, string]> = [
    [{}, "HealthCheck must specify 'type'"],
    [{ type: 'UNKNOWN' }, "'UNKNOWN' is not a valid health check type"],
    [{ type: 'COMMAND' }, "Expecting 'command' to be set for COMMAND health check"],
    [{ type: 'HTTP' }, "Expecting 'http' to be set for HTTP health check"],
    [{ type: 'TCP' }, "Expecting 'tcp' to be set for TCP health check"],
    [{ type: 'HTTP', tcp: { port: 1 } }, "Expecting 'http' to be set for HTTP health check"],
    [{ type: 'COMMAND', command: { shell: true } }, "Command health check must contain 'shell command'"],
    [{ type: 'COMMAND', command: { shell: false } }, "Command health check must contain 'executable path'"],
    [{ type: 'COMMAND', command: { value: 'x', environment: { variables: [{ name: 'K' }] } } }, "Health check's `CommandInfo` is invalid: Environment variable 'K' of type 'VALUE' must have a value set"],
    [{ type: 'COMMAND', command: { value: 'x', environment: { variables: [{ name: 'S', type: 'SECRET' }] } } }, "Health check's `CommandInfo` is invalid: Environment variable 'S' of type 'SECRET' must have a secret set"],
    [{ type: 'HTTP', http: { port: 80, scheme: 'ftp' } }, "Unsupported HTTP health check scheme: 'ftp'"],
    [{ type: 'HTTP', http: { port: 80, path: 'healthz' } }, "The path 'healthz' of HTTP health check must start with '/'"],
    [{ type: 'HTTP', http: { port: 0 } }, 'The port 0 of HTTP health check must be between 1 and 65535'],
    [{ type: 'TCP', tcp: { port: 70000 } }, 'The port 70000 of TCP health check must be between 1 and 65535'],
    [{ type: 'TCP', tcp: { port: 1 }, delay_seconds: -1 }, "Expecting 'delay_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 1 }, grace_period_seconds: -1 }, "Expecting 'grace_period_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 1 }, interval_seconds: -0.5 }, "Expecting 'interval_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 1 }, timeout_seconds: -1 }, "Expecting 'timeout_seconds' to be non-negative"],
  ];
  for (const [json, want] of cases) assert.equal(healthCheckProblem(hc(json)), want, JSON.stringify(json));
});

test('checks: valid ones pass', () => {
  for (const json of [
    { type: 'COMMAND', command: { command: { value: 'ls /ready' } } },
    { type: 'HTTP', http: { port: 8080, path: '/status' } },
    { type: 'HTTP', http: { port: 8080 } },
    { type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 0, timeout_seconds: 0 },
  ]) {
    assert.equal(checkProblem(ci(json)), undefined, JSON.stringify(json));
  }
  assert.equal(checkProblem(undefined), undefined);
});

test("checks: each problem in Mesos's words (type/sub-message match, command, path, port, durations)", () => {
  const cases: Array<[object, string]> = [
    [{}, "CheckInfo must specify 'type'"],
    [{ type: 'UNKNOWN' }, "'UNKNOWN' is not a valid check type"],
    [{ type: 'COMMAND' }, "Expecting 'command' to be set for COMMAND check"],
    [{ type: 'COMMAND', http: { port: 1 } }, "Expecting 'command' to be set for COMMAND check"],
    [{ type: 'HTTP' }, "Expecting 'http' to be set for HTTP check"],
    [{ type: 'TCP', http: { port: 1 } }, "Expecting 'tcp' to be set for TCP check"],
    [{ type: 'COMMAND', command: { command: { shell: true } } }, "Command check must contain 'shell command'"],
    [{ type: 'COMMAND', command: { command: { shell: false } } }, "Command check must contain 'executable path'"],
    [{ type: 'COMMAND', command: { command: { value: 'x', environment: { variables: [{ name: 'V', value: '1', secret: { type: 'VALUE', value: { data: 'eA==' } } }] } } } },
      "Check's `CommandInfo` is invalid: Environment variable 'V' of type 'VALUE' must not have a secret set"],
    [{ type: 'COMMAND', command: { command: { value: 'x', environment: { variables: [{ name: 'U', type: 'UNKNOWN', value: '1' }] } } } },
      "Check's `CommandInfo` is invalid: Environment variable of type 'UNKNOWN' is not allowed"],
    [{ type: 'HTTP', http: { port: 80, path: 'status' } }, "The path 'status' of HTTP check must start with '/'"],
    [{ type: 'HTTP', http: { port: 65536 } }, 'The port 65536 of HTTP check must be between 1 and 65535'],
    [{ type: 'TCP', tcp: { port: 0 } }, 'The port 0 of TCP check must be between 1 and 65535'],
    [{ type: 'TCP', tcp: { port: 1 }, delay_seconds: -1 }, "Expecting 'delay_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 1 }, interval_seconds: -1 }, "Expecting 'interval_seconds' to be non-negative"],
    [{ type: 'TCP', tcp: { port: 1 }, timeout_seconds: -1 }, "Expecting 'timeout_seconds' to be non-negative"],
  ];
  for (const [json, want] of cases) assert.equal(checkProblem(ci(json)), want, JSON.stringify(json));
});

function commandTask(id: string, offer: Offer, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    command: { value: 'sleep 10', shell: true },
    ...extra,
  };
}

test('ACCEPT: a task with an invalid check or health check gets TASK_ERROR naming the problem; valid ones launch', () => {
  const h = new Harness();
  const agent = h.agent();
  const s = h.scheduler();
  h.settle();
  const offer = s.liveOffers()[0];
  assert.ok(offer, 'an offer');
  const tasks: TaskInfo[] = [
    commandTask('checked', offer, {
      health_check: hc({ type: 'HTTP', http: { port: 8080, path: '/health' } }),
      check: ci({ type: 'TCP', tcp: { port: 8080 } }),
    }),
    commandTask('bad-health', offer, { health_check: hc({ type: 'HTTP', http: { port: 8080, scheme: 'gopher' } }) }),
    commandTask('bad-check', offer, { check: ci({ type: 'HTTP', http: { port: 8080, path: 'no-slash' } }) }),
    commandTask('both-bad', offer, { check: ci({ type: 'TCP' }), health_check: hc({ type: 'TCP' }) }),
  ];
  const r = s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] } });
  assert.ok(r.ok);
  h.settle();
  const byTask = new Map(s.updates().map((u) => [u.task_id.value, u]));
  for (const [id, message] of [
    ['bad-health', "Task uses invalid health check: Unsupported HTTP health check scheme: 'gopher'"],
    ['bad-check', "Task uses invalid check: The path 'no-slash' of HTTP check must start with '/'"],
    ['both-bad', "Task uses invalid check: Expecting 'tcp' to be set for TCP check"],
  ] as const) {
    const u = byTask.get(id);
    assert.ok(u, `an update for ${id}`);
    assert.equal(u.state, 'TASK_ERROR');
    assert.equal(u.reason, 'REASON_TASK_INVALID');
    assert.equal(u.message, message);
  }
  assert.equal(byTask.get('checked'), undefined, 'the valid task got no error');
  const run = agent.ofType('RUN_TASK');
  assert.equal(run.length, 1);
  const launched = run[0]!.run_task!.task;
  assert.equal(launched.task_id.value, 'checked');
  assert.deepEqual(launched.check, ci({ type: 'TCP', tcp: { port: 8080 } }), 'the check reaches the agent as given');
  assert.equal(launched.health_check?.http?.path, '/health');
});
