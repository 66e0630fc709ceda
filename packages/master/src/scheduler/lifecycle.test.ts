import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameworkInfo, Offer, TaskInfo } from '@agora/protocol';
import { FakeScheduler, Harness, testUuid, type FakeAgent } from '../testing/harness.ts';

function commandTask(id: string, offer: Offer, resources = 'cpus:1;mem:128'): TaskInfo {
  const res = resources.split(';').map((kv) => {
    const [name, value] = kv.split(':');
    return { name: name!, type: 'SCALAR' as const, scalar: { value: Number(value) } };
  });
  return { name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: res, command: { value: 'sleep 10', shell: true } };
}

function launch(s: FakeScheduler, offer: Offer, tasks: TaskInfo[], refuse?: number) {
  return s.call({
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], ...(refuse !== undefined ? { filters: { refuse_seconds: refuse } } : {}) },
  });
}

function setup(): { h: Harness; agent: FakeAgent; s: FakeScheduler; offer: Offer } {
  const h = new Harness();
  const agent = h.agent();
  const s = h.scheduler();
  h.settle();
  const offer = s.liveOffers()[0];
  assert.ok(offer, 'an offer arrives after subscribing');
  return { h, agent, s, offer };
}

test('SUBSCRIBE: SUBSCRIBED then HEARTBEAT, then heartbeats every interval', () => {
  const h = new Harness({ heartbeatIntervalMs: 5000 });
  const s = h.scheduler();
  assert.deepEqual(s.events.slice(0, 2).map((e) => e.type), ['SUBSCRIBED', 'HEARTBEAT']);
  assert.equal(s.frameworkId, 'M-0000');
  assert.equal(s.events[0]!.subscribed!.heartbeat_interval_seconds, 5);
  h.advance(15_000);
  assert.equal(s.ofType('HEARTBEAT').length, 4);
});

test('an agent registers and its resources are offered whole, one offer per agent and role', () => {
  const { h, agent, offer } = setup();
  assert.equal(agent.id, 'M-S0');
  assert.equal(offer.agent_id.value, 'M-S0');
  assert.equal(offer.hostname, 'host1');
  assert.equal(offer.url?.address.ip, '127.0.0.1', 'the address the agent advertised');
  const cpus = offer.resources?.find((r) => r.name === 'cpus');
  assert.equal(cpus?.scalar?.value, 4);
  assert.equal(cpus?.role, '*', 'pre-refinement format for frameworks without RESERVATION_REFINEMENT');
  const snap = h.metrics.snapshot();
  assert.equal(snap['master/cpus_total'], 4);
  assert.equal(snap['master/mem_total'], 4096);
  assert.equal(offer.allocation_info, undefined, 'allocation_info is stripped without MULTI_ROLE');
});

test('launch → RUN_TASK → updates forwarded with uuid → acknowledgements reach the agent → terminal ack completes the task', () => {
  const { h, agent, s, offer } = setup();
  assert.ok(launch(s, offer, [commandTask('t1', offer)]).ok);
  h.settle();
  const run = agent.ofType('RUN_TASK');
  assert.equal(run.length, 1);
  assert.equal(run[0]!.run_task!.task.task_id.value, 't1');
  assert.equal(run[0]!.run_task!.framework.id?.value, s.frameworkId);
  assert.equal(h.master.frameworks.get(s.frameworkId!)!.tasks.get('t1')!.task.state, 'TASK_STAGING');

  const u1 = testUuid();
  agent.update(s.frameworkId!, 't1', 'TASK_RUNNING', u1);
  const fwd = s.updates('t1');
  assert.equal(fwd.length, 1);
  assert.equal(fwd[0]!.state, 'TASK_RUNNING');
  assert.equal(fwd[0]!.uuid, u1, 'the uuid travels to the scheduler');
  assert.ok(s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: { value: 't1' }, uuid: u1 } }).ok);
  h.settle();
  assert.equal(agent.ofType('STATUS_UPDATE_ACKNOWLEDGEMENT').length, 1);

  const u2 = testUuid();
  agent.update(s.frameworkId!, 't1', 'TASK_FINISHED', u2);
  const fw = h.master.frameworks.get(s.frameworkId!)!;
  assert.equal(fw.tasks.get('t1')!.task.state, 'TASK_FINISHED', 'terminal but not acknowledged: still a task');
  assert.ok(fw.tasks.get('t1')!.released, 'resources are released at the first terminal update');
  s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: offer.agent_id, task_id: { value: 't1' }, uuid: u2 } });
  h.settle();
  assert.equal(fw.tasks.has('t1'), false);
  assert.equal(fw.completedTasks.values()[0]!.task.task_id.value, 't1');
});

