import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeConformance } from '../store.conformance.ts';
import { createMemoryStore, MemoryState } from './memory-store.ts';

storeConformance('memory', async () => {
  const state = new MemoryState({ maxValueBytes: 4096 });
  const store = state.connect();
  return { store, reopen: async () => state.connect(), cleanup: async () => store.close() };
});

test('memory store: handles on one MemoryState share data and the fencing epoch', async () => {
  const state = new MemoryState();
  const a = state.connect();
  const b = state.connect();
  const ta = await a.claimEpoch();
  assert.ok(ta.ok);
  assert.ok((await a.fenced(ta.value).set('k', new Uint8Array([1]), 'absent')).ok);
  const tb = await b.claimEpoch();
  assert.ok(tb.ok);
  const refused = await a.fenced(ta.value).set('k', new Uint8Array([2]), 0);
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'FENCED');
  await a.close();
  assert.equal((await b.get('k')).ok, true, 'closing one handle leaves the others open');
  assert.equal(createMemoryStore().kind, 'memory');
});
