/**
 * The fetcher end to end on real files: local URIs, output names (and hostile ones), the
 * sandbox log, plug-ins (commandPlugin and --fetcher-plugins modules), and fetching as the
 * task's user when the agent is root. HTTP and the cache: plugins/http.test.ts, cache.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../containerizer/users.ts';
import { loadPluginModules } from './plugin-modules.ts';
import { commandPlugin } from './plugins/command.ts';
import { tempDir, testFetcher } from './testing.ts';

function sandboxIn(root: string, name = 'sandbox'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('file:// URIs and plain absolute paths are copied, keeping permission bits; executable makes 0755', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'data.txt'), 'data\n', { mode: 0o640 });
  writeFileSync(join(root, 'tool'), '#!/bin/sh\n', { mode: 0o644 });
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  const r = await f.fetchAll(
    [
      { value: `file://${root}/data.txt` },
      { value: `  file://localhost${root}/data.txt`, output_file: 'copy.txt' },
      { value: `${root}/tool`, executable: true },
    ],
    sandbox,
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.fetched.map((x) => [x.path, x.bytes, x.cache]), [['data.txt', 5, 'bypass'], ['copy.txt', 5, 'bypass'], ['tool', 10, 'bypass']]);
  assert.equal(readFileSync(join(sandbox, 'data.txt'), 'utf8'), 'data\n');
  assert.equal(statSync(join(sandbox, 'data.txt')).mode & 0o777, 0o640);
  assert.equal(readFileSync(join(sandbox, 'copy.txt'), 'utf8'), 'data\n');
  assert.equal(statSync(join(sandbox, 'tool')).mode & 0o7777, 0o755);
  const log = readFileSync(join(sandbox, 'stderr'), 'utf8');
  assert.match(log, /^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ fetcher\.ts\] Fetching 3 URIs into '/m);
  assert.match(log, /Fetched 'file:\/\/.*data\.txt' to '.*\/sandbox\/data\.txt' \(5B in /);
  assert.match(log, /Successfully fetched all URIs into/);
});

test('output_file may name nested directories (created) and replaces a file or link there without following it', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'a'), 'A');
  const outside = join(root, 'outside.txt');
  writeFileSync(outside, 'untouched');
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  symlinkSync(outside, join(sandbox, 'replaced'));
  const r = await f.fetchAll([{ value: join(root, 'a'), output_file: 'conf/deep/er/a.cfg' }, { value: join(root, 'a'), output_file: './/replaced' }], sandbox);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(readFileSync(join(sandbox, 'conf/deep/er/a.cfg'), 'utf8'), 'A');
  assert.ok(lstatSync(join(sandbox, 'replaced')).isFile());
  assert.equal(readFileSync(outside, 'utf8'), 'untouched');
  // A leading '/' stays inside the sandbox too (as Mesos joins it under the sandbox).
  const abs = await f.fetchAll([{ value: join(root, 'a'), output_file: '/etc/agora-fetch-abs' }], sandbox);
  assert.ok(abs.ok, abs.ok ? '' : abs.error);
  assert.equal(readFileSync(join(sandbox, 'etc', 'agora-fetch-abs'), 'utf8'), 'A');
  assert.ok(!existsSync('/etc/agora-fetch-abs'));
});

test('hostile output names and URIs fail the fetch, naming the URI, and write nothing', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'a'), 'A');
  const outsideDir = join(root, 'outside');
  mkdirSync(outsideDir);
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  symlinkSync(outsideDir, join(sandbox, 'escape'));
  const cases: Array<[{ value: string; output_file?: string }, RegExp]> = [
    [{ value: join(root, 'a'), output_file: '../a' }, /the output file '\.\.\/a' would leave the sandbox/],
    [{ value: join(root, 'a'), output_file: 'x/../../a' }, /would leave the sandbox/],
    [{ value: join(root, 'a'), output_file: 'a\0b' }, /contains NUL/],
    [{ value: join(root, 'a'), output_file: 'dir/' }, /ends with '\/'/],
    [{ value: join(root, 'a'), output_file: '.' }, /names no file/],
    [{ value: join(root, 'a'), output_file: `${'d/'.repeat(2100)}a` }, /longer than 4095 bytes/],
    [{ value: join(root, 'a'), output_file: 'escape/a' }, /cannot put 'escape\/a' in the sandbox: .*escape' is a symbolic link/],
    [{ value: `${root}/a\0` }, /illegal characters in the URI/],
    [{ value: `${root}/it's` }, /illegal characters/],
    [{ value: 'relative/path' }, /relative paths are not supported/],
    [{ value: 'file://relative' }, /file URIs take absolute paths only/],
    [{ value: 'http://host-only' }, /malformed URI \(missing path\)/],
    [{ value: 'http://host/' }, /malformed URI/],
    [{ value: `${root}/missing` }, /cannot read '.*\/missing': no such file or directory/],
    [{ value: root }, /is a directory: only regular files can be fetched/],
    [{ value: '/dev/null' }, /'\/dev\/null' is a character device/],
    [{ value: 'gopher://host/x' }, /no fetcher plug-in handles 'gopher:\/\/' URIs \(this agent fetches: file, http, https\)/],
  ];
  for (const [uri, message] of cases) {
    const r = await f.fetchAll([uri], sandbox);
    assert.ok(!r.ok, JSON.stringify(uri));
    assert.ok(r.error.startsWith(`Failed to fetch '${uri.value.trimStart()}': `), r.error);
    assert.match(r.error, message);
  }
  assert.deepEqual(readdirSync(outsideDir), []);
  assert.deepEqual(readdirSync(sandbox).sort(), ['escape', 'stderr']);
  assert.equal(readlinkSync(join(sandbox, 'escape')), outsideDir);
});

test('the first failure stops the fetch: later URIs are not fetched', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'a'), 'A');
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  const r = await f.fetchAll([{ value: join(root, 'a') }, { value: join(root, 'nope') }, { value: join(root, 'a'), output_file: 'b' }], sandbox);
  assert.ok(!r.ok);
  assert.ok(existsSync(join(sandbox, 'a')));
  assert.ok(!existsSync(join(sandbox, 'b')));
});

test('a scheme plug-in made with commandPlugin: success, a failing command, a missing program, the size limit', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'remote.txt'), 'from the store\n');
  writeFileSync(join(root, 'big'), 'x'.repeat(5000));
  const store = commandPlugin({ name: 'store', schemes: ['store'], argv: (uri) => ['cat', `${root}/${uri.basename}`] });
  const broken = commandPlugin({ name: 'broken', schemes: ['broken'], argv: () => ['sh', '-c', 'echo partial; echo "no such bucket" >&2; exit 3'] });
  const missing = commandPlugin({ name: 'missing', schemes: ['hdfs'], argv: (uri) => ['agora-no-such-hadoop', 'fs', '-cat', uri.value] });
  const f = testFetcher(root, { plugins: [store, broken, missing], maxSize: 4096 });
  assert.deepEqual(f.plugins.schemes(), ['broken', 'file', 'hdfs', 'http', 'https', 'store']);
  const sandbox = sandboxIn(root);
  const ok = await f.fetchAll([{ value: 'store://bucket/remote.txt' }], sandbox);
  assert.ok(ok.ok, ok.ok ? '' : ok.error);
  assert.equal(readFileSync(join(sandbox, 'remote.txt'), 'utf8'), 'from the store\n');
  assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /Downloading resource with 'cat' from 'store:\/\/bucket\/remote\.txt'/);

  const bad = await f.fetchAll([{ value: 'broken://b/x' }], sandbox);
  assert.ok(!bad.ok);
  assert.equal(bad.error, "Failed to fetch 'broken://b/x': 'sh' exited with status 3: no such bucket");
  const none = await f.fetchAll([{ value: 'hdfs://nn/x' }], sandbox);
  assert.ok(!none.ok);
  assert.match(none.error, /'agora-no-such-hadoop' is not installed \(or not on the agent's PATH\)/);
  const big = await f.fetchAll([{ value: 'store://bucket/big' }], sandbox);
  assert.ok(!big.ok);
  assert.match(big.error, /larger than the limit of 4KB \(--fetcher-max-size\)/);
  assert.ok(!existsSync(join(sandbox, 'x')) && !existsSync(join(sandbox, 'big')));
});

test('--fetcher-plugins modules: a module exporting plugins is loaded; a module exporting none is refused', async (t) => {
  const root = tempDir(t);
  const good = join(root, 'good.mjs');
  writeFileSync(
    good,
    `import { writeFile } from 'node:fs/promises';
export const plugins = [{ name: 'echo', schemes: ['echo'], async fetch(uri, dest) {
  const text = uri.value.slice('echo://'.length) + '\\n';
  await writeFile(dest, text, { flag: 'wx' });
  return { ok: true, value: { bytes: Buffer.byteLength(text) } };
} }];\n`,
  );
  // As the README shows: commandPlugin imported from the agent's index by absolute path.
  const viaAgent = join(root, 'cmd.mjs');
  const index = new URL('../index.ts', import.meta.url).pathname;
  writeFileSync(viaAgent, `import { commandPlugin } from '${index}';\nexport default commandPlugin({ name: 'pr', schemes: ['pr'], argv: (uri) => ['printf', '%s', uri.basename] });\n`);
  writeFileSync(join(root, 'bad.mjs'), 'export const something = 1;\n');
  const loaded = await loadPluginModules([good, viaAgent]);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
  const f = testFetcher(root, { plugins: loaded.value });
  const sandbox = sandboxIn(root);
  const r = await f.fetchAll([{ value: 'echo://hello/world.txt' }, { value: 'pr://x/printed' }], sandbox);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(readFileSync(join(sandbox, 'world.txt'), 'utf8'), 'hello/world.txt\n');
  assert.equal(readFileSync(join(sandbox, 'printed'), 'utf8'), 'printed');

  const bad = await loadPluginModules([join(root, 'bad.mjs')]);
  assert.ok(!bad.ok);
  assert.match(bad.error, /^--fetcher-plugins: '.*bad\.mjs' exports no fetcher plug-in/);
  const gone = await loadPluginModules([join(root, 'gone.mjs')]);
  assert.ok(!gone.ok);
  assert.match(gone.error, /^--fetcher-plugins: cannot load/);
});

test("a plug-in that throws fails the fetch (never the agent); one that writes nothing is caught", async (t) => {
  const root = tempDir(t);
  const thrower = { name: 'thrower', schemes: ['boom'], fetch: () => Promise.reject(new Error('kaboom')) };
  const liar = { name: 'liar', schemes: ['liar'], fetch: () => Promise.resolve({ ok: true as const, value: { bytes: 3 } }) };
  const f = testFetcher(root, { plugins: [thrower, liar] });
  const sandbox = sandboxIn(root);
  const a = await f.fetchAll([{ value: 'boom://x/y' }], sandbox);
  assert.ok(!a.ok);
  assert.equal(a.error, "Failed to fetch 'boom://x/y': the thrower plug-in failed: kaboom");
  const b = await f.fetchAll([{ value: 'liar://x/y' }], sandbox);
  assert.ok(!b.ok);
  assert.equal(b.error, "Failed to fetch 'liar://x/y': the liar plug-in produced no file");
});

test('as root, files are read as the task user and handed to them', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const nobody = lookupUser('nobody');
  if (!nobody) return t.skip('no user nobody');
  const root = tempDir(t);
  chmodSync(root, 0o755);
  writeFileSync(join(root, 'public.txt'), 'public', { mode: 0o644 });
  writeFileSync(join(root, 'secret.txt'), 'secret', { mode: 0o600 });
  const f = testFetcher(root);
  const sandbox = sandboxIn(root);
  const r = await f.fetchAll([{ value: join(root, 'public.txt') }], sandbox, { user: 'nobody' });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(statSync(join(sandbox, 'public.txt')).uid, nobody.uid);
  const denied = await f.fetchAll([{ value: join(root, 'secret.txt') }], sandbox, { user: 'nobody' });
  assert.ok(!denied.ok);
  assert.match(denied.error, /cannot read '.*secret\.txt' as user 'nobody': .*Permission denied/);
  const unknown = await f.fetchAll([{ value: join(root, 'public.txt') }], sandbox, { user: 'agora-no-such-user' });
  assert.ok(!unknown.ok);
  assert.match(unknown.error, /the user 'agora-no-such-user' does not exist on this agent/);
});

test('a cancelled fetch stops and says so; a closed fetcher refuses new fetches', async (t) => {
  const root = tempDir(t);
  const slow = commandPlugin({ name: 'slow', schemes: ['slow'], argv: () => ['sleep', '5'] });
  const f = testFetcher(root, { plugins: [slow] });
  const sandbox = sandboxIn(root);
  const controller = new AbortController();
  const started = Date.now();
  const pending = f.fetchAll([{ value: 'slow://x/y' }], sandbox, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const r = await pending;
  assert.ok(!r.ok);
  assert.equal(r.error, "Failed to fetch 'slow://x/y': the fetch was cancelled");
  assert.ok(Date.now() - started < 2000);
  await f.close();
  const after = await f.fetchAll([{ value: 'slow://x/y' }], sandbox);
  assert.ok(!after.ok);
  assert.match(after.error, /the agent is stopping/);
});
