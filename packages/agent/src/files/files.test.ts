import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, runCustom, startTestAgent } from '../testing/agent-harness.ts';

async function sandboxAgent(t: { after(fn: () => unknown): void }) {
  const a = await startTestAgent(t, ['--executor-registration-timeout=10mins']);
  runCustom(a.master, 't1', 'ex-1', 'sleep 30');
  await eventually(() => a.agent.core.frameworks.get('fw-1')?.executors.get('ex-1')?.pid !== undefined, 5000, 'executor launched (sandbox made)');
  const dir = a.agent.core.frameworks.get('fw-1')!.executors.get('ex-1')!.directory;
  writeFileSync(join(dir, 'stdout'), 'hello\n');
  mkdirSync(join(dir, 'sub', 'dir'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'dir', 'file.txt'), 'inside');
  writeFileSync(join(dir, 'big'), Buffer.alloc(100_000, 'x'));
  symlinkSync('/etc/passwd', join(dir, 'leak'));
  symlinkSync('/', join(dir, 'rootlink'));
  symlinkSync('sub', join(dir, 'inner'));
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  const get = async (endpoint: string, query: string) => {
    const res = await fetch(`${a.url}/files/${endpoint}?${query}`);
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };
  return { ...a, dir, get };
}

const LATEST = '/frameworks/fw-1/executors/ex-1/runs/latest';
const q = (path: string) => `path=${encodeURIComponent(path)}`;

test('browse, read and download sandbox files with Mesos JSON', async (t) => {
  const { get, dir, agent, url } = await sandboxAgent(t);
  const browse = await get('browse', q(LATEST));
  assert.equal(browse.status, 200);
  const entries = JSON.parse(browse.body) as Array<{ path: string; mode: string; size: number; nlink: number; mtime: number; uid: string; gid: string }>;
  const byName = new Map(entries.map((e) => [e.path.split('/').pop()!, e]));
  assert.deepEqual([...byName.keys()], ['big', 'inner', 'leak', 'pipe', 'rootlink', 'stderr', 'stdout', 'sub']);
  assert.equal(byName.get('stdout')!.path, `${LATEST}/stdout`);
  assert.equal(byName.get('stdout')!.size, 6);
  assert.match(byName.get('stdout')!.mode, /^-rw-/);
  assert.equal(byName.get('stdout')!.uid, 'root');
  assert.match(byName.get('sub')!.mode, /^d/);
  assert.match(byName.get('inner')!.mode, /^d/, 'a link inside the sandbox is followed');
  assert.match(byName.get('leak')!.mode, /^l/, 'a link leaving the sandbox shows as a link, nothing of its target');
  assert.notEqual(byName.get('leak')!.size, (await import('node:fs')).statSync('/etc/passwd').size);

  const legacy = await get('browse', q(dir));
  assert.equal(legacy.status, 200);
  assert.ok((JSON.parse(legacy.body) as Array<{ path: string }>).some((e) => e.path === `${dir}/stdout`));

  assert.deepEqual(JSON.parse((await get('read', `${q(`${LATEST}/stdout`)}&offset=0`)).body), { offset: 0, data: 'hello\n' });
  assert.deepEqual(JSON.parse((await get('read', `${q(`${LATEST}/stdout`)}&offset=-1`)).body), { offset: 6, data: '' });
  assert.deepEqual(JSON.parse((await get('read', q(`${LATEST}/stdout`))).body), { offset: 6, data: '' }, 'no offset: the end (pailer)');
  assert.deepEqual(JSON.parse((await get('read', `${q(`${LATEST}/stdout`)}&offset=2&length=2`)).body), { offset: 2, data: 'll' });
  assert.deepEqual(JSON.parse((await get('read', `${q(`${LATEST}/stdout`)}&offset=100`)).body), { offset: 6, data: '' });
  assert.equal((JSON.parse((await get('read', `${q(`${LATEST}/big`)}&offset=0&length=1000000`)).body) as { data: string }).data.length, 65536, 'capped at 16 pages');
  assert.equal((await get('read', `${q(`${LATEST}/inner/dir/file.txt`)}&offset=0`)).status, 200);
  assert.equal((await get('read', `${q(`${LATEST}/stdout`)}&offset=abc`)).status, 400);
  assert.equal((await get('read', `${q(`${LATEST}/stdout`)}&offset=-5`)).status, 400);
  assert.equal((await get('read', `${q(`${LATEST}/stdout`)}&length=-2`)).status, 400);
  assert.equal((await get('read', `${q(`${LATEST}/sub`)}&offset=0`)).status, 400, 'a directory');
  const fifo = await get('read', `${q(`${LATEST}/pipe`)}&offset=0`);
  assert.equal(fifo.status, 400, 'a FIFO is refused, not waited on');
  assert.equal((await get('read', '')).status, 400);
  assert.equal((await get('read', `${q(`${LATEST}/stdout`)}&${q(`${LATEST}/stderr`)}`)).status, 400, 'two paths');
  assert.deepEqual(JSON.parse((await get('read', `${q(`${LATEST}/stdout`)}&offset=0&jsonp=cb`)).body.replace(/^cb\(|\);$/g, '')), { offset: 0, data: 'hello\n' });

  const dl = await get('download', q(`${LATEST}/stdout`));
  assert.equal(dl.status, 200);
  assert.equal(dl.body, 'hello\n');
  assert.equal(dl.type, 'application/octet-stream');
  assert.equal((await get('download', q(`${LATEST}/sub`))).status, 400);

  // The operator API's LIST_FILES and READ_FILE use the same rules.
  const call = (body: unknown) => fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const list = (await (await call({ type: 'LIST_FILES', list_files: { path: LATEST } })).json()) as { list_files: { file_infos: Array<{ path: string }> } };
  assert.ok(list.list_files.file_infos.some((f) => f.path === `${LATEST}/stdout`));
  const read = (await (await call({ type: 'READ_FILE', read_file: { path: `${LATEST}/stdout`, offset: 1 } })).json()) as { read_file: { size: number; data: string } };
  assert.deepEqual(read.read_file, { size: 6, data: Buffer.from('ello\n').toString('base64') });
  assert.equal((await call({ type: 'READ_FILE', read_file: { path: `${LATEST}/leak`, offset: 0 } })).status, 403);
  assert.ok(agent.core.frameworks.size > 0);
});

