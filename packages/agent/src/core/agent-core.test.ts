import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreHarness, commandTask, customTask, FRAMEWORK } from '../testing/core-harness.ts';

test('a command task: generated executor, SUBSCRIBED + LAUNCH, updates forwarded and acknowledged, completion', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(commandTask('t1', 'echo hello world'));
  const ex = h.executor('t1')!;
  assert.equal(ex.state, 'REGISTERING');
  assert.equal(ex.info.name, "Command Executor (Task: t1) (Command: sh -c 'echo hello w...')");
  const launch = h.containerizer.launches[0]!;
  assert.equal(launch.kind, 'command');
  assert.equal(launch.env.MESOS_FRAMEWORK_ID, 'fw-1');
  assert.equal(launch.env.MESOS_EXECUTOR_ID, 't1');
  assert.equal(launch.env.MESOS_SLAVE_ID, 'S1');
  assert.equal(launch.env.MESOS_AGENT_ENDPOINT, '127.0.0.1:5051');
  assert.equal(launch.env.MESOS_SLAVE_PID, 'slave(1)@127.0.0.1:5051');
  assert.equal(launch.env.MESOS_DIRECTORY, '/work/slaves/S1/frameworks/fw-1/executors/t1/runs/c-1');
  assert.equal(launch.env.MESOS_SANDBOX, launch.env.MESOS_DIRECTORY);
  assert.equal(launch.env.MESOS_CHECKPOINT, '0');
  assert.equal(launch.env.MESOS_HTTP_COMMAND_EXECUTOR, '1');
  assert.equal(launch.env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, '5secs');
  assert.equal(launch.env.AGORA_CONTAINER_ID, 'c-1');
  assert.equal(launch.env.MESOS_RECOVERY_TIMEOUT, undefined, 'checkpointing only');

  const sink = await h.subscribe('t1');
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'LAUNCH']);
  const sub = sink.events[0]!.subscribed!;
  assert.equal(sub.container_id!.value, 'c-1');
  assert.equal(sub.agent_info.id!.value, 'S1');
  assert.equal(sub.framework_info.id!.value, 'fw-1');
  assert.equal(ex.launched.get('t1')!.state, 'TASK_STAGING');

  const running = h.status('t1', 'TASK_RUNNING');
  await h.update('t1', running);
  assert.deepEqual(sink.types().slice(2), ['ACKNOWLEDGED'], 'acknowledged to the executor once accepted by the agent');
  assert.deepEqual(h.updates(), ['t1:TASK_RUNNING']);
  const forwarded = h.master.of('STATUS_UPDATE')[0]!.status_update!.update;
  assert.equal(forwarded.status.source, 'SOURCE_EXECUTOR');
  assert.equal(forwarded.status.agent_id!.value, 'S1');
  assert.equal(forwarded.status.container_status!.container_id!.value, 'c-1');
  assert.equal(forwarded.latest_state, 'TASK_RUNNING');
  await h.update('t1', h.status('t1', 'TASK_FINISHED'));
  assert.deepEqual(h.updates(), ['t1:TASK_RUNNING'], 'FINISHED waits for the RUNNING ack');
  assert.equal(ex.terminated.get('t1')!.state, 'TASK_FINISHED');
  h.master.ackAll();
  await h.settle();
  assert.deepEqual(h.updates(), ['t1:TASK_RUNNING', 't1:TASK_FINISHED']);
  h.master.ackAll();
  await h.settle();
  assert.equal(ex.completed.length, 1);
  assert.equal(h.core.counters.tasksFinished, 1);

  h.containerizer.exit('c-1', 0);
  await h.settle();
  assert.equal(h.core.frameworks.size, 0, 'executor and framework completed');
  assert.equal(h.core.completedFrameworks[0]!.completedExecutors[0]!.id, 't1');
  assert.equal(h.master.of('EXECUTOR_EXITED').length, 0, 'the master does not track command executors');
  assert.equal(h.core.statusUpdates.streamCount, 0);
});

