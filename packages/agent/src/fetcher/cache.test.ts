/**
 * The fetcher cache, through the fetcher and a real HTTP server that counts its requests: hits
 * and misses, one download shared by concurrent fetches, LRU eviction under the size limit,
 * downloads too large to keep, failures not cached, a disabled cache, cancellation of one of
 * several waiters, and files of an earlier agent removed at start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { body, pyTar, serve, tempDir, testFetcher, type Route } from './testing.ts';

let n = 0;
function sandboxIn(root: string): string {
  const dir = join(root, `sandbox-${++n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('a cached URI is downloaded once: the second fetch is a hit, with its own copy in its sandbox', async (t) => {
  const root = tempDir(t);
  const server = await serve(t, { '/tool.sh': body('#!/bin/sh\necho cached\n') });
  const f = testFetcher(root);
  const uri = { value: `${server.url}/tool.sh`, cache: true, executable: true };
  const first = sandboxIn(root);
  const a = await f.fetchAll([uri], first);
  assert.ok(a.ok, a.ok ? '' : a.error);
  assert.equal(a.value.fetched[0]!.cache, 'miss');
  // The task may change its copy: the cache's stays as downloaded.
  writeFileSync(join(first, 'tool.sh'), 'changed');
  const second = sandboxIn(root);
  const b = await f.fetchAll([uri], second);
  assert.ok(b.ok, b.ok ? '' : b.error);
  assert.equal(b.value.fetched[0]!.cache, 'hit');
  assert.equal(readFileSync(join(second, 'tool.sh'), 'utf8'), '#!/bin/sh\necho cached\n');
  assert.equal(statSync(join(second, 'tool.sh')).mode & 0o777, 0o755);
  assert.equal(server.count('/tool.sh'), 1);
  assert.deepEqual(f.cacheStats(), { entries: 1, bytes: 22, capacity: 1024 * 1024, hits: 1, misses: 1, evictions: 0 });
  assert.match(readFileSync(join(second, 'stderr'), 'utf8'), /Found in the cache/);
  // The cache directory is private to the agent.
  assert.equal(statSync(join(root, 'cache')).mode & 0o777, 0o700);
});

test('concurrent fetches of one URI share one download; a cached archive is extracted into each sandbox', async (t) => {
  const root = tempDir(t);
  pyTar(join(root, 'app.tar'), [{ name: 'app/run', data: 'run', mode: 0o755 }]);
  const server = await serve(t, { '/app.tar': body(readFileSync(join(root, 'app.tar')), 100) });
  const f = testFetcher(root);
  const sandboxes = [sandboxIn(root), sandboxIn(root), sandboxIn(root)];
  const results = await Promise.all(sandboxes.map((s) => f.fetchAll([{ value: `${server.url}/app.tar`, cache: true }], s)));
  for (const [i, r] of results.entries()) {
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(readFileSync(join(sandboxes[i]!, 'app', 'run'), 'utf8'), 'run');
    // Extracted from the cache's file: no copy of the archive is left in the sandbox.
    assert.deepEqual(readdirSync(sandboxes[i]!).sort(), ['app', 'stderr']);
  }
  assert.equal(server.count('/app.tar'), 1);
  assert.deepEqual(results.map((r) => (r.ok ? r.value.fetched[0]!.cache : 'failed')).sort(), ['hit', 'hit', 'miss']);
});

test('the least recently used entries are evicted to stay under --fetcher-cache-size; a download too large is served, not kept', async (t) => {
  const root = tempDir(t);
  const routes: Record<string, Route> = {};
  for (const name of ['a', 'b', 'c']) routes[`/${name}`] = body(name.repeat(1200));
  routes['/huge'] = body('h'.repeat(5000));
  const server = await serve(t, routes);
  const f = testFetcher(root, { cacheSize: 3000 });
  const get = async (name: string) => {
    const r = await f.fetchAll([{ value: `${server.url}/${name}`, cache: true }], sandboxIn(root));
    assert.ok(r.ok, r.ok ? '' : r.error);
    return r.value.fetched[0]!.cache;
  };
  assert.equal(await get('a'), 'miss');
  assert.equal(await get('b'), 'miss');
  assert.equal(await get('a'), 'hit'); // a is now the most recently used
  assert.equal(await get('c'), 'miss'); // 3600 > 3000: b (least recently used) goes
  assert.deepEqual(f.cacheStats(), { entries: 2, bytes: 2400, capacity: 3000, hits: 1, misses: 3, evictions: 1 });
  assert.equal(await get('a'), 'hit');
  assert.equal(await get('b'), 'miss');
  assert.equal(server.count('/a'), 1);
  assert.equal(server.count('/b'), 2);
  assert.equal(await get('huge'), 'miss');
  assert.equal(await get('huge'), 'miss');
  assert.equal(server.count('/huge'), 2);
  const stats = f.cacheStats();
  assert.ok(stats.bytes <= 3000, `${stats.bytes} bytes cached`);
  // On disk too: only the kept entries' files remain.
  const onDisk = readdirSync(join(root, 'cache')).reduce((sum, name) => sum + statSync(join(root, 'cache', name)).size, 0);
  assert.equal(onDisk, stats.bytes);
});

test('a failed download is not cached; --fetcher-cache-size=0 fetches directly every time', async (t) => {
  const root = tempDir(t);
  let ready = false;
  const server = await serve(t, { '/flaky': (req, res) => (ready ? body('now here')(req, res) : res.writeHead(503).end()) });
  const f = testFetcher(root);
  const uri = { value: `${server.url}/flaky`, cache: true };
  const a = await f.fetchAll([uri], sandboxIn(root));
  assert.ok(!a.ok);
  assert.match(a.error, /received HTTP return code 503/);
  ready = true;
  const b = await f.fetchAll([uri], sandboxIn(root));
  assert.ok(b.ok, b.ok ? '' : b.error);
  assert.equal(b.value.fetched[0]!.cache, 'miss');
  assert.equal(server.count('/flaky'), 2);

  const off = testFetcher(join(root, 'off'), { cacheSize: 0 });
  const s = sandboxIn(root);
  for (let i = 0; i < 2; i++) {
    const r = await off.fetchAll([{ ...uri, output_file: `copy${i}` }], s);
    assert.ok(r.ok);
    assert.equal(r.value.fetched[0]!.cache, 'bypass');
  }
  assert.equal(server.count('/flaky'), 4);
  assert.match(readFileSync(join(s, 'stderr'), 'utf8'), /^W.*The fetcher cache is disabled/m);
});

test('cancelling one of two fetches waiting for a download leaves the download to the other', async (t) => {
  const root = tempDir(t);
  const server = await serve(t, { '/slow': body('finally', 200) });
  const f = testFetcher(root);
  const uri = { value: `${server.url}/slow`, cache: true };
  const controller = new AbortController();
  const cancelled = f.fetchAll([uri], sandboxIn(root), { signal: controller.signal });
  const kept = f.fetchAll([uri], sandboxIn(root));
  setTimeout(() => controller.abort(), 50);
  const [c, k] = await Promise.all([cancelled, kept]);
  assert.ok(!c.ok);
  assert.match(c.error, /the fetch was cancelled$/);
  assert.ok(k.ok, k.ok ? '' : k.error);
  assert.equal(server.count('/slow'), 1);
});

test("files an earlier agent left in the cache directory are removed when the cache is first used; others are not", async (t) => {
  const root = tempDir(t);
  const dir = join(root, 'cache');
  mkdirSync(dir);
  writeFileSync(join(dir, 'c7-old.tgz'), 'stale');
  writeFileSync(join(dir, 'README'), 'not ours');
  const server = await serve(t, { '/x': body('x') });
  const f = testFetcher(root);
  const r = await f.fetchAll([{ value: `${server.url}/x`, cache: true }], sandboxIn(root));
  assert.ok(r.ok);
  const left = readdirSync(dir).sort();
  assert.ok(!left.includes('c7-old.tgz'));
  assert.ok(left.includes('README'));
});
