import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
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