test('a custom executor is reused for later tasks; its exit fails active tasks and is reported', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(customTask('a', 'ex1'));
  const sink = await h.subscribe('ex1');
  await h.runTask(customTask('b', 'ex1'));
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'LAUNCH', 'LAUNCH']);
  assert.equal(h.containerizer.launches.length, 1, 'one container for both tasks');
  assert.equal(h.containerizer.launches[0]!.kind, 'custom');
  await h.update('ex1', h.status('a', 'TASK_RUNNING'));
  h.containerizer.exit('c-1', 1 << 8, 'Executor exited with status 1');
  await h.settle();
  h.master.ackAll();
  await h.settle();
  h.master.ackAll();
  await h.settle();
  assert.deepEqual(h.updates(true), ['a:TASK_RUNNING', 'b:TASK_FAILED:REASON_EXECUTOR_TERMINATED', 'a:TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
  const exited = h.master.of('EXECUTOR_EXITED')[0]!.executor_exited!;
  assert.deepEqual(exited, { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex1' }, status: 256 });
  const failed = h.master.of('STATUS_UPDATE')[1]!.status_update!.update.status;
  assert.equal(failed.source, 'SOURCE_AGENT');
  assert.equal(failed.message, 'Executor exited with status 1');
  assert.ok(failed.uuid);
  assert.equal(h.core.frameworks.size, 0);
});

test('KILL_TASK: before delivery → TASK_KILLED during launch (and the executor goes); after → KILL event; unknown → LOST/DROPPED', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(commandTask('queued'));
  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 'queued' } } });
  assert.deepEqual(h.updates(true), ['queued:TASK_KILLED:REASON_TASK_KILLED_DURING_LAUNCH']);
  assert.deepEqual(h.containerizer.destroyed, ['c-1'], 'an executor whose only task was killed is shut down');

  await h.runTask(commandTask('live'));
  const sink = await h.subscribe('live');
  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 'live' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } } });
  assert.deepEqual(sink.events.at(-1), { type: 'KILL', kill: { task_id: { value: 'live' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } } });

  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 'nope' } } });
  assert.equal(h.updates(true).at(-1), 'nope:TASK_LOST:REASON_EXECUTOR_TERMINATED');
  const aware = { ...FRAMEWORK, capabilities: [{ type: 'PARTITION_AWARE' as const }] };
  await h.runTask(commandTask('other'), aware);
  h.master.ackAll();
  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 'nope2' } } });
  assert.ok(h.master.updates().includes('nope2:TASK_DROPPED'), 'partition-aware frameworks get TASK_DROPPED');
});

test('an executor that does not subscribe in time is destroyed; its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT', async () => {
  const h = new CoreHarness({ executorRegistrationTimeoutMs: 60_000 });
  await h.start();
  await h.runTask(commandTask('slow'));
  await h.advance(59_999);
  assert.deepEqual(h.containerizer.destroyed, []);
  await h.advance(1);
  assert.deepEqual(h.containerizer.destroyed, ['c-1']);
  const s = h.master.of('STATUS_UPDATE')[0]!.status_update!.update.status;
  assert.equal(s.state, 'TASK_FAILED');
  assert.equal(s.reason, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
  assert.equal(s.message, 'Executor did not register within 1mins');
});

test('SHUTDOWN_EXECUTOR sends SHUTDOWN and destroys the container after the grace period', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask({ ...customTask('a', 'ex1'), executor: { ...customTask('a', 'ex1').executor!, shutdown_grace_period: { nanoseconds: 2e9 } } });
  const sink = await h.subscribe('ex1');
  await h.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex1' } } });
  assert.equal(sink.events.at(-1)!.type, 'SHUTDOWN');
  await h.advance(1999);
  assert.deepEqual(h.containerizer.destroyed, []);
  await h.advance(1);
  assert.deepEqual(h.containerizer.destroyed, ['c-1']);
  assert.equal(h.updates(true)[0], 'a:TASK_FAILED:REASON_EXECUTOR_TERMINATED');
});

test('SHUTDOWN_FRAMEWORK shuts every executor down without status updates', async () => {
  const h = new CoreHarness({ executorShutdownGracePeriodMs: 100 });
  await h.start();
  await h.runTask(commandTask('t1'));
  await h.runTask(commandTask('t2'));
  await h.subscribe('t1');
  await h.send({ type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: 'fw-1' } } });
  await h.advance(100);
  assert.deepEqual(h.containerizer.destroyed.sort(), ['c-1', 'c-2']);
  assert.deepEqual(h.updates(), []);
  assert.equal(h.core.frameworks.size, 0);
  await h.runTask(commandTask('t3'));
  assert.equal(h.core.frameworks.size, 1, 'a removed framework can come back');
});

