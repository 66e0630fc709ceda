import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tcpProbe } from './tcp.ts';
import { healthVerdict } from '../health-judge.ts';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const connections = (server: Server): Promise<number> => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('an open port: succeeded, and the probe closes its connection at once', async () => {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  try {
    const o = await tcpProbe('127.0.0.1', port)(new AbortController().signal);
    assert.deepEqual(o, { ok: true, value: { type: 'TCP', tcp: { succeeded: true } } });
    assert.equal(healthVerdict(o).ok, true);
    await eventually(async () => accepted === 1 && (await connections(server)) === 0, 'the connection to be accepted and closed');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a closed port: a result saying the connection failed (not "no result")', async () => {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  const o = await tcpProbe('127.0.0.1', port)(new AbortController().signal);
  assert.deepEqual(o, { ok: true, value: { type: 'TCP', tcp: { succeeded: false } } });
  assert.equal(healthVerdict(o).ok, false);
});

test('an impossible port: the connection fails', async () => {
  assert.deepEqual(await tcpProbe('127.0.0.1', 70_000)(new AbortController().signal), { ok: true, value: { type: 'TCP', tcp: { succeeded: false } } });
});

test('aborted while connecting: no result, promptly', async () => {
  // 192.0.2.0/24 (TEST-NET-1) is not routed: the connection attempt hangs or fails; either way abort wins or it failed.
  const controller = new AbortController();
  const pending = tcpProbe('192.0.2.1', 9)(controller.signal);
  controller.abort();
  const o = await pending;
  assert.equal(o.ok, false);
});

test('an already aborted signal: no connection is attempted', async () => {
  let accepted = 0;
  const server = createServer(() => accepted++);
  const port = await listen(server);
  try {
    const controller = new AbortController();
    controller.abort();
    assert.equal((await tcpProbe('127.0.0.1', port)(controller.signal)).ok, false);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(accepted, 0);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
