/**
 * An archive file's bytes, decompressed: gzip in-process (zlib); bzip2 and xz by the `bzip2` and
 * `xz` programs (as Mesos shells out), fed on stdin and read from stdout, so no file name ever
 * reaches a command line. Stopping early (a refused entry, a limit, the end of a tar archive)
 * kills the decompressor; a decompressor that fails says why.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ArchiveError } from './entry.ts';
import type { Codec } from './kind.ts';

export async function* decompressed(path: string, codec: Codec): AsyncGenerator<Buffer> {
  const file = createReadStream(path);
  if (codec === 'none') {
    try {
      for await (const chunk of file) yield chunk as Buffer;
    } finally {
      file.destroy();
    }
    return;
  }
  if (codec === 'gzip') {
    const gunzip = createGunzip();
    file.on('error', (e) => gunzip.destroy(e));
    file.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (e) {
      throw new ArchiveError(`gzip: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      file.destroy();
      gunzip.destroy();
    }
    return;
  }
  const program = codec;
  const child = spawn(program, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let spawnError: string | undefined;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 2048) stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? `${program} is not installed on this agent` : `${program}: ${e.message}`;
      resolve(-1);
    });
    child.once('close', (code) => resolve(code));
  });
  // The decompressor may exit before reading all its input (we killed it, or it found garbage).
  child.stdin.on('error', () => undefined);
  file.on('error', () => child.kill('SIGKILL'));
  file.pipe(child.stdin);
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    if (spawnError !== undefined) throw new ArchiveError(spawnError);
    if (code !== 0) throw new ArchiveError(`${program}: ${stderr.trim().replace(/^(bzip2|xz): /, '') || `exit status ${code}`}`);
    finished = true;
  } finally {
    if (!finished) child.kill('SIGKILL');
    file.destroy();
  }
}