test('launch problems become status updates: task-group URIs, invalid IDs, missing default executor, a failed container', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(commandTask('uris', 'x', { command: { shell: true, value: 'x', uris: [{ value: 'http://example.com/a.tgz', extract: true }] } }));
  await h.runTask(commandTask('bad/id'));
  await h.runTask({ ...commandTask('both'), executor: customTask('both', 'e').executor });
  const uri = { value: 'http://example.com/b.tgz', extract: true };
  await h.send({
    type: 'RUN_TASK_GROUP',
    run_task_group: { framework: FRAMEWORK, executor: { executor_id: { value: 'ux' }, type: 'CUSTOM', command: { shell: true, value: 'x' } }, task_group: { tasks: [{ ...commandTask('u1'), command: { shell: true, value: 'x', uris: [uri] } }] } },
  });
  await h.send({
    type: 'RUN_TASK_GROUP',
    run_task_group: { framework: FRAMEWORK, executor: { executor_id: { value: 'default' }, type: 'DEFAULT' }, task_group: { tasks: [commandTask('g1'), commandTask('g2')] } },
  });
  h.containerizer.failNext = 'no such executor';
  await h.runTask(commandTask('fails'));
  h.master.ackAll();
  await h.settle();
  const byTask = new Map(h.master.of('STATUS_UPDATE').map((m) => [m.status_update!.update.status.task_id.value, m.status_update!.update.status]));
  // A command task's URIs go to its generated executor, which the containerizer fetches at launch.
  assert.equal(byTask.get('uris'), undefined);
  assert.deepEqual(h.containerizer.launches.find((l) => l.executorId === 'uris')?.executorInfo.command?.uris, [{ value: 'http://example.com/a.tgz', extract: true }]);
  assert.equal(byTask.get('u1')!.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.equal(byTask.get('u1')!.message, 'Failed to launch container: this agent does not fetch URIs', 'no fetcher given (group-fetch.test.ts has one)');
  assert.equal(byTask.get('bad/id')!.state, 'TASK_ERROR');
  assert.match(byTask.get('bad/id')!.message!, /Task ID 'bad\/id' contains '\/'/);
  assert.equal(byTask.get('both')!.message, 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
  for (const g of ['g1', 'g2']) {
    assert.equal(byTask.get(g)!.state, 'TASK_FAILED');
    assert.match(byTask.get(g)!.message!, /default executor/);
  }
  assert.equal(byTask.get('fails')!.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.match(byTask.get('fails')!.message!, /no such executor/);
  assert.equal(h.core.counters.containerLaunchErrors, 2, "the group's fetch and the failed container");
});

test('a task group runs under a custom executor as one LAUNCH_GROUP; killing one queued task kills the group', async () => {
  const h = new CoreHarness();
  await h.start();
  const group = (ids: string[]) => ({
    type: 'RUN_TASK_GROUP' as const,
    run_task_group: { framework: FRAMEWORK, executor: { executor_id: { value: 'gx' }, type: 'CUSTOM' as const, command: { shell: true, value: 'x' } }, task_group: { tasks: ids.map((id) => ({ name: id, task_id: { value: id }, agent_id: { value: 'S1' } })) } },
  });
  await h.send(group(['a', 'b']));
  await h.send(group(['c', 'd']));
  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 'c' } } });
  assert.deepEqual(h.master.updates(), ['c:TASK_KILLED', 'd:TASK_KILLED']);
  const sink = await h.subscribe('gx');
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'LAUNCH_GROUP']);
  assert.deepEqual(sink.events[1]!.launch_group!.task_group.tasks!.map((t) => t.task_id.value), ['a', 'b']);
});

test('duplicate RUN_TASK is ignored; RECONCILE_TASKS answers only for unknown tasks', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(commandTask('t1'));
  await h.runTask(commandTask('t1'));
  assert.equal(h.containerizer.launches.length, 1);
  await h.send({ type: 'RECONCILE_TASKS', reconcile_tasks: { framework_id: { value: 'fw-1' }, task_ids: [{ value: 't1' }, { value: 'gone' }] } });
  assert.deepEqual(h.updates(true), ['gone:TASK_LOST:REASON_RECONCILIATION']);
});

test('re-subscription: updates replayed, STAGING tasks the executor never got are lost, the old stream is closed', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(customTask('a', 'ex1'));
  await h.runTask(customTask('b', 'ex1'));
  const first = await h.subscribe('ex1');
  const running = h.status('a', 'TASK_RUNNING');
  const forged = { ...h.status('a', 'TASK_STAGING') };
  const second = await h.subscribe('ex1', { unacknowledged_updates: [{ status: running }, { status: forged }], unacknowledged_tasks: [customTask('a', 'ex1')] });
  assert.equal(h.core.counters.invalidStatusUpdates, 1, 'a replayed update that fails validation is ignored');
  assert.equal(first.closed, true);
  assert.deepEqual(second.types(), ['SUBSCRIBED', 'ACKNOWLEDGED']);
  assert.deepEqual(h.updates(true), ['a:TASK_RUNNING', 'b:TASK_LOST:REASON_AGENT_RESTARTED']);
});

