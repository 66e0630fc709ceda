/**
 * Every archive kind, made at test time by the real tools, fetched (file://) and extracted into a
 * sandbox; and hostile archives made with python3, each refused with a message naming the entry,
 * with nothing written outside the sandbox.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pyTar, pyTars, pyZips, sh, tempDir, testFetcher, zipLieAboutSize, type Member } from '../testing.ts';
import type { Fetcher, UriSpec } from '../fetcher.ts';

/** A tree with an executable script, a nested file and an inside symlink. */
function makeTree(root: string): string {
  const src = join(root, 'tree');
  mkdirSync(join(src, 'bin'), { recursive: true });
  mkdirSync(join(src, 'data'), { recursive: true });
  writeFileSync(join(src, 'bin', 'run.sh'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  writeFileSync(join(src, 'data', 'a.txt'), 'alpha\n', { mode: 0o640 });
  symlinkSync('data/a.txt', join(src, 'link'));
  return src;
}

async function fetchInto(f: Fetcher, root: string, uri: UriSpec, name = 'sandbox') {
  const sandbox = join(root, name);
  mkdirSync(sandbox, { recursive: true });
  const r = await f.fetchAll([uri], sandbox);
  return { r, sandbox };
}

function assertTree(sandbox: string): void {
  assert.equal(readFileSync(join(sandbox, 'bin', 'run.sh'), 'utf8'), '#!/bin/sh\necho hello\n');
  assert.equal(statSync(join(sandbox, 'bin', 'run.sh')).mode & 0o777, 0o755);
  assert.equal(statSync(join(sandbox, 'data', 'a.txt')).mode & 0o777, 0o640);
  assert.equal(readlinkSync(join(sandbox, 'link')), 'data/a.txt');
  assert.equal(readFileSync(join(sandbox, 'link'), 'utf8'), 'alpha\n');
  // The fetcher's private directory is gone.
  assert.deepEqual(readdirSync(sandbox).filter((n) => n.startsWith('.agora-fetch-')), []);
}

test('tar archives of every compression, made by tar, are extracted with modes and links', async (t) => {
  const root = tempDir(t);
  const src = makeTree(root);
  const f = testFetcher(root);
  const kinds: Array<[string, string]> = [['a.tar', '-cf'], ['a.tar.gz', '-czf'], ['a.tgz', '-czf'], ['a.tar.bz2', '-cjf'], ['a.tbz2', '-cjf'], ['a.tar.xz', '-cJf'], ['a.txz', '-cJf']];
  for (const [name, flags] of kinds) {
    const archive = join(root, name);
    sh('tar', [flags, archive, '-C', src, 'bin', 'data', 'link']);
    const { r, sandbox } = await fetchInto(f, root, { value: archive, extract: true }, `sb-${name}`);
    assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error}`);
    assertTree(sandbox);
    assert.equal(r.value.fetched[0]!.extracted!.entries, 5, name); // bin/, bin/run.sh, data/, data/a.txt, link
    // A download into the sandbox stays next to what it held (as Mesos).
    assert.ok(existsSync(join(sandbox, name)), name);
  }
});

test('zip archives made by zip keep modes and symlinks; a plain .gz is decompressed to its name', async (t) => {
  const root = tempDir(t);
  const src = makeTree(root);
  const f = testFetcher(root);
  sh('zip', ['-q', '-r', '-y', join(root, 'a.zip'), 'bin', 'data', 'link'], src);
  const z = await fetchInto(f, root, { value: `file://${join(root, 'a.zip')}` }, 'sb-zip');
  assert.ok(z.r.ok, z.r.ok ? '' : z.r.error);
  assertTree(z.sandbox);

  writeFileSync(join(root, 'notes.txt'), 'compressed text\n'.repeat(100));
  sh('gzip', ['-k', join(root, 'notes.txt')]);
  const g = await fetchInto(f, root, { value: join(root, 'notes.txt.gz') }, 'sb-gz');
  assert.ok(g.r.ok, g.r.ok ? '' : g.r.error);
  assert.equal(readFileSync(join(g.sandbox, 'notes.txt'), 'utf8'), 'compressed text\n'.repeat(100));
  assert.equal(g.r.value.fetched[0]!.path, 'notes.txt');
});

test('extract: false copies the archive as it is; executable: true makes it 0755 and never extracts', async (t) => {
  const root = tempDir(t);
  const src = makeTree(root);
  const f = testFetcher(root);
  sh('tar', ['-czf', join(root, 'a.tgz'), '-C', src, 'bin']);
  const copy = await fetchInto(f, root, { value: join(root, 'a.tgz'), extract: false }, 'sb1');
  assert.ok(copy.r.ok);
  assert.deepEqual(readdirSync(copy.sandbox).filter((n) => n !== 'stderr'), ['a.tgz']);
  const exe = await fetchInto(f, root, { value: join(root, 'a.tgz'), executable: true }, 'sb2');
  assert.ok(exe.r.ok);
  assert.equal(statSync(join(exe.sandbox, 'a.tgz')).mode & 0o7777, 0o755);
  assert.ok(!existsSync(join(exe.sandbox, 'bin')));
});

test('long names and link targets in GNU, pax and ustar tars (as tar writes them) come out whole', async (t) => {
  const root = tempDir(t);
  const src = join(root, 'tree');
  const deep = ['d'.repeat(60), 'e'.repeat(60), 'f'.repeat(60)];
  mkdirSync(join(src, ...deep), { recursive: true });
  writeFileSync(join(src, ...deep, 'file.txt'), 'deep');
  symlinkSync(join(...deep, 'file.txt'), join(src, `link-${'l'.repeat(120)}`));
  const f = testFetcher(root);
  for (const format of ['gnu', 'pax', 'ustar']) {
    // ustar splits a long path into prefix and name, but has no room for a long link target.
    sh('tar', [`--format=${format}`, '-cf', join(root, `${format}.tar`), '-C', src, ...(format === 'ustar' ? [deep[0]!] : ['.'])]);
    const { r, sandbox } = await fetchInto(f, root, { value: join(root, `${format}.tar`) }, `sb-${format}`);
    assert.ok(r.ok, `${format}: ${r.ok ? '' : r.error}`);
    assert.equal(readFileSync(join(sandbox, ...deep, 'file.txt'), 'utf8'), 'deep', format);
    if (format !== 'ustar') assert.equal(readFileSync(join(sandbox, `link-${'l'.repeat(120)}`), 'utf8'), 'deep', format);
  }
});

test('an extracted archive merges into what is already in the sandbox', async (t) => {
  const root = tempDir(t);
  const f = testFetcher(root);
  pyTar(join(root, 'a.tar'), [{ name: 'conf/one', data: '1' }]);
  pyTar(join(root, 'b.tar'), [{ name: 'conf/two', data: '2' }, { name: 'conf/one', data: 'new' }]);
  const sandbox = join(root, 'sb');
  mkdirSync(sandbox);
  const r = await f.fetchAll([{ value: join(root, 'a.tar') }, { value: join(root, 'b.tar') }], sandbox);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(readFileSync(join(sandbox, 'conf', 'one'), 'utf8'), 'new');
  assert.equal(readFileSync(join(sandbox, 'conf', 'two'), 'utf8'), '2');
});

test('setuid, setgid and sticky bits are stripped from files and directories', async (t) => {
  const root = tempDir(t);
  const f = testFetcher(root);
  pyTar(join(root, 'suid.tar'), [
    { name: 'sdir', type: 'dir', mode: 0o3775 },
    { name: 'sdir/su', data: 'x', mode: 0o4755 },
    { name: 'sg', data: 'y', mode: 0o2711 },
  ]);
  const { r, sandbox } = await fetchInto(f, root, { value: join(root, 'suid.tar') });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(statSync(join(sandbox, 'sdir')).mode & 0o7777, 0o775);
  assert.equal(statSync(join(sandbox, 'sdir', 'su')).mode & 0o7777, 0o755);
  assert.equal(statSync(join(sandbox, 'sg')).mode & 0o7777, 0o711);
  assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /Stripped setuid\/setgid\/sticky bits from 3 entries/);

  // A local file's own setuid bit does not survive a copy either.
  writeFileSync(join(root, 'tool'), '#!/bin/sh\n', { mode: 0o4755 });
  const c = await fetchInto(f, root, { value: join(root, 'tool') }, 'sb2');
  assert.ok(c.r.ok);
  assert.equal(statSync(join(c.sandbox, 'tool')).mode & 0o7777, 0o755);
});

/** Hostile archives: [what, members, expected message]. */
const HOSTILE_TARS: Array<[string, Member[], RegExp]> = [
  ['a ../ entry', [{ name: '../evil', data: 'x' }], /archive entry '\.\.\/evil' contains '\.\.'/],
  ['a deeper ../ entry', [{ name: 'ok/../../evil', data: 'x' }], /contains '\.\.'/],
  ['an absolute path', [{ name: '/tmp/agora-evil-abs', data: 'x' }], /has an absolute path/],
  ['a symlink out (absolute)', [{ name: 'l', type: 'symlink', target: '/etc' }], /symbolic link 'l' points to '\/etc', outside the sandbox/],
  ['a symlink out (relative)', [{ name: 'd/l', type: 'symlink', target: '../../x' }], /outside the sandbox/],
  ['a symlink then a write through it', [{ name: 'sub', type: 'dir' }, { name: 'l', type: 'symlink', target: 'sub' }, { name: 'l/x', data: 'x' }], /'l\/x' would be written through the symbolic link 'l'/],
  ['links that escape only together', [{ name: 'x', type: 'dir' }, { name: 'x/l', type: 'symlink', target: '..' }, { name: 'y', type: 'symlink', target: 'x/l/..' }], /'y' leads outside the sandbox through the archive's other links/],
  ['a hard link to an outside file', [{ name: 'h', type: 'hardlink', target: '/etc/passwd' }], /hard link 'h' points to '\/etc\/passwd', which is not a file extracted earlier/],
  ['a hard link with ..', [{ name: 'h', type: 'hardlink', target: '../outside' }], /hard link 'h'/],
  ['a character device', [{ name: 'null', type: 'chr' }], /'null' is a character device: device files, FIFOs and sockets are not extracted/],
  ['a block device', [{ name: 'sda', type: 'blk' }], /is a block device/],
  ['a FIFO', [{ name: 'pipe', type: 'fifo' }], /is a FIFO/],
  ['a file under a file', [{ name: 'f', data: 'x' }, { name: 'f/g', data: 'y' }], /'f\/g' is inside 'f', which is a file/],
  ['a file replacing a directory', [{ name: 'd', type: 'dir' }, { name: 'd', data: 'y' }], /'d' would replace a directory/],
  ['a ../ name long enough for a pax header', [{ name: `../${'x'.repeat(150)}`, data: 'x' }], /archive entry '\.\.\/x{150}' contains '\.\.'/],
  ['a path past PATH_MAX', [{ name: `${'d/'.repeat(2100)}f`, data: 'x' }], /has a path longer than 4095 bytes/],
  ['a huge declared size', [{ name: 'big', size: 10 * 1024 ** 3, data: 'short' }], /larger than the limit of 16MB.*'big'/],
];

// Made with one python3 run for all the cases.
let hostileDir = '';
before(() => {
  hostileDir = mkdtempSync(join(tmpdir(), 'agora-fetch-hostile-'));
  pyTars(HOSTILE_TARS.map((_, i) => ({ path: join(hostileDir, `${i}`, 'evil.tar'), members: HOSTILE_TARS[i]![1] })).map((a) => (mkdirSync(join(a.path, '..')), a)));
});
after(() => rmSync(hostileDir, { recursive: true, force: true }));

for (const [i, [what, , message]] of HOSTILE_TARS.entries()) {
  test(`a hostile tar is refused: ${what}`, async () => {
    const root = join(hostileDir, `${i}`);
    const f = testFetcher(root);
    const { r, sandbox } = await fetchInto(f, root, { value: join(root, 'evil.tar') }, 'deep/sandbox');
    assert.ok(!r.ok, 'refused');
    assert.match(r.error, /^Failed to fetch '.*evil\.tar': cannot extract 'evil\.tar': /);
    assert.match(r.error, message);
    // Nothing of the archive's reached the sandbox or anywhere around it.
    assert.deepEqual(readdirSync(sandbox).sort(), ['stderr']);
    assert.deepEqual(readdirSync(join(root, 'deep')), ['sandbox']);
    assert.ok(!existsSync('/tmp/agora-evil-abs'));
    assert.match(readFileSync(join(sandbox, 'stderr'), 'utf8'), /^E.*Failed to fetch/m);
  });
}

test('a hard link to a file of the same archive is extracted', async (t) => {
  const root = tempDir(t);
  const f = testFetcher(root);
  pyTar(join(root, 'h.tar'), [{ name: 'a/f', data: 'shared' }, { name: 'b/h', type: 'hardlink', target: 'a/f' }]);
  const { r, sandbox } = await fetchInto(f, root, { value: join(root, 'h.tar') });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(readFileSync(join(sandbox, 'b', 'h'), 'utf8'), 'shared');
  assert.equal(statSync(join(sandbox, 'b', 'h')).ino, statSync(join(sandbox, 'a', 'f')).ino);
});

test('an archived directory over a symlink already in the sandbox replaces the link, never writes through it', async (t) => {
  const root = tempDir(t);
  const f = testFetcher(root);
  const outside = join(root, 'outside');
  mkdirSync(outside);
  const sandbox = join(root, 'sb');
  mkdirSync(sandbox);
  symlinkSync(outside, join(sandbox, 'data'));
  pyTar(join(root, 'a.tar'), [{ name: 'data/a.txt', data: 'inside' }]);
  const r = await f.fetchAll([{ value: join(root, 'a.tar') }], sandbox);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(readdirSync(outside), []);
  assert.ok(lstatSync(join(sandbox, 'data')).isDirectory());
  assert.equal(readFileSync(join(sandbox, 'data', 'a.txt'), 'utf8'), 'inside');
});

test('hostile zips are refused: zip slip, absolute names, links out, devices, bombs and lying sizes', async (t) => {
  const root = tempDir(t);
  const f = testFetcher(root, { maxSize: 1024 * 1024 });
  const cases: Array<[string, Array<Member & { repeat?: number }>, RegExp, ((p: string) => void)?]> = [
    ['slip', [{ name: '../../evil.txt', data: 'x' }], /archive entry '\.\.\/\.\.\/evil\.txt' contains '\.\.'/],
    ['abs', [{ name: '/tmp/agora-evil-zip', data: 'x' }], /has an absolute path/],
    ['link', [{ name: 'l', type: 'symlink', target: '/etc/passwd' }], /symbolic link 'l' points to '\/etc\/passwd', outside the sandbox/],
    ['dev', [{ name: 'c', type: 'chr' }], /'c' is a character device/],
    ['bomb', [{ name: 'zeros', data: '\0'.repeat(1024), repeat: 2 * 1024 }], /larger than the limit of 1MB/],
    ['liar', [{ name: 'small', data: 'y'.repeat(5000) }], /zip entry 'small' inflates past its declared size of 10 bytes/, (p) => zipLieAboutSize(p, 10)],
  ];
  pyZips(cases.map(([name, members]) => ({ path: join(root, `${name}.zip`), members })));
  for (const [name, , message, patch] of cases) {
    const archive = join(root, `${name}.zip`);
    patch?.(archive);
    const { r, sandbox } = await fetchInto(f, root, { value: archive }, `sb-${name}`);
    assert.ok(!r.ok, name);
    assert.match(r.error, message, name);
    assert.deepEqual(readdirSync(sandbox), ['stderr'], name);
  }
  assert.ok(!existsSync('/tmp/agora-evil-zip'));
  assert.ok(!existsSync(join(root, 'evil.txt')));
});

test('archives over the entry limit, and corrupt archives, fail with a reason', async (t) => {
  const root = tempDir(t);
  const f = testFetcher(root, { maxEntries: 5 });
  pyTar(join(root, 'many.tar'), Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
  const many = await fetchInto(f, root, { value: join(root, 'many.tar') }, 'sb1');
  assert.ok(!many.r.ok);
  assert.match(many.r.error, /more than 5 entries/);
  // Directories made for deep paths count too: one entry cannot create thousands of them.
  pyTar(join(root, 'deep.tar'), [{ name: `${'d/'.repeat(10)}f`, data: 'x' }]);
  const deep = await fetchInto(f, root, { value: join(root, 'deep.tar') }, 'sb1b');
  assert.ok(!deep.r.ok);
  assert.match(deep.r.error, /more than 5 entries \(directories included\)/);

  // Bytes the extractor only skips (here the declared content of a link) count toward the limit.
  const small = testFetcher(root, { maxSize: 1024 * 1024, maxEntries: 5 });
  pyTar(join(root, 'zeros.tar'), [{ name: 'l', type: 'symlink', target: 'x', size: 8 * 1024 * 1024, data: '\0'.repeat(8 * 1024 * 1024) }]);
  sh('gzip', [join(root, 'zeros.tar')]);
  const zeros = await fetchInto(small, root, { value: join(root, 'zeros.tar.gz') }, 'sb1c');
  assert.ok(!zeros.r.ok);
  assert.match(zeros.r.error, /decompressed, the archive is larger than 2\.0MB \(--fetcher-max-size plus room for headers\)/);

  writeFileSync(join(root, 'junk.tar.gz'), 'this is not gzip');
  const junk = await fetchInto(f, root, { value: join(root, 'junk.tar.gz') }, 'sb2');
  assert.ok(!junk.r.ok);
  assert.match(junk.r.error, /cannot extract 'junk\.tar\.gz': gzip: /);

  writeFileSync(join(root, 'junk.tar.xz'), 'this is not xz');
  const xz = await fetchInto(f, root, { value: join(root, 'junk.tar.xz') }, 'sb3');
  assert.ok(!xz.r.ok);
  assert.match(xz.r.error, /cannot extract 'junk\.tar\.xz': xz: /);

  writeFileSync(join(root, 'junk.zip'), 'PK not really');
  const zip = await fetchInto(f, root, { value: join(root, 'junk.zip') }, 'sb4');
  assert.ok(!zip.r.ok);
  assert.match(zip.r.error, /not a zip archive/);
});
