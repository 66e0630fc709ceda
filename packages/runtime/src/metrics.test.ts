import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from './metrics.ts';

test('snapshot and prometheus views of the same registry', () => {
  const m = new MetricsRegistry();
  const c = m.counter('master/slave_registrations', 'Agent registrations');
  c.inc();
  c.inc(2);
  let running = 5;
  m.gauge('master/tasks_running', () => running);
  m.gaugeFamily(() => ({ 'master/frameworks/web/abc/subscribed': 1 }));
  const t = m.timer('allocator/mesos/allocation_run_ms');
  for (let i = 1; i <= 100; i++) t.record(i);
  running = 6;
  const s = m.snapshot();
  assert.equal(s['master/slave_registrations'], 3);
  assert.equal(s['master/tasks_running'], 6);
  assert.equal(s['master/frameworks/web/abc/subscribed'], 1);
  assert.equal(s['allocator/mesos/allocation_run_ms'], 100);
  assert.equal(s['allocator/mesos/allocation_run_ms/count'], 100);
  assert.equal(s['allocator/mesos/allocation_run_ms/p50'], 51);
  assert.equal(s['allocator/mesos/allocation_run_ms/max'], 100);
  const p = m.prometheus();
  assert.match(p, /^# HELP agora_master_slave_registrations Agent registrations$/m);
  assert.match(p, /^agora_master_tasks_running 6$/m);
  assert.match(p, /^agora_allocator_mesos_allocation_run_ms\{quantile="0.99"\} 100$/m);
});