test('the unused part of an accepted offer is declined with the call filter; freed resources are offered again', () => {
  const { h, s, offer } = setup();
  launch(s, offer, [commandTask('t1', offer, 'cpus:1;mem:128')], 0);
  h.advance(1000);
  const next = s.liveOffers();
  assert.equal(next.length, 1);
  assert.equal(next[0]!.resources?.find((r) => r.name === 'cpus')?.scalar?.value, 3);
});

test('decline filters: not offered again until refuse_seconds elapse', () => {
  const { h, s, offer } = setup();
  s.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 10 } } });
  h.advance(5000);
  assert.equal(s.liveOffers().length, 0, 'filtered');
  h.advance(6000);
  assert.equal(s.liveOffers().length, 1, 'offered again after the filter expired');
});

test('launch validation: each problem is a TASK_ERROR naming it', () => {
  const { h, s, offer } = setup();
  const good = commandTask('ok', offer);
  const tasks: TaskInfo[] = [
    good,
    { ...commandTask('ok', offer) },
    { ...commandTask('a/b', offer) },
    { ...commandTask('..', offer) },
    { ...commandTask('x'.repeat(300), offer) },
    { ...commandTask('both', offer), executor: { executor_id: { value: 'e' }, command: { value: 'x', shell: true } } },
    { ...commandTask('neither', offer), command: undefined },
    { ...commandTask('big', offer, 'cpus:100;mem:128') },
    { ...commandTask('wrong-agent', offer), agent_id: { value: 'elsewhere' } },
    { ...commandTask('none', offer), resources: [] },
    { ...commandTask('neg', offer), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] },
  ];
  launch(s, offer, tasks);
  h.settle();
  const errors = new Map(s.updates().map((u) => [u.task_id.value.slice(0, 20), u]));
  for (const [id, want] of [
    ['ok', /duplicate ID/],
    ['a/b', /contains '\/'/],
    ['..', /not allowed/],
    ['xxxxxxxxxxxxxxxxxxxx', /longer than 255 bytes/],
    ['both', /at least one \(but not both\)/],
    ['neither', /at least one \(but not both\)/],
    ['big', /more resources/],
    ['wrong-agent', /does not match offer's agent ID/],
    ['none', /use no resources/],
    ['neg', /invalid resources/],
  ] as const) {
    const u = errors.get(id);
    assert.ok(u, `an update for ${id}`);
    assert.equal(u.state, 'TASK_ERROR', id);
    assert.equal(u.reason, 'REASON_TASK_INVALID', id);
    assert.match(u.message ?? '', want, id);
    assert.equal(u.source, 'SOURCE_MASTER');
    assert.equal(u.uuid, undefined, 'master-generated updates carry no uuid');
  }
  const fw = h.master.frameworks.get(s.frameworkId!)!;
  assert.deepEqual([...fw.tasks.keys()], ['ok'], 'only the valid task launched');
});

test('invalid offers: TASK_LOST for frameworks that are not partition-aware, TASK_DROPPED for those that are', () => {
  for (const aware of [false, true]) {
    const h = new Harness();
    h.agent();
    const s = h.scheduler(aware ? { capabilities: [{ type: 'PARTITION_AWARE' }] } : {});
    const offer = s.liveOffers()[0]!;
    const ghost = { ...offer, id: { value: 'M-O999' } };
    launch(s, ghost, [commandTask('t', offer)]);
    const u = s.updates('t')[0]!;
    assert.equal(u.state, aware ? 'TASK_DROPPED' : 'TASK_LOST');
    assert.equal(u.reason, 'REASON_INVALID_OFFERS');
    assert.match(u.message ?? '', /no longer valid/);
    // An offer cannot be used twice.
    launch(s, offer, [commandTask('a', offer)]);
    launch(s, offer, [commandTask('b', offer)]);
    assert.equal(s.updates('b')[0]?.reason, 'REASON_INVALID_OFFERS');
  }
});

