/**
 * The cgroups isolators on the real kernel: a CPU-bound process held to its CFS quota (measured
 * throttling), a memory hog OOM-killed and reported as a limitation while a neighbour container is
 * untouched, a fork bomb held by pids.max and then destroyed (freeze, kill, thaw) with nothing
 * left. cgroup v2 code runs on the host's cgroup2 mount, which on a hybrid host has no controllers:
 * there placement, freeze, kill and removal are exercised, and limits are refused cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '@agora/runtime';
import { startIsolated, specFor } from '../isolator.conformance.ts';
import { CgroupsCpuIsolator } from './cpu.ts';
import { detectLayout, parseMountinfo, type CgroupLayout } from './hierarchy.ts';
import { CgroupsMemIsolator } from './mem.ts';
import { CgroupsPidsIsolator } from './pids.ts';
import { CgroupTree } from './tree.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((r) => {
  if (c.exitCode !== null || c.signalCode !== null) r({ code: c.exitCode, signal: c.signalCode });
  else c.once('exit', (code, signal) => r({ code, signal }));
});

function v1(): CgroupLayout | string {
  if (process.getuid?.() !== 0) return 'cgroups need root';
  const l = detectLayout('/sys/fs/cgroup');
  if (!l.ok) return l.error;
  return l.value.version === 1 ? l.value : 'this host has a pure cgroup v2 hierarchy (v1 tests skipped)';
}

let n = 0;
async function withTree(t: { skip(m: string): void }, layout: CgroupLayout | string, fn: (tree: CgroupTree, sandbox: string) => Promise<void>): Promise<void> {
  if (typeof layout === 'string') return t.skip(layout);
  const root = `agora-cg-${process.pid}-${++n}`;
  const tree = new CgroupTree(layout, root);
  const sandbox = mkdtempSync(join(tmpdir(), 'agora-cg-'));
  try {
    await fn(tree, sandbox);
  } finally {
    for (const id of tree.containersOnDisk()) {
      await tree.kill(id);
      await tree.remove(id);
    }
    const mounts = layout.version === 1 ? [...layout.mounts.values()] : [layout.mount];
    for (const m of mounts) if (existsSync(join(m, root))) rmdirSync(join(m, root));
    rmSync(sandbox, { recursive: true, force: true });
  }
}

test('mountinfo: v1 controllers (co-mounted too) and a cgroup2 mount are told apart', () => {
  const text = [
    '30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
    '31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
    '32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '33 30 0:29 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n');
  assert.equal(parseMountinfo(text).length, 4);
  const l = detectLayout('/sys/fs/cgroup', text);
  assert.ok(l.ok && l.value.version === 1);
  assert.equal(l.value.mounts.get('cpu'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(l.value.mounts.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
  const u = detectLayout('/sys/fs/cgroup/unified', text);
  assert.ok(u.ok && u.value.version === 2);
  const none = detectLayout('/nowhere', text);
  assert.ok(!none.ok && /no cgroup hierarchy at '\/nowhere'/.test(none.error));
});

test('cgroups/cpu with CFS: a busy loop at 0.2 cpus gets ~0.2 s of CPU per second and is throttled', async (t) => {
  await withTree(t, v1(), async (tree, sandbox) => {
    const iso = CgroupsCpuIsolator.create(tree, silentLogger, true);
    assert.ok(iso.ok);
    const spec = { ...specFor(sandbox), limits: { ...specFor(sandbox).limits, cpus: 0.2 } };
    const prep = await iso.value.prepare(spec);
    assert.ok(prep.ok);
    assert.equal(readFileSync(join(tree.dir(spec.containerId, 'cpu'), 'cpu.cfs_quota_us'), 'utf8').trim(), '20000');
    assert.equal(readFileSync(join(tree.dir(spec.containerId, 'cpu'), 'cpu.shares'), 'utf8').trim(), '204');
    const child = startIsolated([prep.value], ['sh', '-c', 'while :; do :; done'], sandbox);
    const started = Date.now();
    await sleep(1200);
    const u = await iso.value.usage(spec.containerId);
    const wall = (Date.now() - started) / 1000;
    const used = (u.cpus_user_time_secs ?? 0) + (u.cpus_system_time_secs ?? 0);
    assert.equal(u.cpus_limit, 0.2);
    assert.ok(used > 0.05 && used < 0.2 * wall + 0.1, `used ${used}s of CPU in ${wall}s at 0.2 cpus`);
    assert.ok((u.cpus_nr_throttled ?? 0) > 0, `throttled ${u.cpus_nr_throttled} times`);
    assert.ok((u.cpus_throttled_time_secs ?? 0) > 0.05, `throttled for ${u.cpus_throttled_time_secs}s`);
    await iso.value.cleanup(spec.containerId);
    await exited(child);
  });
});

test('cgroups/mem: a memory hog is OOM-killed and reported with its limit; its neighbour is untouched', async (t) => {
  await withTree(t, v1(), async (tree, sandbox) => {
    const iso = CgroupsMemIsolator.create(tree, silentLogger, false);
    assert.ok(iso.ok);
    const hog = { ...specFor(sandbox), limits: { ...specFor(sandbox).limits, memBytes: 32 * 1024 * 1024 } };
    const neighbour = specFor(sandbox);
    const a = await iso.value.prepare(hog);
    const b = await iso.value.prepare(neighbour);
    assert.ok(a.ok && b.ok);
    const calm = startIsolated([b.value], ['sleep', '30'], sandbox);
    const greedy = startIsolated([a.value], ['python3', '-c', "x = b'x' * (256 << 20); import time; time.sleep(30)"], sandbox);
    const end = await exited(greedy);
    assert.equal(end.signal, 'SIGKILL');
    const l = iso.value.limitation(hog.containerId);
    assert.ok(l, 'the OOM kill is a limitation');
    assert.equal(l.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(l.message, /^Memory limit exceeded: Requested: 32MB Maximum Used: /);
    assert.deepEqual(l.resources, [{ name: 'mem', value: 32 }]);
    assert.equal(iso.value.limitation(neighbour.containerId), undefined);
    assert.equal(calm.exitCode, null, 'the neighbour still runs');
    const u = await iso.value.usage(neighbour.containerId);
    assert.equal(u.mem_limit_bytes, 64 * 1024 * 1024);
    assert.ok((u.mem_total_bytes ?? 0) > 0);
    await iso.value.cleanup(neighbour.containerId);
    await iso.value.cleanup(hog.containerId);
    await exited(calm);
  });
});

test('cgroups/pids: a fork bomb stops at pids.max; destroy (freeze, kill, thaw) leaves nothing', async (t) => {
  await withTree(t, v1(), async (tree, sandbox) => {
    const iso = CgroupsPidsIsolator.create(tree, silentLogger, 40);
    assert.ok(iso.ok);
    const spec = specFor(sandbox);
    const prep = await iso.value.prepare(spec);
    assert.ok(prep.ok);
    const bomb = startIsolated([prep.value], ['sh', '-c', 'while :; do sleep 30 & done 2>/dev/null'], sandbox);
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      await sleep(50);
      peak = Math.max(peak, (await iso.value.usage(spec.containerId)).threads ?? 0);
    }
    assert.ok(peak >= 35 && peak <= 40, `the bomb grew to ${peak} tasks, held at 40`);
    const events = readFileSync(join(tree.dir(spec.containerId, 'pids'), 'pids.events'), 'utf8');
    assert.match(events, /max [1-9]/, 'forks were refused');
    await iso.value.kill(spec.containerId);
    assert.deepEqual(tree.pids(spec.containerId), []);
    await iso.value.cleanup(spec.containerId);
    for (const d of tree.dirs(spec.containerId)) assert.equal(existsSync(d), false, d);
    await exited(bomb);
  });
});

test('cgroup v2 code on the host cgroup2 mount: placement, freeze, kill, removal; missing controllers refused', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('cgroups need root');
  const l = detectLayout('/sys/fs/cgroup/unified');
  const pure = detectLayout('/sys/fs/cgroup');
  const layout = l.ok && l.value.version === 2 ? l.value : pure.ok && pure.value.version === 2 ? pure.value : undefined;
  if (!layout) return t.skip('no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified');
  await withTree(t, layout, async (tree, sandbox) => {
    for (const [c, make] of [['cpu', () => CgroupsCpuIsolator.create(tree, silentLogger, true)], ['memory', () => CgroupsMemIsolator.create(tree, silentLogger, false)]] as const) {
      const made = make();
      if (!layout.controllers.has(c)) assert.ok(!made.ok && made.error.includes(`'${c}' is not enabled in`), `controller ${c}`);
    }
    const id = 'v2-container';
    const procs = await tree.create(id);
    assert.ok(procs.ok);
    assert.deepEqual(procs.value, [join(layout.mount, tree.root, id, 'cgroup.procs')]);
    const child = spawn('/bin/sh', [join(import.meta.dirname, '..', 'launcher', 'agora-isolate'), `--procs=${procs.value[0]}`, '--', 'sh', '-c', 'sleep 30 & sleep 30 & wait'], { cwd: sandbox, stdio: 'ignore' });
    for (let i = 0; i < 50 && tree.pids(id).length < 3; i++) await sleep(10);
    assert.equal(tree.pids(id).length, 3, 'the wrapper and everything it started are in the cgroup');
    assert.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`^0::/${tree.root}/${id}$`, 'm'));
    await tree.freeze(id, true);
    assert.match(readFileSync(join(tree.dirs(id)[0]!, 'cgroup.events'), 'utf8'), /frozen 1/);
    await tree.freeze(id, false);
    const killed = await tree.kill(id);
    assert.ok(killed.ok);
    assert.deepEqual(tree.pids(id), []);
    assert.equal((await exited(child)).signal, 'SIGKILL');
    assert.ok((await tree.remove(id)).ok);
    assert.equal(existsSync(tree.dirs(id)[0]!), false);
  });
});
