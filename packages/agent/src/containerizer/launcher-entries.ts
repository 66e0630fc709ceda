/**
 * The executors' entry points in `--launcher-dir` (built by packages/executors):
 *
 *   agora-command-executor   one command executor per process (`--command-executor=process`)
 *   agora-executor-host      the executor host (`--command-executor=host`, ADR 0003)
 *   agora-default-executor   the default executor for task groups (`--default-executor=process`;
 *                            with `host`, the executor host runs it)
 *
 * An entry may be an executable file (a `#!` script), or a `.js`/`.mjs` file run with this Node,
 * or a `.ts` file run with this Node and tsx.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

export type EntryName = 'command-executor' | 'executor-host' | 'default-executor';

export interface EntryPoint {
  /** The file found. */
  file: string;
  /** What to spawn: `command` with `args` (the entry's own arguments follow). */
  command: string;
  args: string[];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let tsxLoader: string | undefined;
function tsxImport(): string {
  tsxLoader ??= import.meta.resolve('tsx');
  return tsxLoader;
}

export function findEntryPoint(launcherDir: string, name: EntryName): EntryPoint | undefined {
  for (const base of [`agora-${name}`, name]) {
    const plain = join(launcherDir, base);
    if (isFile(plain) && isExecutable(plain)) return { file: plain, command: plain, args: [] };
    for (const ext of ['.js', '.mjs']) {
      const f = plain + ext;
      if (isFile(f)) return { file: f, command: process.execPath, args: [f] };
    }
    const ts = plain + '.ts';
    if (isFile(ts)) return { file: ts, command: process.execPath, args: ['--import', tsxImport(), ts] };
  }
  return undefined;
}