test('KILL reaches the agent; KILL of an unknown task answers with reconciliation', () => {
  const { h, agent, s, offer } = setup();
  launch(s, offer, [commandTask('t1', offer)]);
  h.settle();
  s.call({ type: 'KILL', kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 2e9 } } } });
  h.settle();
  const k = agent.ofType('KILL_TASK')[0]!.kill_task!;
  assert.equal(k.task_id.value, 't1');
  assert.equal(k.kill_policy?.grace_period?.nanoseconds, 2e9);
  s.call({ type: 'KILL', kill: { task_id: { value: 'nope' }, agent_id: offer.agent_id } });
  const u = s.updates('nope')[0]!;
  assert.equal(u.state, 'TASK_LOST', 'TASK_GONE becomes TASK_LOST without PARTITION_AWARE');
  assert.equal(u.reason, 'REASON_RECONCILIATION');
});

test('reconciliation: implicit returns every task; explicit follows the table', () => {
  const h = new Harness();
  const agent = h.agent();
  const s = h.scheduler({ capabilities: [{ type: 'PARTITION_AWARE' }] });
  const offer = s.liveOffers()[0]!;
  launch(s, offer, [commandTask('t1', offer), commandTask('t2', offer)]);
  h.settle();
  agent.update(s.frameworkId!, 't1', 'TASK_RUNNING', testUuid());
  const before = s.updates().length;
  s.call({ type: 'RECONCILE', reconcile: {} });
  const implicit = s.updates().slice(before);
  assert.deepEqual(implicit.map((u) => [u.task_id.value, u.state, u.reason]).sort(), [
    ['t1', 'TASK_RUNNING', 'REASON_RECONCILIATION'],
    ['t2', 'TASK_STAGING', 'REASON_RECONCILIATION'],
  ]);
  assert.ok(implicit.every((u) => u.uuid === undefined && u.message === 'Reconciliation: Latest task state'));

  const n = s.updates().length;
  s.call({
    type: 'RECONCILE',
    reconcile: {
      tasks: [
        { task_id: { value: 't1' } },
        { task_id: { value: 'ghost' }, agent_id: offer.agent_id },
        { task_id: { value: 'ghost2' }, agent_id: { value: 'no-such-agent' } },
        { task_id: { value: 'ghost3' } },
      ],
    },
  });
  const explicit = s.updates().slice(n).map((u) => [u.task_id.value, u.state]);
  assert.deepEqual(explicit, [
    ['t1', 'TASK_RUNNING'],
    ['ghost', 'TASK_GONE'],
    ['ghost2', 'TASK_UNKNOWN'],
    ['ghost3', 'TASK_UNKNOWN'],
  ]);
});

test('failover: a disconnected framework keeps its tasks within failover_timeout; the old stream gets "Framework failed over"', () => {
  const h = new Harness();
  const agent = h.agent();
  const s = h.scheduler({ failover_timeout: 60 });
  const offer = s.liveOffers()[0]!;
  launch(s, offer, [commandTask('t1', offer)]);
  h.settle();
  const oldStream = s.stream!;
  oldStream.disconnect();
  h.advance(30_000);
  assert.ok(h.master.frameworks.has(s.frameworkId!), 'still known within the failover timeout');
  assert.equal(h.master.frameworks.get(s.frameworkId!)!.connected, false);
  assert.equal(s.call({ type: 'REVIVE', revive: {} }).ok, false, 'calls are refused while disconnected');
  s.subscribe();
  h.settle();
  assert.equal(s.events[0]!.type, 'SUBSCRIBED');
  assert.equal(s.frameworkId, h.master.frameworks.get(s.frameworkId!)!.id);
  assert.ok(h.master.frameworks.get(s.frameworkId!)!.tasks.has('t1'), 'tasks kept');
  assert.equal(agent.ofType('SHUTDOWN_FRAMEWORK').length, 0);

  // A second subscription while connected: the old stream is told and closed.
  const first = s.stream!;
  s.subscribe();
  assert.equal(first.closed, true);
  assert.equal(first.events.at(-1)!.type, 'ERROR');
  assert.equal(first.events.at(-1)!.error!.message, 'Framework failed over');
});

test('failover timeout elapsed: the framework is removed, its tasks killed, and it may not come back', () => {
  const h = new Harness();
  const agent = h.agent();
  const s = h.scheduler({ failover_timeout: 10 });
  const offer = s.liveOffers()[0]!;
  launch(s, offer, [commandTask('t1', offer)]);
  h.settle();
  s.stream!.disconnect();
  h.advance(11_000);
  assert.equal(h.master.frameworks.has(s.frameworkId!), false);
  assert.equal(agent.ofType('SHUTDOWN_FRAMEWORK').length, 1);
  const done = h.master.completedFrameworks.values()[0]!;
  assert.equal(done.completedTasks.values()[0]!.task.state, 'TASK_KILLED');
  s.subscribe();
  assert.equal(s.events[0]!.type, 'ERROR');
  assert.equal(s.events[0]!.error!.message, 'Framework has been removed');
});

