/**
 * Maintenance in the in-process master (Mesos `MasterMaintenanceTest`): a schedule drains
 * machines (offers carry the unavailability, users get inverse offers whose answers show in the
 * status), machines go DOWN (agents shut down and removed, refused while down) and come UP
 * again; the schedule and modes survive a failover through the registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MachineID, Offer, TaskInfo } from '@agora/protocol';
import { MemoryState } from '@agora/state';
import { applyRecovery } from '../ha/recovery.ts';
import { frameworkToV1 } from '../operator/views.ts';
import { Registrar } from '../registrar/registrar.ts';
import { FakeAgent, Harness, testUuid, type FakeScheduler } from '../testing/harness.ts';
import { startMaintenance, stopMaintenance, updateSchedule } from './operations.ts';
import { maintenanceStatus } from './status.ts';

const HOST1: MachineID = { hostname: 'host1', ip: '127.0.0.1' };
const U = { start: { nanoseconds: 1_700_000_000_000_000_000 }, duration: { nanoseconds: 3_600_000_000_000 } };

function task(id: string, offer: Offer): TaskInfo {
  return {
    name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'sleep 100', shell: true },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }],
  };
}

/**
 * Launches a task on the framework's live offer from `agent` (declining its other offers for an
 * hour, so the next framework gets them); the agent reports it running.
 */
function runOn(h: Harness, s: FakeScheduler, agent: FakeAgent, id: string): void {
  const offer = s.liveOffers().find((o) => o.agent_id.value === agent.id);
  assert.ok(offer, `${s.info.name} has an offer from ${agent.hostname}`);
  const others = s.liveOffers().filter((o) => o !== offer).map((o) => o.id);
  assert.ok(s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(id, offer)] } }] } }).ok);
  if (others.length) assert.ok(s.call({ type: 'DECLINE', decline: { offer_ids: others, filters: { refuse_seconds: 3600 } } }).ok);
  h.settle();
  agent.update(s.frameworkId!, id, 'TASK_RUNNING', testUuid());
}

function inverseOffers(s: FakeScheduler) {
  return s.ofType('INVERSE_OFFERS').flatMap((e) => e.inverse_offers!.inverse_offers ?? []);
}

