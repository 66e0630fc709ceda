/**
 * network/ports against a real listening socket: a process of the container listening on a port
 * outside its `ports` is a limitation (with enforcement) naming the port; inside its ports, or
 * outside the agent's range with --check-agent-port-range-only, it is not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { silentLogger } from '@agora/runtime';
import { listeningSockets, NetworkPortsIsolator } from './network-ports.ts';

const listener = async (port: number) => {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((r) => child.stdout!.once('data', () => r()));
  return child;
};

test('/proc/net/tcp: LISTEN sockets by inode', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:7A69 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:7A6A 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 100 0 0 10 0',
  ].join('\n');
  assert.deepEqual([...listeningSockets(text)], [['12345', 31337]]);
});

test('a container listening outside its ports is a limitation; inside them it is not', async () => {
  const port = 20000 + Math.floor(Math.random() * 10000);
  const child = await listener(port);
  try {
    const make = (opts: { enforce: boolean; allowed: Array<[number, number]>; rangeOnly?: boolean }) => {
      const iso = new NetworkPortsIsolator({ pids: () => [child.pid!] }, { intervalMs: 60_000, enforce: opts.enforce, agentPorts: [[31000, 32000]], checkAgentRangeOnly: opts.rangeOnly ?? false, logger: silentLogger });
      return { iso, ready: iso.prepare({ containerId: 'c', directory: '/tmp', limits: { cpus: 1, memBytes: 1, diskBytes: undefined, ports: opts.allowed } }) };
    };
    const outside = make({ enforce: true, allowed: [[31000, 31001]] });
    await outside.ready;
    outside.iso.check();
    assert.deepEqual(outside.iso.limitation('c'), { reason: 'REASON_CONTAINER_LIMITATION', message: `Container is listening on unallocated port(s): ${port}` });
    await outside.iso.cleanup('c');
    const given = make({ enforce: true, allowed: [[port, port]] });
    await given.ready;
    given.iso.check();
    assert.equal(given.iso.limitation('c'), undefined);
    await given.iso.cleanup('c');
    const reportOnly = make({ enforce: false, allowed: [] });
    await reportOnly.ready;
    reportOnly.iso.check();
    assert.equal(reportOnly.iso.limitation('c'), undefined, 'reported, not enforced');
    await reportOnly.iso.cleanup('c');
    const agentRange = make({ enforce: true, allowed: [], rangeOnly: true });
    await agentRange.ready;
    agentRange.iso.check();
    assert.equal(agentRange.iso.limitation('c'), undefined, 'outside the agent range: not checked');
    await agentRange.iso.cleanup('c');
  } finally {
    child.kill('SIGKILL');
  }
});