test('TEARDOWN removes the framework and shuts it down on its agents', () => {
  const { h, agent, s, offer } = setup();
  launch(s, offer, [commandTask('t1', offer)]);
  h.settle();
  assert.ok(s.call({ type: 'TEARDOWN' }).ok);
  h.settle();
  assert.equal(agent.ofType('SHUTDOWN_FRAMEWORK').length, 1);
  assert.equal(s.stream!.closed, true);
  assert.equal(h.master.frameworks.size, 0);
});

test('agent health: missed pings make it unreachable; re-registration brings the tasks back', () => {
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 3 });
  const agent = h.agent();
  const aware = h.scheduler({ name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
  const plain = h.scheduler({ name: 'plain' });
  h.settle();
  const o1 = aware.liveOffers()[0] ?? plain.liveOffers()[0]!;
  const owner = aware.liveOffers()[0] ? aware : plain;
  launch(owner, o1, [commandTask('t1', o1, 'cpus:1;mem:128')], 0);
  h.advance(1000);
  const other = owner === aware ? plain : aware;
  const o2 = other.liveOffers()[0]!;
  launch(other, o2, [commandTask('t2', o2, 'cpus:1;mem:128')]);
  h.settle();
  agent.update(owner.frameworkId!, 't1', 'TASK_RUNNING', testUuid());
  agent.update(other.frameworkId!, 't2', 'TASK_RUNNING', testUuid());

  agent.answerPings = false;
  h.advance(5000);
  assert.equal(h.master.agents.size, 0);
  assert.ok(h.master.unreachableAgents.has(agent.id!));
  assert.equal(aware.lastState(owner === aware ? 't1' : 't2'), 'TASK_UNREACHABLE');
  assert.equal(plain.lastState(owner === plain ? 't1' : 't2'), 'TASK_LOST');
  assert.equal(aware.updates().at(-1)!.reason, 'REASON_AGENT_REMOVED');
  assert.equal(aware.ofType('FAILURE')[0]!.failure!.agent_id!.value, agent.id);
  assert.equal(h.metrics.snapshot()['master/slave_unreachable_completed'], 1);

  // The partition heals: the agent re-registers with its tasks, which continue.
  agent.answerPings = true;
  agent.reconnect();
  const fwOf = (tid: string) => (tid === 't1' ? owner : other).frameworkId!;
  agent.send({
    type: 'REREGISTER_AGENT',
    reregister_agent: {
      agent_info: { hostname: agent.hostname, port: agent.port, id: { value: agent.id! }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } }] },
      version: '1.11.0',
      tasks: ['t1', 't2'].map((tid) => ({
        name: tid,
        task_id: { value: tid },
        framework_id: { value: fwOf(tid) },
        agent_id: { value: agent.id! },
        state: 'TASK_RUNNING' as const,
        resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, allocation_info: { role: '*' } }],
      })),
      frameworks: [aware.info, plain.info].map((f, i) => ({ ...f, id: { value: [aware, plain][i]!.frameworkId! } })),
    },
  });
  h.settle();
  assert.equal(h.master.agents.size, 1);
  assert.equal(aware.updates().at(-1)!.state, 'TASK_RUNNING');
  assert.equal(aware.updates().at(-1)!.reason, 'REASON_AGENT_REREGISTERED');
  assert.equal(plain.updates().at(-1)!.state, 'TASK_RUNNING');
  assert.equal(h.master.frameworks.get(aware.frameworkId!)!.unreachableTasks.size, 0);
});

test('a dropped channel loses the tasks of frameworks that do not checkpoint, keeps the others', () => {
  const h = new Harness();
  const agent = h.agent();
  const cp = h.scheduler({ name: 'cp', checkpoint: true });
  const nocp = h.scheduler({ name: 'nocp' });
  h.settle();
  const [a, b] = [cp.liveOffers()[0], nocp.liveOffers()[0]];
  const first = a ? cp : nocp;
  launch(first, (a ?? b)!, [commandTask('x', (a ?? b)!, 'cpus:1;mem:128')], 0);
  h.advance(1000);
  const second = first === cp ? nocp : cp;
  const o = second.liveOffers()[0]!;
  launch(second, o, [commandTask('y', o, 'cpus:1;mem:128')]);
  h.settle();
  agent.pair.sever();
  h.settle();
  assert.equal(nocp.updates().at(-1)?.state, 'TASK_LOST');
  assert.equal(nocp.updates().at(-1)?.reason, 'REASON_AGENT_DISCONNECTED');
  assert.equal(cp.updates().length, 0, 'checkpointing framework: tasks wait for the agent');
});