test('a schedule drains a machine: offers from it carry the unavailability, its users get inverse offers, answers show in the status', async () => {
  const h = new Harness();
  const a1 = h.agent('cpus:4;mem:4096');
  const a2 = h.agent('cpus:4;mem:4096');
  const s1 = h.scheduler({ name: 'one' });
  runOn(h, s1, a1, 't1');
  const s2 = h.scheduler({ name: 'two' });
  runOn(h, s2, a1, 't2');
  const s3 = h.scheduler({ name: 'bystander' });
  runOn(h, s3, a2, 't3');

  const r = await updateSchedule(h.master, { windows: [{ machine_ids: [{ hostname: 'HOST1', ip: '127.0.0.1' }], unavailability: U }] });
  assert.ok(r.ok);
  h.settle();
  assert.deepEqual(h.master.maintenance.schedule.windows![0]!.machine_ids, [HOST1], 'hostnames are kept in lower case');

  // Inverse offers go to the frameworks using host1, and only to them.
  const io1 = inverseOffers(s1);
  const io2 = inverseOffers(s2);
  assert.equal(io1.length, 1);
  assert.equal(io2.length, 1);
  assert.equal(inverseOffers(s3).length, 0, 'a framework not on the machine gets none');
  assert.equal(io1[0]!.agent_id?.value, a1.id);
  assert.deepEqual(io1[0]!.unavailability, U);
  assert.notEqual(io1[0]!.id.value, io2[0]!.id.value);
  assert.deepEqual(frameworkToV1(h.master, h.master.frameworks.get(s1.frameworkId!)!).inverse_offers, io1, 'GET_FRAMEWORKS lists outstanding inverse offers');

  // Offers from host1 now carry the unavailability; host2's do not.
  h.advance(6000);
  const offers = [s1, s2, s3].flatMap((s) => s.liveOffers());
  assert.ok(offers.some((o) => o.agent_id.value === a1.id), 'host1 is still offered');
  for (const o of offers) assert.deepEqual(o.unavailability, o.agent_id.value === a1.id ? U : undefined);

  // Answers: s1 accepts, s2 declines; a made-up ID and another framework's ID are ignored.
  assert.ok(s1.call({ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [io1[0]!.id, io2[0]!.id, { value: 'nope' }] } }).ok);
  h.advance(1000);
  assert.ok(s2.call({ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [io2[0]!.id], filters: { refuse_seconds: 3600 } } }).ok);
  const status = maintenanceStatus(h.master);
  assert.equal(status.down_machines, undefined);
  assert.equal(status.draining_machines?.length, 1);
  assert.deepEqual(status.draining_machines![0]!.id, HOST1);
  const byFramework = new Map(status.draining_machines![0]!.statuses!.map((x) => [x.framework_id.value, x]));
  assert.equal(byFramework.get(s1.frameworkId!)?.status, 'ACCEPT');
  assert.equal(byFramework.get(s2.frameworkId!)?.status, 'DECLINE');
  assert.equal(byFramework.get(s2.frameworkId!)!.timestamp.nanoseconds - byFramework.get(s1.frameworkId!)!.timestamp.nanoseconds, 1000 * 1e6);
  assert.equal(byFramework.size, 2);
  // Mesos has no master-wide inverse offer metrics; the per-framework call and event counters count them.
  const snap = h.metrics.snapshot();
  assert.equal(snap[`master/frameworks/one/${s1.frameworkId}/calls/accept_inverse_offers`], 1);
  assert.equal(snap[`master/frameworks/two/${s2.frameworkId}/calls/decline_inverse_offers`], 1);
  assert.equal(snap[`master/frameworks/one/${s1.frameworkId}/events/inverse_offers`], 1);
  h.advance(5000);
  assert.equal(inverseOffers(s1).length, 2, 'asked again once the filter of its answer (5 s without filters, as Mesos) expires');
  assert.equal(inverseOffers(s2).length, 1, 'its decline filtered it for an hour');

  // A new unavailability rescinds what is outstanding and re-sends offers and inverse offers.
  const before = inverseOffers(s1).length;
  const later = { start: { nanoseconds: U.start.nanoseconds + 86_400e9 } };
  assert.ok((await updateSchedule(h.master, { windows: [{ machine_ids: [HOST1], unavailability: later }] })).ok);
  h.settle();
  assert.ok(s1.ofType('RESCIND').length > 0 || s2.ofType('RESCIND').length > 0 || s3.ofType('RESCIND').length > 0, 'host1 offers were rescinded');
  assert.equal(inverseOffers(s1).length, before + 1, 'asked again with the new unavailability');
  assert.deepEqual(inverseOffers(s1).at(-1)!.unavailability, later);
  assert.equal(maintenanceStatus(h.master).draining_machines![0]!.statuses, undefined, 'answers to the old schedule are dropped');

  // An outstanding inverse offer is rescinded when the schedule no longer names the machine.
  const outstanding = inverseOffers(s2).at(-1)!.id.value;
  assert.ok((await updateSchedule(h.master, {})).ok);
  h.settle();
  assert.ok(s2.ofType('RESCIND_INVERSE_OFFER').some((e) => e.rescind_inverse_offer!.inverse_offer_id.value === outstanding));
  assert.deepEqual(maintenanceStatus(h.master), {});
  h.advance(6000);
  for (const o of s1.liveOffers()) assert.equal(o.unavailability, undefined, 'offers without unavailability again');
});

