import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskInfo } from '@agora/protocol';
import { commandExecutorInfo, commandExecutorName } from './command-executor.ts';

const task = (command: TaskInfo['command'], extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: 'n', task_id: { value: 't1' }, agent_id: { value: 'S1' }, command, ...extra,
});

test('names the command executor as Mesos does', () => {
  assert.equal(commandExecutorName(task({ shell: true, value: 'echo hi' })), "Command Executor (Task: t1) (Command: sh -c 'echo hi')");
  assert.equal(commandExecutorName(task({ shell: true, value: '123456789012345' })), "Command Executor (Task: t1) (Command: sh -c '123456789012345')");
  assert.equal(commandExecutorName(task({ shell: true, value: 'sleep 1000 && echo done' })), "Command Executor (Task: t1) (Command: sh -c 'sleep 1000 &...')");
  assert.equal(commandExecutorName(task({ shell: true })), 'Command Executor (Task: t1) (Command: NO COMMAND)');
  assert.equal(commandExecutorName(task({ shell: false, value: '/bin/ls', arguments: ['ls', '-la'] })), 'Command Executor (Task: t1) (Command: [/bin/ls, ls,...])');
  assert.equal(commandExecutorName(task({ shell: false, value: '/bin/ls' })), 'Command Executor (Task: t1) (Command: [/bin/ls])');
  assert.equal(commandExecutorName(task({ shell: false })), 'Command Executor (Task: t1) (Command: NO EXECUTABLE)');
});

test('the generated ExecutorInfo: ID and source are the task ID; env, user and URIs carried over', () => {
  const info = commandExecutorInfo(
    { user: 'u', name: 'f', id: { value: 'fw' }, failover_timeout: 0, checkpoint: false },
    task(
      { shell: true, value: 'true', user: 'nobody', environment: { variables: [{ name: 'A', type: 'VALUE', value: '1' }] } },
      { kill_policy: { grace_period: { nanoseconds: 2e9 } } },
    ),
    '/bin/ce',
  );
  assert.equal(info.executor_id.value, 't1');
  assert.equal(info.source, 't1');
  assert.equal(info.framework_id!.value, 'fw');
  assert.equal(info.command!.user, 'nobody');
  assert.equal(info.command!.environment!.variables![0]!.name, 'A');
  assert.equal(info.command!.value, '/bin/ce');
  assert.equal(info.shutdown_grace_period!.nanoseconds, 3e9, 'kill grace + 1 s');
});
