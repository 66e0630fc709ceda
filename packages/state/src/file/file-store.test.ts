import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrap } from '@agora/protocol';
import { storeConformance } from '../store.conformance.ts';
import type { StateStore } from '../store.ts';
import { openFileStore } from './file-store.ts';

async function open(dir: string, maxValueBytes?: number): Promise<StateStore> {
  const r = await openFileStore(maxValueBytes === undefined ? { dir } : { dir, maxValueBytes });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

storeConformance('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-state-'));
  const handles: StateStore[] = [await open(dir, 100_000)];
  return {
    store: handles[0]!,
    reopen: async () => {
      const s = await open(dir, 100_000);
      handles.push(s);
      return s;
    },
    cleanup: async () => {
      for (const h of handles) await h.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

test('file store: one owner per directory (LOCKED), free again after close', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-state-'));
  try {
    const a = await open(dir);
    const b = await openFileStore({ dir });
    assert.equal(b.ok ? 'ok' : b.error.code, 'LOCKED');
    if (!b.ok) assert.match(b.error.message, new RegExp(`pid ${process.pid}`));
    await a.close();
    const c = await open(dir);
    unwrap(await c.set('k', new Uint8Array([1]), 'absent'));
    await c.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file store: a process SIGKILLed while writing leaves each key whole (old or new value) and the directory free', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-state-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./crash-writer.fixture.ts', import.meta.url).pathname, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('writing') && resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill('SIGKILL');
    await exited;
    const s = await open(dir);
    try {
      const names = unwrap(await s.list('keys'));
      assert.equal(names.length, 10);
      for (const name of names) {
        const e = unwrap(await s.get(`keys/${name}`));
        assert.ok(e, name);
        const text = new TextDecoder().decode(e.value);
        assert.ok(text.startsWith(`keys/${name}@${e.version}:`), `keys/${name} holds '${text.slice(0, 30)}' at version ${e.version}`);
        // And the store continues from there.
        assert.equal(unwrap(await s.set(`keys/${name}`, new Uint8Array([1]), e.version)), e.version + 1);
      }
    } finally {
      await s.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file store: a damaged value file is CORRUPT (naming the file) until overwritten', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-state-'));
  try {
    const first = await open(dir);
    unwrap(await first.set('a/b', new TextEncoder().encode('hello world'), 'absent'));
    await first.close();
    const file = join(dir, 'kv', 'a', 'b', '.value');
    await truncate(file, (await readFile(file)).length - 3);
    const s = await open(dir);
    const g = await s.get('a/b');
    assert.ok(!g.ok);
    assert.equal(g.error.code, 'CORRUPT');
    assert.ok(g.error.message.includes(file), g.error.message);
    assert.match(g.error.message, /truncated/);
    const cas = await s.set('a/b', new Uint8Array([1]), 0);
    assert.equal(cas.ok ? 'ok' : cas.error.code, 'CORRUPT', 'a compare-and-set cannot compare against damage');
    unwrap(await s.set('a/b', new Uint8Array([2]), 'any'));
    assert.equal(unwrap(await s.get('a/b'))?.value[0], 2);
    await s.close();
    // A damaged fencing epoch refuses to open: no leader could write safely.
    await writeFile(join(dir, 'FENCE'), 'garbage');
    const r = await openFileStore({ dir });
    assert.equal(r.ok ? 'ok' : r.error.code, 'CORRUPT');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
