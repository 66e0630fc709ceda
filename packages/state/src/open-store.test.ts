import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateStore } from './open-store.ts';

test('openStateStore: memory:, directories and file:// URLs; unknown schemes are named', async () => {
  const m = await openStateStore('memory:');
  assert.ok(m.ok);
  assert.equal(m.value.kind, 'memory');
  const dir = await mkdtemp(join(tmpdir(), 'agora-open-'));
  try {
    const f = await openStateStore(`file://${dir}`);
    assert.ok(f.ok);
    assert.equal(f.value.kind, 'file');
    await f.value.close();
    const p = await openStateStore(dir);
    assert.ok(p.ok);
    await p.value.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const [loc, why] of [['s3://bucket', /unknown store/], ['file://relative', /must be absolute/], ['zk://h:2181', /missing path/], ['', /empty/]] as const) {
    const r = await openStateStore(loc);
    assert.ok(!r.ok, loc);
    assert.match(r.error.message, why);
  }
});
