import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, unwrap, CheckInfo, HealthCheck } from '@agora/protocol';
import { checkDefinition, emptyCheckStatus, healthDefinition } from './definition.ts';

const hc = (json: object): HealthCheck => unwrap(decode(HealthCheck, json));
const ci = (json: object): CheckInfo => unwrap(decode(CheckInfo, json));

test("a HealthCheck with Mesos's defaults: 15 s delay, 10 s interval, 20 s timeout, 3 failures, 10 s grace", () => {
  const d = unwrap(healthDefinition(hc({ type: 'TCP', tcp: { port: 8080 } })));
  assert.deepEqual(d, {
    delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000, consecutiveFailures: 3, gracePeriodMs: 10_000,
    target: { type: 'TCP', host: '127.0.0.1', port: 8080 },
  });
});

test('CheckInfo defaults: 15 s delay, 10 s interval, 20 s timeout', () => {
  const d = unwrap(checkDefinition(ci({ type: 'COMMAND', command: { command: { value: 'true' } } })));
  assert.equal(d.delayMs, 15_000);
  assert.equal(d.intervalMs, 10_000);
  assert.equal(d.timeoutMs, 20_000);
  assert.equal(d.target.type, 'COMMAND');
});

test('HTTP targets: scheme (http by default), 127.0.0.1 (or [::1] for IPv6), port, path (empty by default)', () => {
  const url = (json: object) => {
    const t = unwrap(healthDefinition(hc(json))).target;
    return t.type === 'HTTP' ? t.url : undefined;
  };
  assert.equal(url({ type: 'HTTP', http: { port: 80 } }), 'http://127.0.0.1:80');
  assert.equal(url({ type: 'HTTP', http: { port: 8443, scheme: 'https', path: '/healthz' } }), 'https://127.0.0.1:8443/healthz');
  assert.equal(url({ type: 'HTTP', http: { port: 80, path: '/h', protocol: 'IPv6' } }), 'http://[::1]:80/h');
  const check = unwrap(checkDefinition(ci({ type: 'HTTP', http: { port: 9000, path: '/status' } }))).target;
  assert.deepEqual(check, { type: 'HTTP', url: 'http://127.0.0.1:9000/status' });
});

test('TCP health check over IPv6 connects to ::1', () => {
  assert.deepEqual(unwrap(healthDefinition(hc({ type: 'TCP', tcp: { port: 1, protocol: 'IPv6' } }))).target, { type: 'TCP', host: '::1', port: 1 });
});

test('fractional seconds become milliseconds; a zero timeout stays 0 (no timeout)', () => {
  const d = unwrap(healthDefinition(hc({ type: 'TCP', tcp: { port: 1 }, delay_seconds: 0.5, interval_seconds: 0.25, timeout_seconds: 0, grace_period_seconds: 0 })));
  assert.deepEqual([d.delayMs, d.intervalMs, d.timeoutMs, d.gracePeriodMs], [500, 250, 0, 0]);
});

test('definitions that cannot run are error values naming the problem', () => {
  assert.deepEqual(healthDefinition(hc({})), { ok: false, error: "HealthCheck must specify 'type'" });
  assert.deepEqual(healthDefinition(hc({ type: 'UNKNOWN' })), { ok: false, error: "HealthCheck must specify 'type'" });
  assert.deepEqual(healthDefinition(hc({ type: 'HTTP' })), { ok: false, error: "Expecting 'http' to be set for HTTP health check" });
  assert.deepEqual(healthDefinition(hc({ type: 'COMMAND' })), { ok: false, error: "Expecting 'command' to be set for COMMAND health check" });
  assert.deepEqual(healthDefinition(hc({ type: 'TCP' })), { ok: false, error: "Expecting 'tcp' to be set for TCP health check" });
  assert.deepEqual(healthDefinition(hc({ type: 'HTTP', http: { port: 1, scheme: 'ftp' } })), { ok: false, error: "Unsupported HTTP health check scheme: 'ftp'" });
  assert.deepEqual(healthDefinition(hc({ type: 'TCP', tcp: { port: 1 }, interval_seconds: -1 })), { ok: false, error: "Expecting 'interval_seconds' to be non-negative" });
  assert.deepEqual(healthDefinition(hc({ type: 'TCP', tcp: { port: 1 }, grace_period_seconds: -1 })), { ok: false, error: "Expecting 'grace_period_seconds' to be non-negative" });
  assert.deepEqual(checkDefinition(ci({})), { ok: false, error: "CheckInfo must specify 'type'" });
  assert.deepEqual(checkDefinition(ci({ type: 'TCP' })), { ok: false, error: "Expecting 'tcp' to be set for TCP check" });
  assert.deepEqual(checkDefinition(ci({ type: 'HTTP', http: { port: 1 }, timeout_seconds: -0.5 })), { ok: false, error: "Expecting 'timeout_seconds' to be non-negative" });
});

test('emptyCheckStatus: the type and an empty result sub-message', () => {
  assert.deepEqual(emptyCheckStatus('COMMAND'), { type: 'COMMAND', command: {} });
  assert.deepEqual(emptyCheckStatus('HTTP'), { type: 'HTTP', http: {} });
  assert.deepEqual(emptyCheckStatus('TCP'), { type: 'TCP', tcp: {} });
  assert.equal(emptyCheckStatus(undefined), undefined);
  assert.equal(emptyCheckStatus('UNKNOWN'), undefined);
});
