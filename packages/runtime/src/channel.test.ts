import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enumeration, int32, message, optional, required } from '@agora/protocol';
import { FakeClock } from './clock.ts';
import { MemoryChannelPair } from './channel.ts';
import { acceptChannels, connectChannel, type WebSocketChannel } from './ws-channel.ts';
import { createHttpServer } from './http.ts';

const Msg = message('Msg', { type: required(enumeration('T', { PING: 0, PONG: 1, DATA: 2 })), n: optional(int32) });
type Msg = { type: 'PING' | 'PONG' | 'DATA'; n?: number };

test('memory pair delivers in order, after latency, through the codec', () => {
  const clock = new FakeClock();
  const pair = new MemoryChannelPair<Msg, Msg>(clock, { a: Msg, b: Msg }, 10);
  const got: Msg[] = [];
  pair.b.onMessage((m) => got.push(m));
  for (let i = 0; i < 5; i++) pair.a.send({ type: 'DATA', n: i });
  clock.advance(9);
  assert.equal(got.length, 0);
  clock.advance(1);
  assert.deepEqual(got.map((m) => m.n), [0, 1, 2, 3, 4]);
});

test('interceptors drop, duplicate and delay by type', () => {
  const clock = new FakeClock();
  const pair = new MemoryChannelPair<Msg, Msg>(clock, { a: Msg, b: Msg });
  const got: string[] = [];
  pair.b.onMessage((m) => got.push(`${m.type}${m.n ?? ''}`));
  pair.intercept({ type: 'PONG', action: 'drop' });
  pair.intercept({ type: 'DATA', action: 'duplicate', times: 1 });
  pair.intercept({ type: 'PING', action: { delayMs: 100 } });
  pair.a.send({ type: 'PING' });
  pair.a.send({ type: 'PONG' });
  pair.a.send({ type: 'DATA', n: 1 });
  pair.a.send({ type: 'DATA', n: 2 });
  clock.advance(0);
  assert.deepEqual(got, ['DATA1', 'DATA1', 'DATA2']);
  clock.advance(100);
  assert.deepEqual(got, ['DATA1', 'DATA1', 'DATA2', 'PING']);
  assert.equal(pair.dropped.get('PONG'), 1);
});

test('a message that does not decode closes the channel; close is seen once on both ends', () => {
  const clock = new FakeClock();
  const pair = new MemoryChannelPair<unknown, Msg>(clock, { a: Msg, b: Msg as never });
  const reasons: string[] = [];
  pair.a.onClose((r) => reasons.push(`a:${r}`));
  pair.b.onClose((r) => reasons.push(`b:${r}`));
  pair.b.onMessage(() => {});
  (pair.a as { send(m: unknown): void }).send({ type: 'NOPE' });
  clock.advance(0);
  assert.equal(pair.b.isOpen, false);
  assert.ok(reasons.some((r) => r.startsWith('b:protocol violation')));
  clock.advance(0);
  assert.ok(reasons.some((r) => r.startsWith('a:peer closed')));
  assert.equal(reasons.length, 2);
});

test('websocket channel: batched frames, ordering, hostile frames', async () => {
  const app = createHttpServer();
  const serverGot: Msg[] = [];
  const servers: WebSocketChannel<Msg, Msg>[] = [];
  const closeReasons: string[] = [];
  let onServerClose = () => {};
  acceptChannels<Msg, Msg>(app, '/chan', Msg, (ch) => {
    servers.push(ch);
    ch.onMessage((m) => {
      serverGot.push(m);
      if (m.type === 'PING') ch.send({ type: 'PONG', n: m.n });
    });
    ch.onClose((r) => {
      closeReasons.push(r);
      onServerClose();
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  try {
    const bad = await connectChannel<Msg, Msg>(`ws://127.0.0.1:${port}/elsewhere`, Msg);
    assert.equal(bad.ok, false);

    const c = await connectChannel<Msg, Msg>(`ws://127.0.0.1:${port}/chan`, Msg);
    assert.ok(c.ok);
    if (!c.ok) return;
    const pongs: number[] = [];
    const allPongs = new Promise<void>((resolve) =>
      c.value.onMessage((m) => {
        pongs.push(m.n ?? -1);
        if (pongs.length === 100) resolve();
      }),
    );
    for (let i = 0; i < 100; i++) c.value.send({ type: 'PING', n: i });
    await allPongs;
    assert.deepEqual(pongs, [...Array(100).keys()]);
    assert.equal(serverGot.length, 100);

    // A raw client sending a non-array frame gets disconnected, and the server survives.
    const { WebSocket } = await import('ws');
    const raw = new WebSocket(`ws://127.0.0.1:${port}/chan`);
    await new Promise((r) => raw.once('open', r));
    raw.send('{"type":"PING"}');
    const code = await new Promise<number>((r) => raw.once('close', (c: number) => r(c)));
    assert.equal(code, 1000);

    assert.match(closeReasons[0] ?? '', /protocol violation: a frame must be a JSON array/);

    const closedNormally = new Promise<void>((r) => (onServerClose = r));
    c.value.close('bye');
    await closedNormally;
    assert.match(closeReasons[1] ?? '', /websocket closed \(1000: bye\)/);
    assert.equal(servers.length, 2);
  } finally {
    await app.close();
  }
});

test('FakeClock: due timers fire in time then creation order; cancelled ones never; many stay fast', () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.setTimer(10, () => fired.push('b'));
  clock.setTimer(5, () => {
    fired.push('a');
    clock.setTimer(0, () => fired.push('a2'));
  });
  const c = clock.setTimer(7, () => fired.push('never'));
  clock.setTimer(10, () => fired.push('c'));
  c.cancel();
  assert.equal(clock.timers, 3);
  clock.advance(10);
  assert.deepEqual(fired, ['a', 'a2', 'b', 'c']);
  assert.equal(clock.timers, 0);
  let n = 0;
  for (let i = 0; i < 200_000; i++) clock.setTimer(i % 100, () => n++);
  const t0 = Date.now();
  clock.advance(100);
  assert.equal(n, 200_000);
  assert.ok(Date.now() - t0 < 2000, 'O(n log n)');
});
