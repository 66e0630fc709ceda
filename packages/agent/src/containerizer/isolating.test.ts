/**
 * The isolating containerizer around the real process launcher, on real cgroups: a custom
 * executor starts inside its container's cgroups; destroy leaves no process and no cgroup; an OOM
 * ends the container with the memory limitation; an isolator failing in prepare fails the launch
 * and undoes what the others prepared; orphans of a "crashed agent" are destroyed at recovery.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { err, type Resource } from '@agora/protocol';
import { silentLogger } from '@agora/runtime';
import { detectLayout } from '../isolators/cgroups/hierarchy.ts';
import type { Isolator } from '../isolators/isolator.ts';
import type { IsolationConfig } from '../isolators/registry.ts';
import type { ContainerLaunch } from './containerizer.ts';
import { createIsolatingContainerizer, IsolatingContainerizer } from './isolating.ts';
import { ProcessLauncher } from './process-launcher.ts';

const layout = detectLayout('/sys/fs/cgroup');
const skip = process.getuid?.() !== 0 ? 'cgroups need root' : !layout.ok ? layout.error : layout.value.version !== 1 ? 'v1 layout expected' : undefined;
const mounts = layout.ok && layout.value.version === 1 ? layout.value.mounts : new Map<string, string>();

let n = 0;
function config(root: string, isolation: string[]): IsolationConfig {
  return {
    isolation, cgroupsHierarchy: '/sys/fs/cgroup', cgroupsRoot: root, cgroupsEnableCfs: true, cgroupsLimitSwap: false, cgroupsMaxPids: 100,
    containerDiskWatchIntervalMs: 100, enforceContainerDiskQuota: true, containerPortsWatchIntervalMs: 100, enforceContainerPorts: true, checkAgentPortRangeOnly: false, images: undefined,
  };
}
const scalar = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value } });

function fixture(isolation = ['cgroups/cpu', 'cgroups/mem', 'cgroups/pids']) {
  const root = `agora-ic-${process.pid}-${++n}`;
  const inner = new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined });
  const made = createIsolatingContainerizer(inner, config(root, isolation), { logger: silentLogger, agentResources: [], watchIntervalMs: 50 });
  assert.ok(made.ok, made.ok ? '' : made.error);
  const dir = mkdtempSync(join(tmpdir(), 'agora-ic-'));
  const leftovers = () => [...mounts.values()].flatMap((m) => (existsSync(join(m, root)) ? readdirSync(join(m, root), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(m, root, e.name)) : []));
  const close = async () => {
    await made.value.close();
    for (const m of mounts.values()) if (existsSync(join(m, root))) rmdirSync(join(m, root));
    rmSync(dir, { recursive: true, force: true });
  };
  const launch = (id: string, command: string, resources: Resource[] = [scalar('cpus', 0.5), scalar('mem', 64)]): ContainerLaunch => ({
    containerId: id, frameworkId: 'f', executorId: id, kind: 'custom', directory: dir, env: { AGORA_CONTAINER_ID: id },
    executorInfo: { executor_id: { value: id }, command: { shell: true, value: command } }, resources,
  });
  return { c: made.value, root, dir, leftovers, close, launch };
}

test('a custom executor runs in its cgroups; destroy kills it and removes them', { skip }, async () => {
  const f = fixture();
  try {
    const r = await f.c.launch(f.launch('c1', 'sleep 30 & sleep 30; wait'));
    assert.ok(r.ok);
    // The wrapper joins the cgroups first thing; the command runs only after.
    for (let i = 0; i < 100 && (await f.c.usage('c1'))?.processes !== 3; i++) await new Promise((res) => setTimeout(res, 10));
    const cg = readFileSync(`/proc/${r.value.pid}/cgroup`, 'utf8');
    for (const c of ['memory', 'cpu', 'pids', 'freezer']) assert.match(cg, new RegExp(`:${c}:/${f.root}/c1$`, 'm'), c);
    assert.equal(readFileSync(join(mounts.get('memory')!, f.root, 'c1', 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));
    const usage = await f.c.usage('c1');
    assert.equal(usage?.processes, 3);
    assert.equal(usage?.cpus_limit, 0.5);
    // More tasks for the executor: its limits grow.
    await f.c.update('c1', [scalar('cpus', 1), scalar('mem', 128)]);
    assert.equal(readFileSync(join(mounts.get('memory')!, f.root, 'c1', 'memory.limit_in_bytes'), 'utf8').trim(), String(128 * 1024 * 1024));
    assert.equal(readFileSync(join(mounts.get('cpu')!, f.root, 'c1', 'cpu.cfs_quota_us'), 'utf8').trim(), '100000');
    assert.equal((await f.c.usage('c1'))?.cpus_limit, 1);
    await f.c.destroy('c1');
    const t = await f.c.wait('c1');
    assert.equal(t.limitation, undefined);
    assert.deepEqual(f.leftovers(), []);
    assert.equal(existsSync(`/proc/${r.value.pid}`), false);
  } finally {
    await f.close();
  }
});

test('an OOM ends the container with REASON_CONTAINER_LIMITATION_MEMORY', { skip }, async () => {
  const f = fixture();
  try {
    const r = await f.c.launch(f.launch('hog', "python3 -c \"x = b'x' * (256 << 20)\"; sleep 30", [scalar('cpus', 0.5), scalar('mem', 40)]));
    assert.ok(r.ok);
    const t = await f.c.wait('hog');
    assert.equal(t.limitation?.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(t.limitation!.message, /Requested: 40MB/);
    assert.deepEqual(f.c.limitation('hog'), t.limitation, 'still known after the end');
    assert.deepEqual(f.leftovers(), []);
  } finally {
    await f.close();
  }
});

test('an isolator failing in prepare fails the launch; what others prepared is undone', { skip }, async () => {
  const f = fixture();
  try {
    const failing: Isolator = { name: 'test/fails', prepare: async () => err('no room at the inn') };
    const c = new IsolatingContainerizer({ inner: new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined }), isolators: [...f.c.isolators, failing], logger: silentLogger });
    const r = await c.launch(f.launch('bad', 'sleep 30'));
    assert.deepEqual(r, { ok: false, error: 'Failed to prepare isolator test/fails: no room at the inn' });
    assert.deepEqual(f.leftovers(), []);
    assert.deepEqual(c.containers(), []);
    await c.close();
  } finally {
    await f.close();
  }
});

test('recovery destroys orphan containers (a crashed agent\'s) with their processes', { skip }, async () => {
  const f = fixture();
  try {
    const r = await f.c.launch(f.launch('orphan', 'sleep 30'));
    assert.ok(r.ok);
    // A new agent on the same root that knows nothing: the orphan goes before its first launch.
    const g = createIsolatingContainerizer(new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined }), config(f.root, ['cgroups/cpu', 'cgroups/mem', 'cgroups/pids']), { logger: silentLogger, agentResources: [] });
    assert.ok(g.ok);
    await g.value.ensureRecovered();
    assert.deepEqual(f.leftovers(), []);
    await f.c.wait('orphan');
    await g.value.close();
  } finally {
    await f.close();
  }
});
