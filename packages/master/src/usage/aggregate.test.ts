import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate } from './aggregate.ts';

const entry = (t: number, cpu: number, mem: number) => ({ executor_id: 'e', framework_id: 'f', statistics: { timestamp: t, cpus_user_time_secs: cpu, cpus_system_time_secs: 0, cpus_limit: 0.5, mem_rss_bytes: mem, mem_limit_bytes: 64 << 20 } });
const agent = { id: 'a1', hostname: 'h', allocatedCpus: 1, allocatedMemMb: 128 };

test('allocation vs usage: limits and memory summed; CPU is a rate between two samples', () => {
  const first = aggregate(agent, [entry(100, 2, 10 << 20), entry(100, 1, 5 << 20)], undefined, 100);
  assert.deepEqual(first.usage.allocated, { cpus: 1, mem_bytes: 128 << 20 });
  assert.deepEqual(first.usage.limits, { cpus: 1, mem_bytes: 128 << 20 });
  assert.deepEqual(first.usage.used, { cpus: undefined, mem_bytes: 15 << 20, disk_bytes: 0 });
  const second = aggregate(agent, [entry(102, 2.5, 10 << 20), entry(102, 1.5, 5 << 20)], first.sample, 102);
  assert.equal(second.usage.used.cpus, 0.5);
  assert.equal(second.usage.containers, 2);
  // A container that ended between samples: no meaningful rate.
  const third = aggregate(agent, [entry(104, 1.6, 5 << 20)], second.sample, 104);
  assert.equal(third.usage.used.cpus, undefined);
});
