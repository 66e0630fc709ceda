/**
 * Unpacking image layers onto a root filesystem, in order, with the OCI/AUFS whiteouts applied:
 * `.wh.<name>` deletes `<name>` from the layers below; `.wh..wh..opq` empties its directory of
 * what the layers below put there. Both are applied before the layer's own files are extracted
 * (which may re-create names in that directory), and the whiteout files themselves never land.
 * Layers may be plain or gzip/zstd-compressed tarballs (GNU tar detects which).
 */
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

function run(cmd: string, args: string[], maxBuffer = 256 * 1024 * 1024): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer }, (e, stdout, stderr) => resolve(e ? err(`${cmd} ${args[0]}: ${String(stderr).trim() || e.message}`) : ok(String(stdout))));
  });
}

/** An entry path inside the rootfs, or undefined for one that would leave it. */
function inside(rootfs: string, entry: string): string | undefined {
  const rel = normalize(entry.replace(/^\.?\/+/, ''));
  if (rel === '.' || rel.startsWith('..') || rel.startsWith('/')) return undefined;
  return join(rootfs, rel);
}

export async function applyLayer(rootfs: string, layerTar: string): Promise<Result<void, string>> {
  const listed = await run('tar', ['-tf', layerTar]);
  if (!listed.ok) return listed;
  for (const entry of listed.value.split('\n')) {
    const base = entry.replace(/\/+$/, '').split('/').pop() ?? '';
    if (!base.startsWith('.wh.')) continue;
    const dir = inside(rootfs, dirname(entry.replace(/\/+$/, '')));
    if (dir === undefined) return err(`layer ${layerTar}: whiteout '${entry}' leaves the root filesystem`);
    if (base === '.wh..wh..opq') {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const n of names) await rm(join(dir, n), { recursive: true, force: true });
    } else {
      await rm(join(dir, base.slice('.wh.'.length)), { recursive: true, force: true });
    }
  }
  // GNU tar refuses absolute names and `..` by default; --numeric-owner keeps the image's IDs.
  const extracted = await run('tar', ['-xf', layerTar, '-C', rootfs, '--numeric-owner', '--exclude=.wh.*']);
  return extracted.ok ? ok(undefined) : extracted;
}

export { run as runCommand };