test('machine down: only scheduled DRAINING machines; agents shut down and removed, tasks lost, registration refused; machine up lets them back', async () => {
  const h = new Harness();
  const a1 = h.agent('cpus:2;mem:1024');
  const a2 = h.agent('cpus:2;mem:1024');
  const s = h.scheduler({ capabilities: [{ type: 'PARTITION_AWARE' }] });
  runOn(h, s, a1, 't1');

  const notScheduled = await startMaintenance(h.master, [HOST1], 'machines');
  assert.deepEqual(notScheduled, { ok: false, error: { code: 400, message: `machines[0]: Machine '{"hostname":"host1","ip":"127.0.0.1"}' is not part of a maintenance schedule` } });
  const notDown = await stopMaintenance(h.master, [HOST1], 'machines');
  assert.equal(notDown.ok ? '' : notDown.error.message, `machines[0]: Machine '{"hostname":"host1","ip":"127.0.0.1"}' is not in DOWN mode and cannot be brought up`);

  assert.ok((await updateSchedule(h.master, { windows: [{ machine_ids: [HOST1], unavailability: U }] })).ok);
  assert.ok((await startMaintenance(h.master, [{ hostname: 'Host1', ip: '127.0.0.1' }], 'machines')).ok);
  h.settle();

  const shutdown = a1.ofType('SHUTDOWN_AGENT');
  assert.equal(shutdown.length, 1);
  assert.equal(shutdown[0]!.shutdown_agent!.message, "Operator initiated 'Machine DOWN'");
  assert.equal(h.master.agents.has(a1.id!), false, 'the agent is removed');
  assert.equal(h.master.agents.has(a2.id!), true);
  const lost = s.updates('t1').at(-1)!;
  assert.equal(lost.state, 'TASK_LOST', 'Mesos reports tasks of agents removed for maintenance as TASK_LOST, PARTITION_AWARE or not');
  assert.equal(lost.reason, 'REASON_AGENT_REMOVED');
  assert.equal(lost.source, 'SOURCE_MASTER');
  assert.equal(lost.message, "Agent host1 removed: Operator initiated 'Machine DOWN'");
  assert.ok(s.ofType('FAILURE').some((e) => e.failure!.agent_id?.value === a1.id));
  assert.deepEqual(maintenanceStatus(h.master), { down_machines: [HOST1] });

  // Already down; and a DOWN machine cannot leave the schedule by a new schedule.
  const again = await startMaintenance(h.master, [HOST1], 'machines');
  assert.match(again.ok ? '' : again.error.message, /is not in DRAINING mode and cannot be brought down/);
  const drop = await updateSchedule(h.master, {});
  assert.match(drop.ok ? '' : drop.error.message, /is deactivated \(DOWN\) and cannot be removed from the schedule/);

  // The agent restarts: re-registration and a fresh registration are both refused.
  a1.reconnect();
  a1.reregister('cpus:2;mem:1024', [], []);
  const refusal = a1.ofType('SHUTDOWN_AGENT').at(-1)!.shutdown_agent!.message!;
  assert.match(refusal, /machine \{hostname: 'host1', ip: '127.0.0.1'\} is DOWN for maintenance/);
  const fresh = new FakeAgent(h, 'host1', 5052);
  fresh.register('cpus:2;mem:1024');
  assert.equal(fresh.id, undefined);
  assert.equal(fresh.ofType('SHUTDOWN_AGENT').length, 1);
  assert.equal(h.master.agents.size, 1);

  // Up: out of the schedule, UP, and agents welcome again (with offers that carry no unavailability).
  assert.ok((await stopMaintenance(h.master, [HOST1], 'machines')).ok);
  assert.deepEqual(h.master.maintenance.schedule, {});
  assert.deepEqual(maintenanceStatus(h.master), {});
  const back = new FakeAgent(h, 'host1', 5051);
  back.register('cpus:2;mem:1024');
  assert.ok(back.id, 'registers again');
  h.advance(6000);
  const offer = s.liveOffers().find((o) => o.agent_id.value === back.id);
  assert.ok(offer);
  assert.equal(offer.unavailability, undefined);
});