test('nothing outside the sandboxes can be read: symlinks, .., encoded traversal, absolute paths, NUL', async (t) => {
  const { get, dir, workDir } = await sandboxAgent(t);
  // A planted sibling sandbox whose run directory is a symlink to /etc, and a forged `latest`.
  const ghost = join(workDir, 'slaves/S1/frameworks/fw-1/executors/ghost/runs');
  mkdirSync(ghost, { recursive: true });
  symlinkSync('/etc', join(ghost, 'evil'));
  symlinkSync('/etc', join(ghost, 'latest'));
  const attempts: Array<[string, string]> = [
    ['read', q(`${LATEST}/../../../../../../../../etc/passwd`)],
    ['read', `path=${LATEST}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd`],
    ['read', `path=${LATEST}/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd`],
    ['read', `path=${LATEST}/%252e%252e/%252e%252e/etc/passwd`],
    ['read', q('/etc/passwd')],
    ['read', q('etc/passwd')],
    ['read', q(`${workDir}/../../etc/passwd`)],
    ['read', q(`${workDir}/slaves/S1/../../../../etc/passwd`)],
    ['read', q(`${dir}/../../../../../../../../../etc/passwd`)],
    ['read', q('/frameworks/../../etc/passwd')],
    ['read', q('/frameworks/fw-1/executors/../runs/latest/passwd')],
    ['read', q(`${LATEST}/leak`)],
    ['read', q(`${LATEST}/rootlink/etc/passwd`)],
    ['read', `path=${encodeURIComponent(`${LATEST}/stdout`)}%00.txt`],
    ['read', `path=%00`],
    ['read', q('/frameworks/fw-1/executors/ghost/runs/evil/passwd')],
    ['read', q('/frameworks/fw-1/executors/ghost/runs/latest/passwd')],
    ['read', q(`${workDir}/slaves/OTHER/frameworks/fw-1/executors/ex-1/runs/latest/stdout`)],
    ['download', q(`${LATEST}/leak`)],
    ['download', q(`${LATEST}/rootlink/etc/passwd`)],
    ['download', q('/etc/passwd')],
    ['browse', q(`${LATEST}/rootlink`)],
    ['browse', q(`${LATEST}/..`)],
    ['browse', q('/frameworks/fw-1/executors/ghost/runs/evil')],
    ['browse', q('/')],
    ['browse', q(workDir)],
  ];
  const passwd = (await import('node:fs')).readFileSync('/etc/passwd', 'utf8').slice(0, 20);
  for (const [endpoint, query] of attempts) {
    const r = await get(endpoint, query);
    assert.ok(r.status === 403 || r.status === 404, `${endpoint}?${query} → ${r.status} ${r.body.slice(0, 80)}`);
    assert.ok(!r.body.includes(passwd), `${endpoint}?${query} leaked /etc/passwd`);
  }
  const escapes = await get('read', q(`${LATEST}/../../../../../etc/passwd`));
  assert.equal(escapes.status, 403);
  assert.match(escapes.body, /^path: /, 'the message names the field');
  assert.equal((await get('read', q(`${LATEST}/stdout`))).status, 200, 'the agent still serves');
});
