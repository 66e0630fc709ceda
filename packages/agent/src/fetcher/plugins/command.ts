/**
 * A plug-in made from a command that writes the resource to its stdout — the easy way to add a
 * scheme where a command-line client exists:
 *
 *   commandPlugin({ name: 's3', schemes: ['s3'], argv: (uri) => ['aws', 's3', 'cp', uri.value, '-'] })
 *   commandPlugin({ name: 'hdfs', schemes: ['hdfs'], argv: (uri) => ['hadoop', 'fs', '-cat', uri.value] })
 *
 * The argv is passed to the program directly (no shell), the limits, stall timeout and
 * cancellation apply as to every plug-in, a non-zero exit fails the fetch with the program's
 * stderr, and with a task user (agent as root) the command runs as that user.
 */
import { spawn } from 'node:child_process';
import { err, type Result } from '@agora/protocol';
import type { FetcherPlugin } from '../plugin.ts';
import type { FetchUri } from '../uri.ts';
import { writeStreamToFile } from '../write-stream.ts';

export interface CommandPluginSpec {
  name: string;
  schemes: readonly string[];
  /** The program and its arguments for one URI. */
  argv(uri: FetchUri): readonly string[];
  /** Extra environment for the program (over the agent's). */
  env?: Readonly<Record<string, string>>;
}

export function commandPlugin(spec: CommandPluginSpec): FetcherPlugin {
  return {
    name: spec.name,
    schemes: spec.schemes,
    async fetch(uri, dest, ctx): Promise<Result<{ bytes: number }, string>> {
      const [program, ...args] = spec.argv(uri);
      if (program === undefined) return err(`the ${spec.name} plug-in gave no command for '${uri.value}'`);
      ctx.log(`Downloading resource with '${program}' from '${uri.value}'`);
      const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      const user = ctx.user && asRoot && ctx.user.uid !== 0 ? { uid: ctx.user.uid, gid: ctx.user.gid } : {};
      const child = spawn(program, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env } });
      let stderr = '';
      let spawnError: string | undefined;
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < 4096) stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => {
        child.once('error', (e: NodeJS.ErrnoException) => {
          spawnError = e.code === 'ENOENT' ? `'${program}' is not installed (or not on the agent's PATH)` : e.message;
          resolve(-1);
        });
        child.once('close', (code) => resolve(code));
      });
      const r = await writeStreamToFile(dest, child.stdout, ctx, () => child.kill('SIGKILL'));
      const code = await exited;
      if (spawnError !== undefined) return err(spawnError);
      if (!r.ok) return r;
      if (code !== 0) return err(`'${program}' exited with status ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
      return r;
    },
  };
}
