/**
 * `file://` URIs and plain absolute paths: copies of regular files only, keeping their permission
 * bits (as `cp` does; setuid, setgid and sticky are dropped by the fetcher). A directory, a device,
 * a FIFO or a socket is refused with a message saying so (the file is opened non-blocking and
 * checked through its descriptor, so a FIFO cannot hang the agent and a swap after the check
 * gains nothing).
 *
 * When the task runs as another user (the agent is root), the file is read by a `cat` running as
 * that user: a framework cannot copy into its sandbox what its user could not read (Mesos runs
 * its whole fetcher as the task's user for the same reason).
 */
import { spawn } from 'node:child_process';
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { err, ok, type Result } from '@agora/protocol';
import { fsMessage } from '../dir.ts';
import type { FetcherPlugin, FetchUser, PluginContext, PluginResult } from '../plugin.ts';
import { tooLarge, writeStreamToFile } from '../write-stream.ts';

const { O_RDONLY, O_NONBLOCK } = constants;

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const refuse = (path: string, s: Stats) => err(`'${path}' is ${kindOf(s)}: only regular files can be fetched`);

export const localPlugin: FetcherPlugin = {
  name: 'local',
  schemes: ['file'],
  async fetch(uri, dest, ctx) {
    const path = uri.path!;
    ctx.log(`Copying resource from '${path}'`);
    let s: Stats;
    try {
      s = await stat(path);
    } catch (e) {
      return err(`cannot read '${path}': ${fsMessage(e)}`);
    }
    if (!s.isFile()) return refuse(path, s);
    if (s.size > ctx.maxBytes) return err(tooLarge(ctx.maxBytes));
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const withMode = (r: Result<{ bytes: number }, string>): Result<PluginResult, string> => (r.ok ? ok({ bytes: r.value.bytes, mode: s.mode & 0o777 }) : r);
    if (ctx.user && asRoot && ctx.user.uid !== 0) return withMode(await readAsUser(path, dest, ctx.user, ctx));
    let fh;
    try {
      fh = await open(path, O_RDONLY | O_NONBLOCK);
    } catch (e) {
      return err(`cannot read '${path}': ${fsMessage(e)}`);
    }
    try {
      const fs = await fh.stat();
      if (!fs.isFile()) return refuse(path, fs);
      const stream = fh.createReadStream({ autoClose: false });
      return withMode(await writeStreamToFile(dest, stream, ctx, () => stream.destroy()));
    } finally {
      await fh.close().catch(() => undefined);
    }
  },
};

async function readAsUser(path: string, dest: string, user: FetchUser, ctx: PluginContext): Promise<Result<{ bytes: number }, string>> {
  const child = spawn('cat', ['--', path], { uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 2048) stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code));
  });
  const r = await writeStreamToFile(dest, child.stdout, ctx, () => child.kill('SIGKILL'));
  const code = await exited;
  if (!r.ok) return r;
  if (code !== 0) {
    const why = stderr.trim().replace(/^cat: /, '') || `cat exited with status ${code}`;
    return err(`cannot read '${path}' as user '${user.name}': ${why}`);
  }
  return r;
}
