import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { internal } from '@agora/protocol';
import { FakeClock, silentLogger } from '@agora/runtime';
import { flush, ScriptedMaster } from '../testing/scripted-master.ts';
import { MasterLink } from './link.ts';

const AGENT_INFO = { hostname: 'agent1', port: 5051 };

function setup(opts: { random?: number; factor?: number } = {}) {
  const clock = new FakeClock();
  const master = new ScriptedMaster(clock);
  const events: string[] = [];
  let agentId: string | undefined;
  const link = new MasterLink({
    connect: master.connect,
    clock,
    logger: silentLogger,
    backoffFactorMs: opts.factor ?? 1000,
    random: () => opts.random ?? 0,
    handlers: {
      registration: (): internal.AgentMessage =>
        agentId === undefined
          ? { type: 'REGISTER_AGENT', register_agent: { agent_info: AGENT_INFO, version: '1.11.0' } }
          : { type: 'REREGISTER_AGENT', reregister_agent: { agent_info: { ...AGENT_INFO, id: { value: agentId } }, version: '1.11.0' } },
      registered: (info, re) => {
        agentId = info.agent_id.value;
        events.push(`${re ? 'reregistered' : 'registered'} ${agentId}`);
      },
      message: (m) => events.push(`message ${m.type}`),
      disconnected: (reason) => events.push(`disconnected: ${reason}`),
      shutdown: (why) => events.push(`shutdown: ${why}`),
    },
  });
  /** Runs connector promises and channel deliveries due now. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await flush();
      clock.advance(0);
    }
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { clock, master, link, events, settle, advance };
}

test('registers, then answers pings with pongs and stays connected while pings arrive', async () => {
  const { master, link, events, settle, advance } = setup();
  link.start();
  await settle();
  assert.deepEqual(events, ['registered S1']);
  assert.equal(link.registered, true);
  assert.equal(master.of('REGISTER_AGENT').length, 1);
  for (let i = 0; i < 20; i++) {
    await advance(15_000);
    master.ping();
    await settle();
  }
  assert.equal(master.of('PONG').length, 20);
  assert.equal(master.connectAttempts, 1, 'no reconnection while pings arrive');
});

test('registration is retried with randomised exponential backoff capped at 1 min', async () => {
  const { clock, master, link, settle } = setup({ random: 0.5, factor: 1000 });
  master.autoRegister = false;
  const start = clock.now();
  const sentAt: number[] = [];
  link.start();
  await settle();
  for (let t = 0; t < 200_000; t += 100) {
    const before = master.of('REGISTER_AGENT').length;
    clock.advance(100);
    await flush();
    clock.advance(0);
    if (master.of('REGISTER_AGENT').length > before) sentAt.push(clock.now() - start);
  }
  // first after 0.5·1s, then 0.5·2s, 0.5·4s, … up to 0.5·60s.
  const gaps = sentAt.map((t, i) => t - (sentAt[i - 1] ?? 0));
  assert.deepEqual(gaps.slice(0, 8), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(link.registered, false);
});

test('no ping within total_ping_timeout_seconds: the link drops the channel and re-registers', async () => {
  const { master, link, events, settle, advance } = setup();
  master.pingTimeoutSeconds = 30;
  link.start();
  await settle();
  await advance(29_000);
  assert.equal(master.connectAttempts, 1);
  await advance(1_000);
  assert.equal(master.connectAttempts, 2);
  assert.equal(master.pairs[0]!.a.isOpen, false, 'the old channel is closed');
  assert.deepEqual(events, ['registered S1', 'disconnected: no ping from the master within 30s', 'reregistered S1']);
  const rereg = master.of('REREGISTER_AGENT');
  assert.equal(rereg.length, 1);
  assert.equal(rereg[0]!.reregister_agent!.agent_info.id!.value, 'S1');
});

test('pongs dropped by a partition do not matter to the agent, but lost pings do', async () => {
  const { master, link, settle, advance } = setup();
  link.start();
  await settle();
  master.pair.intercept({ type: 'PONG', action: 'drop' });
  for (let i = 0; i < 4; i++) {
    await advance(15_000);
    master.ping();
    await settle();
  }
  assert.equal(master.connectAttempts, 1);
  master.pair.intercept({ type: 'PING', action: 'drop' });
  for (let i = 0; i < 6; i++) {
    await advance(15_000);
    master.ping();
    await settle();
  }
  assert.equal(master.connectAttempts, 2, 'reconnected after 75 s without a ping');
  assert.equal(link.registered, true);
});

test('a PING saying the agent is disconnected forces re-registration', async () => {
  const { master, link, events, settle } = setup();
  link.start();
  await settle();
  master.ping(false);
  await settle();
  assert.equal(master.connectAttempts, 2);
  assert.equal(events.at(-1), 'reregistered S1');
});

test('a severed channel reconnects and re-registers; messages before registration are ignored', async () => {
  const { master, link, events, settle } = setup();
  link.start();
  await settle();
  master.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'f' }, task_id: { value: 't' } } });
  await settle();
  assert.deepEqual(events, ['registered S1', 'message KILL_TASK']);
  master.autoRegister = false;
  master.pair.sever('network down');
  await settle();
  assert.equal(master.connectAttempts, 2);
  master.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'f' }, task_id: { value: 't' } } });
  await settle();
  assert.equal(events.filter((e) => e.startsWith('message')).length, 1, 'not registered yet: ignored');
  assert.equal(link.send({ type: 'PONG' }), false, 'nothing is sent before registration');
});

test('failed connection attempts back off exponentially', async () => {
  const { clock, master, link, settle } = setup({ random: 0.99, factor: 1000 });
  master.refuse = 'connection refused';
  const start = clock.now();
  const at: number[] = [];
  link.start();
  await settle();
  at.push(clock.now() - start);
  for (let t = 0; t < 120_000; t += 10) {
    const before = master.connectAttempts;
    clock.advance(10);
    await flush();
    if (master.connectAttempts > before) at.push(clock.now() - start);
  }
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  assert.deepEqual(gaps.slice(0, 4).map((g) => Math.round(g / 10) * 10), [990, 1980, 3960, 7920]);
  assert.ok(gaps.every((g) => g <= 60_000));
  master.refuse = undefined;
  await advance60(clock);
  assert.equal(link.registered, true);

  async function advance60(c: FakeClock) {
    for (let i = 0; i < 700; i++) {
      c.advance(100);
      await flush();
      c.advance(0);
    }
  }
});

test('SHUTDOWN_AGENT stops the link for good', async () => {
  const { master, link, events, settle, advance } = setup();
  link.start();
  await settle();
  master.send({ type: 'SHUTDOWN_AGENT', shutdown_agent: { message: 'decommissioned' } });
  await settle();
  assert.equal(events.at(-1), 'shutdown: decommissioned');
  assert.equal(link.state, 'closed');
  await advance(300_000);
  assert.equal(master.connectAttempts, 1);
});