test('SUPPRESS stops offers for a role; REVIVE restores them and clears filters', () => {
  const { h, s, offer } = setup();
  s.call({ type: 'SUPPRESS', suppress: {} });
  s.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 1000 } } });
  h.advance(3000);
  assert.equal(s.liveOffers().length, 0);
  s.call({ type: 'REVIVE', revive: {} });
  h.settle();
  assert.equal(s.liveOffers().length, 1);
  assert.equal(s.call({ type: 'REVIVE', revive: { roles: ['not-mine'] } }).ok, false);
});

test('two frameworks in one role share an agent pool fairly (DRF)', () => {
  const h = new Harness();
  for (let i = 0; i < 4; i++) h.agent('cpus:2;mem:2048', `h${i}`);
  // Both subscribe before the (coalesced) allocation run.
  const a = new FakeScheduler(h, { user: 'root', name: 'a', failover_timeout: 0, checkpoint: false });
  const b = new FakeScheduler(h, { user: 'root', name: 'b', failover_timeout: 0, checkpoint: false });
  a.subscribe();
  b.subscribe();
  h.settle();
  const count = (s: FakeScheduler) => s.liveOffers().length;
  assert.equal(count(a) + count(b), 4);
  assert.equal(count(a), 2, 'each framework gets half of the agents');
  assert.equal(count(b), 2);
});

test('RESERVE inside ACCEPT converts the offer and checkpoints the reservation on the agent', () => {
  const h = new Harness();
  const agent = h.agent('cpus:4;mem:1024');
  const s = h.scheduler({ role: 'eng', principal: 'ops' });
  const offer = s.liveOffers()[0]!;
  s.call({
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer.id],
      operations: [{ type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng', reservation: { principal: 'ops' } }] } }],
      filters: { refuse_seconds: 0 },
    },
  });
  h.advance(1000);
  const cp = agent.ofType('CHECKPOINT_RESOURCES')[0]!.checkpoint_resources!.resources!;
  assert.equal(cp.length, 1);
  assert.equal(cp[0]!.reservations?.[0]?.role, 'eng');
  const again = s.liveOffers()[0]!;
  const reserved = again.resources?.find((r) => r.name === 'cpus' && r.role === 'eng');
  assert.equal(reserved?.scalar?.value, 2, 'the reservation is offered to the role');
  assert.equal(reserved?.reservation?.principal, 'ops');
});

test('framework-level SUBSCRIBE errors come back as ERROR events', () => {
  const h = new Harness({ rolesWhitelist: new Set(['eng']) });
  for (const [info, want] of [
    [{ role: 'ops' }, /not present in the master's --roles/],
    [{ role: 'a//b' }, /is invalid/],
    [{ roles: ['eng'] }, /must not be set when the framework is not MULTI_ROLE/],
    [{ role: 'eng', capabilities: [{ type: 'MULTI_ROLE' }] }, /must not be set when the framework is MULTI_ROLE/],
    [{ failover_timeout: -1 }, /failover_timeout/],
  ] as Array<[Partial<FrameworkInfo>, RegExp]>) {
    const s = h.scheduler(info);
    assert.equal(s.events.length, 1);
    assert.equal(s.events[0]!.type, 'ERROR');
    assert.match(s.events[0]!.error!.message, want);
    assert.equal(s.stream!.closed, true);
  }
  assert.equal(h.master.frameworks.size, 0);
});

test('--offer-timeout rescinds unused offers (no filter: they come back); an agent that disconnects has its offers rescinded', () => {
  const h = new Harness({ offerTimeoutMs: 3000 });
  const agent = h.agent();
  const s = h.scheduler();
  const first = s.liveOffers()[0]!;
  h.advance(3000);
  assert.ok(s.ofType('RESCIND').some((e) => e.rescind!.offer_id.value === first.id.value), 'rescinded after the offer timeout');
  h.advance(1000);
  const again = s.liveOffers()[0];
  assert.ok(again && again.id.value !== first.id.value, 're-offered without a filter');
  agent.pair.sever();
  h.settle();
  assert.ok(s.ofType('RESCIND').some((e) => e.rescind!.offer_id.value === again.id.value), 'rescinded when the agent went away');
  assert.equal(h.master.offers.size, 0);
});