test('messages: framework → executor MESSAGE event; executor MESSAGE → EXECUTOR_TO_FRAMEWORK', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(customTask('a', 'ex1'));
  await h.send({ type: 'FRAMEWORK_TO_EXECUTOR', framework_to_executor: { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex1' }, data: 'aGk=' } });
  assert.equal(h.core.counters.invalidFrameworkMessages, 1, 'not subscribed yet: dropped');
  const sink = await h.subscribe('ex1');
  await h.send({ type: 'FRAMEWORK_TO_EXECUTOR', framework_to_executor: { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex1' }, data: 'aGk=' } });
  assert.deepEqual(sink.events.at(-1), { type: 'MESSAGE', message: { data: 'aGk=' } });
  await h.message('ex1', 'aGVsbG8=');
  assert.deepEqual(h.master.of('EXECUTOR_TO_FRAMEWORK')[0]!.executor_to_framework, { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex1' }, data: 'aGVsbG8=' });
});

test('re-registration reports frameworks, custom executors and tasks; unacknowledged heads are re-sent', async () => {
  const h = new CoreHarness();
  await h.start();
  await h.runTask(customTask('a', 'ex1'));
  await h.runTask(commandTask('c1'));
  await h.subscribe('ex1');
  await h.update('ex1', h.status('a', 'TASK_RUNNING'));
  assert.deepEqual(h.updates(), ['a:TASK_RUNNING']);
  h.master.pair.sever();
  await h.settle();
  const rereg = h.master.of('REREGISTER_AGENT')[0]!.reregister_agent!;
  assert.equal(rereg.agent_info.id!.value, 'S1');
  assert.deepEqual(rereg.frameworks!.map((f) => f.id!.value), ['fw-1']);
  assert.deepEqual(rereg.executors!.map((e) => e.executor_info.executor_id.value), ['ex1'], 'not the command executor');
  const tasks = new Map(rereg.tasks!.map((t) => [t.task_id.value, t]));
  assert.equal(tasks.get('a')!.state, 'TASK_RUNNING');
  assert.equal(tasks.get('a')!.status_update_state, 'TASK_RUNNING');
  assert.ok(tasks.get('a')!.status_update_uuid);
  assert.equal(tasks.get('c1')!.state, 'TASK_STAGING');
  assert.deepEqual(h.updates(), ['a:TASK_RUNNING', 'a:TASK_RUNNING'], 'the unacknowledged head is re-sent');
});

test('exit (SIGTERM): non-checkpointing executors get SHUTDOWN and their grace period; checkpointing ones are left alone; after detach nothing changes', async () => {
  const h = new CoreHarness({ executorShutdownGracePeriodMs: 1000 });
  await h.start();
  const checkpointing = { ...FRAMEWORK, id: { value: 'fw-cp' }, checkpoint: true };
  await h.runTask(commandTask('plain'));
  await h.runTask(commandTask('kept'), checkpointing);
  const plain = await h.subscribe('plain');
  const kept = await h.subscribe('kept', {}, 'fw-cp');
  await h.update('plain', h.status('plain', 'TASK_RUNNING'));
  await h.update('kept', h.status('kept', 'TASK_RUNNING'), 'fw-cp');
  const forwarded = h.updates().length;

  let exited = false;
  const exit = h.core.exit().then(() => (exited = true));
  await h.settle();
  assert.equal(plain.types().at(-1), 'SHUTDOWN');
  assert.ok(!kept.types().includes('SHUTDOWN'), 'the checkpointing framework\'s executor hears nothing');
  assert.equal(exited, false, 'waits for the shut down executor');
  await h.runTask(commandTask('late'), checkpointing);
  assert.equal(h.executor('late', 'fw-cp'), undefined, 'no new work while exiting');
  await h.advance(1000);
  await exit;
  assert.deepEqual(h.containerizer.destroyed, ['c-1'], 'destroyed after its grace period');
  assert.equal(h.core.frameworks.has('fw-1'), false);
  assert.equal(h.updates().length, forwarded, 'its task\'s end is not reported (the master reports it lost)');

  h.core.detach();
  h.containerizer.exit('c-2', 0);
  await h.advance(60_000);
  const ex = h.executor('kept', 'fw-cp')!;
  assert.equal(ex.state, 'RUNNING', 'a container ending after detach changes nothing');
  assert.equal(ex.launched.get('kept')!.state, 'TASK_RUNNING');
  assert.equal(h.updates().length, forwarded);
});