test('the schedule and machine modes are in the registry before the call is answered, and a new leader recovers them', async () => {
  const state = new MemoryState();
  const leader = async (masterId: string) => {
    const store = state.connect();
    const token = await store.claimEpoch();
    assert.ok(token.ok);
    const registrar = new Registrar(store.fenced(token.value));
    const h = new Harness({}, { masterId, registry: registrar });
    const contents = await registrar.recover();
    assert.ok(contents.ok);
    applyRecovery(h.master, contents.value);
    return h;
  };
  const h1 = await leader('M1');
  const a1 = new FakeAgent(h1, 'host1', 5051);
  a1.register('cpus:2;mem:1024');
  await h1.flush();
  assert.ok(a1.id);
  const other: MachineID = { hostname: 'host9', ip: '10.0.0.9' };
  assert.ok((await updateSchedule(h1.master, { windows: [{ machine_ids: [HOST1], unavailability: U }, { machine_ids: [other], unavailability: U }] })).ok);
  // Written before the promise resolves: a registry read now sees it.
  const written = await new Registrar(state.connect()).recover();
  assert.ok(written.ok);
  assert.equal(written.value.maintenance?.machines.length, 2);
  assert.ok((await startMaintenance(h1.master, [HOST1], 'machines')).ok);
  await h1.flush();
  assert.equal(a1.ofType('SHUTDOWN_AGENT').length, 1);

  // Failover: the second master recovers the schedule and the modes.
  const h2 = await leader('M2');
  assert.deepEqual(h2.master.maintenance.schedule, h1.master.maintenance.schedule);
  assert.deepEqual(maintenanceStatus(h2.master), { draining_machines: [{ id: other }], down_machines: [HOST1] });
  const again = new FakeAgent(h2, 'host1', 5051);
  again.register('cpus:2;mem:1024');
  await h2.flush();
  assert.equal(again.id, undefined, 'still refused by the new leader');
  assert.match(again.ofType('SHUTDOWN_AGENT')[0]!.shutdown_agent!.message!, /DOWN for maintenance/);

  // The old leader was deposed: its writes fail, so it cannot change the maintenance state.
  const stale = await stopMaintenance(h1.master, [HOST1], 'machines');
  assert.equal(stale.ok ? 0 : stale.error.code, 503);
  assert.ok((await stopMaintenance(h2.master, [HOST1], 'machines')).ok);
  const after = await new Registrar(state.connect()).recover();
  assert.ok(after.ok);
  assert.deepEqual(after.value.maintenance?.machines.map((x) => x.id), [other]);
});

test('inverse offers lapse with the framework\'s stream: after a failover the framework is asked again; an agent going away rescinds them', async () => {
  const h = new Harness();
  const a1 = h.agent('cpus:4;mem:4096');
  const s = h.scheduler({ name: 'one', failover_timeout: 3600 });
  runOn(h, s, a1, 't1');
  assert.ok((await updateSchedule(h.master, { windows: [{ machine_ids: [HOST1], unavailability: U }] })).ok);
  h.settle();
  assert.equal(inverseOffers(s).length, 1);
  const first = inverseOffers(s)[0]!.id;

  s.stream!.disconnect();
  s.subscribe();
  h.settle();
  const again = inverseOffers(s);
  assert.equal(again.length, 1, 'the new stream gets a new inverse offer');
  assert.notEqual(again[0]!.id.value, first.value);
  assert.ok(s.call({ type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [first] } }).ok);
  assert.equal(maintenanceStatus(h.master).draining_machines![0]!.statuses, undefined, 'an answer to the lapsed inverse offer is ignored');

  a1.pair.sever('network');
  h.settle();
  assert.deepEqual(s.ofType('RESCIND_INVERSE_OFFER').map((e) => e.rescind_inverse_offer!.inverse_offer_id.value), [again[0]!.id.value]);
  assert.equal(h.master.maintenance.inverseOffers.size, 0);
});
