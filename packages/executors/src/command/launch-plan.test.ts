import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandInfo, TaskInfo } from '@agora/protocol';
import { allocationRole, commandArgv, DEFAULT_PATH, describeExit, requestedUser, taskEnvironment } from './launch-plan.ts';

const cmd = (c: Partial<CommandInfo>): CommandInfo => ({ shell: true, ...c });

test('argv: shell form ignores arguments; argv form takes argv[0] from arguments', () => {
  assert.deepEqual(commandArgv('t', cmd({ value: 'echo hi', arguments: ['ignored'] })), { ok: true, value: { file: '/bin/sh', args: ['-c', 'echo hi'], argv0: 'sh' } });
  assert.deepEqual(commandArgv('t', cmd({ shell: false, value: '/bin/echo', arguments: ['echo', 'a', 'b'] })), {
    ok: true,
    value: { file: '/bin/echo', args: ['a', 'b'], argv0: 'echo' },
  });
  assert.deepEqual(commandArgv('t', cmd({ shell: false, value: '/bin/true' })), { ok: true, value: { file: '/bin/true', args: [], argv0: '/bin/true' } });
  assert.deepEqual(commandArgv('t', cmd({})), { ok: false, error: "Shell command of task 't' is not specified" });
  assert.deepEqual(commandArgv('t', cmd({ shell: false, arguments: ['x'] })), { ok: false, error: "Executable of task 't' is not specified" });
});

const base = {
  sandbox: '/sb',
  taskId: 't',
  frameworkId: 'f',
  executorId: 'e',
  agentEndpoint: '10.0.0.1:5051',
  role: undefined,
  path: undefined,
  home: undefined,
  containerId: undefined,
};

test('environment: base, overrides, role, and refusals', () => {
  assert.deepEqual(taskEnvironment(base, cmd({ value: 'x' })), {
    ok: true,
    value: { PATH: DEFAULT_PATH, HOME: '/sb', MESOS_SANDBOX: '/sb', MESOS_TASK_ID: 't', MESOS_FRAMEWORK_ID: 'f', MESOS_EXECUTOR_ID: 'e', MESOS_AGENT_ENDPOINT: '10.0.0.1:5051' },
  });
  const r = taskEnvironment({ ...base, role: 'eng', path: '/bin', home: '/home/u' }, cmd({ environment: { variables: [{ name: 'HOME', type: 'VALUE', value: '/elsewhere' }] } }));
  assert.ok(r.ok);
  assert.equal(r.value.MESOS_ALLOCATION_ROLE, 'eng');
  assert.equal(r.value.PATH, '/bin');
  assert.equal(r.value.HOME, '/elsewhere');
  const marked = taskEnvironment({ ...base, containerId: 'c-1' }, cmd({ environment: { variables: [{ name: 'AGORA_CONTAINER_ID', type: 'VALUE', value: 'mine' }] } }));
  assert.ok(marked.ok && marked.value.AGORA_CONTAINER_ID === 'c-1', 'the agent-given container ID wins');
  const secret = taskEnvironment(base, cmd({ environment: { variables: [{ name: 'S', type: 'SECRET' }] } }));
  assert.deepEqual(secret, { ok: false, error: "Environment variable 'S' is a secret, and this executor cannot resolve secrets" });
  assert.deepEqual(taskEnvironment(base, cmd({ environment: { variables: [{ name: 'V', type: 'VALUE' }] } })), { ok: false, error: "Environment variable 'V' has no value" });
  assert.deepEqual(taskEnvironment(base, cmd({ environment: { variables: [{ name: 'U', type: 'UNKNOWN', value: 'x' }] } })), { ok: false, error: "Environment variable 'U' has an unknown type" });
});

const task = (extra: Partial<TaskInfo> = {}): TaskInfo => ({ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, ...extra });

test('allocation role and user', () => {
  const fw = { user: 'fwuser', name: 'f', failover_timeout: 0, checkpoint: false };
  assert.equal(allocationRole(task({ resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'eng/web' } }] }), fw), 'eng/web');
  assert.equal(allocationRole(task(), { ...fw, roles: ['ops'] }), 'ops');
  assert.equal(allocationRole(task(), { ...fw, roles: ['a', 'b'] }), undefined, 'ambiguous');
  assert.equal(allocationRole(task(), { ...fw, role: 'legacy' }), 'legacy');
  assert.equal(allocationRole(task(), undefined), undefined);
  assert.equal(requestedUser(task({ command: { shell: true, user: 'cmduser' } }), fw), 'cmduser');
  assert.equal(requestedUser(task({ command: { shell: true } }), fw), 'fwuser');
  assert.equal(requestedUser(task(), undefined), undefined);
});

test('exit descriptions', () => {
  assert.equal(describeExit(0, null), 'Command exited with status 0');
  assert.equal(describeExit(3, null), 'Command exited with status 3');
  assert.equal(describeExit(null, 'SIGKILL'), 'Command terminated with signal SIGKILL');
});
