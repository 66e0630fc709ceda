/**
 * The cron daemon in process for tests: `startCron` with a memory store against the SDK's
 * FakeMaster (a real HTTP server speaking the scheduler API), an HTTP helper, a roomy offer.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Offer } from '@agora/protocol';
import type { Clock } from '@agora/runtime';
import { FakeMaster } from '@agora/sdk';
import { startCron, type CronHandle, type CronOptions } from '../daemon.ts';
import { MemoryKv } from '../store/kv.ts';

export const FUTURE = '2100-01-01T00:00:00Z';

export const offer = (id: string): Offer => ({
  id: { value: id },
  framework_id: { value: 'f' },
  agent_id: { value: 'agent-1' },
  hostname: 'localhost',
  url: { scheme: 'http', address: { ip: '127.0.0.1', port: 5051 } },
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, allocation_info: { role: '*' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 4096 }, allocation_info: { role: '*' } },
    { name: 'disk', type: 'SCALAR', scalar: { value: 10_000 }, allocation_info: { role: '*' } },
  ],
  allocation_info: { role: '*' },
});

export function testOptions(masterUrl: string, over: Partial<CronOptions> = {}): CronOptions {
  return { master: masterUrl, httpPort: 0, hostname: '127.0.0.1', state: 'memory', failureRetry: 'PT1S', offerHold: 'PT5S', frameworkName: 'cron-test', role: '*', user: undefined, historyLimit: 100, logLevel: 'silent', failureWebhook: undefined, zkSessionTimeout: 'PT10S', ...over };
}

export interface TestCron {
  readonly cron: CronHandle;
  readonly master: FakeMaster;
  readonly kv: MemoryKv;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string; type: string | null }>;
}

export async function setup(t: TestContext, opts: { clock?: Clock; options?: Partial<CronOptions>; heartbeatIntervalSeconds?: number } = {}): Promise<TestCron> {
  const master = await FakeMaster.start({ heartbeatIntervalSeconds: opts.heartbeatIntervalSeconds ?? 5 });
  const kv = new MemoryKv();
  const started = await startCron(testOptions(master.url, opts.options), { kv, log: () => undefined, ...(opts.clock ? { clock: opts.clock } : {}) });
  assert.ok(started.ok);
  const cron = started.value;
  t.after(async () => {
    await cron.close();
    await master.close();
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cron.url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, type: res.headers.get('content-type') };
  };
  return { cron, master, kv, call };
}

export async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
