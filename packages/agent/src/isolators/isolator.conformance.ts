/**
 * The contract every isolator meets (isolator.ts), run by isolators.test.ts against each one:
 * `isolatorConformance(name, factory)`. Each test gets a fresh isolator and a sandbox; the
 * processes it starts go through the real `agora-isolate` with what `prepare` asked for.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode, ResourceStatistics } from '@agora/protocol';
import type { ContainerSpec, Isolator, LaunchPrep } from './isolator.ts';
import { wrapperArgv } from './launcher/wrapper.ts';

export interface IsolatorFixture {
  readonly isolator: Isolator;
  /** Paths that must not exist once a container is cleaned up (its cgroups, its state). */
  leftovers(containerId: string): string[];
  /** Removes what the fixture made. */
  close(): Promise<void>;
}

/** undefined → skip the suite with this reason string. */
export type IsolatorFactory = () => Promise<IsolatorFixture | string>;

let seq = 0;
const newId = () => `conf-${process.pid}-${++seq}`;

export function specFor(directory: string, id = newId()): ContainerSpec {
  return { containerId: id, directory, limits: { cpus: 0.5, memBytes: 64 * 1024 * 1024, diskBytes: 16 * 1024 * 1024, ports: [[31000, 31001]] } };
}

/** Starts `argv` through agora-isolate as the prep asks (or directly when it asks nothing). */
export function startIsolated(preps: Array<LaunchPrep | undefined>, argv: string[], cwd: string): ChildProcess {
  const wrapper = wrapperArgv(preps.filter((p): p is LaunchPrep => p !== undefined)) ?? [];
  const [file, ...args] = [...wrapper, ...(wrapper.length > 0 ? ['--'] : []), ...argv];
  return spawn(file!, args, { cwd, stdio: 'ignore', detached: true, env: { ...process.env, AGORA_CONTAINER_ID: 'x' } });
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

export function isolatorConformance(name: string, factory: IsolatorFactory): void {
  const withIsolator = (title: string, fn: (fx: IsolatorFixture, sandbox: string) => Promise<void>) =>
    test(`${name} conformance: ${title}`, async (t) => {
      const fx = await factory();
      if (typeof fx === 'string') return t.skip(fx);
      const sandbox = mkdtempSync(join(tmpdir(), 'agora-iso-'));
      try {
        await fn(fx, sandbox);
      } finally {
        await fx.close();
        rmSync(sandbox, { recursive: true, force: true });
      }
    });

  withIsolator('has its --isolation name', async (fx) => {
    assert.equal(fx.isolator.name, name);
  });

  withIsolator('prepare, run, usage, kill, cleanup: nothing left behind', async (fx, sandbox) => {
    const iso = fx.isolator;
    const spec = specFor(sandbox);
    const prep = (await iso.prepare?.(spec)) ?? { ok: true as const, value: undefined };
    assert.ok(prep.ok, prep.ok ? '' : prep.error);
    const child = startIsolated([prep.value], ['sleep', '30'], sandbox);
    await new Promise((r) => setTimeout(r, 100));
    const usage = (await iso.usage?.(spec.containerId)) ?? {};
    const stats = decode(ResourceStatistics, { timestamp: 1, ...usage });
    assert.ok(stats.ok && Object.keys(usage).every((k) => k in stats.value), `usage has only ResourceStatistics fields: ${JSON.stringify(usage)}`);
    for (const [k, v] of Object.entries(usage)) assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0, `${k} = ${String(v)}`);
    assert.equal(iso.limitation?.(spec.containerId), undefined, 'a sleeping process hits no limit');
    await iso.kill?.(spec.containerId);
    if (iso.kill && prep.value?.procs) await exited(child); // the cgroup kill must have reached it
    else child.kill('SIGKILL');
    await exited(child);
    await iso.cleanup?.(spec.containerId);
    await iso.cleanup?.(spec.containerId); // idempotent
    for (const p of fx.leftovers(spec.containerId)) assert.equal(existsSync(p), false, `left behind: ${p}`);
  });

  withIsolator('unknown containers: limitation undefined, cleanup and kill are no-ops', async (fx) => {
    assert.equal(fx.isolator.limitation?.('never-seen'), undefined);
    await fx.isolator.kill?.('never-seen');
    await fx.isolator.cleanup?.('never-seen');
  });

  withIsolator('recover destroys what it finds of unknown containers and keeps known ones', async (fx, sandbox) => {
    const iso = fx.isolator;
    const orphan = specFor(sandbox);
    const kept = specFor(sandbox);
    const a = await iso.prepare?.(orphan);
    const b = await iso.prepare?.(kept);
    const child = startIsolated([a?.ok ? a.value : undefined], ['sleep', '30'], sandbox);
    await new Promise((r) => setTimeout(r, 50));
    await iso.recover?.(new Set([kept.containerId]));
    if (iso.recover && a?.ok && a.value?.procs) {
      await exited(child);
      for (const p of fx.leftovers(orphan.containerId)) assert.equal(existsSync(p), false, `orphan left behind: ${p}`);
      for (const p of fx.leftovers(kept.containerId)) assert.equal(existsSync(p), true, `known container removed: ${p}`);
    } else {
      child.kill('SIGKILL');
    }
    await iso.cleanup?.(orphan.containerId);
    if (b?.ok) await iso.cleanup?.(kept.containerId);
    await exited(child);
  });

  withIsolator('update with new limits succeeds for a prepared container', async (fx, sandbox) => {
    const spec = specFor(sandbox);
    await fx.isolator.prepare?.(spec);
    const r = await fx.isolator.update?.(spec.containerId, { ...spec.limits, cpus: 1, memBytes: 128 * 1024 * 1024 });
    if (r) assert.ok(r.ok, r.ok ? '' : r.error);
    await fx.isolator.cleanup?.(spec.containerId);
  });
}
