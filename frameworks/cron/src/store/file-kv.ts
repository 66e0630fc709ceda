/**
 * A directory as a key-value store, for one cron daemon without ZooKeeper: each key is a file
 * (`<dir>/<key>`, segments as directories), written to a temporary file, fsynced and renamed, so a
 * crash leaves the old or the new value, never half of one. Not shared between processes.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { err, ok } from '@agora/protocol';
import type { Kv } from './kv.ts';

const SEGMENT = /^[A-Za-z0-9_.:@+=%~-]+$/;

export class FileKv implements Kv {
  private seq = 0;
  constructor(readonly dir: string) {}

  private path(key: string): string | undefined {
    const parts = key.split('/');
    if (parts.some((p) => !SEGMENT.test(p) || p.startsWith('.'))) return undefined;
    return join(this.dir, ...parts);
  }

  async get(key: string) {
    const p = this.path(key);
    if (!p) return err({ code: 'INVALID_KEY', message: `invalid key '${key}'` });
    try {
      return ok({ value: new Uint8Array(await readFile(p)), version: 0 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return ok(undefined);
      return err({ code: 'UNAVAILABLE', message: String(e) });
    }
  }

  async set(key: string, value: Uint8Array) {
    const p = this.path(key);
    if (!p) return err({ code: 'INVALID_KEY', message: `invalid key '${key}'` });
    try {
      await mkdir(dirname(p), { recursive: true });
      const tmp = join(dirname(p), `.tmp-${process.pid}-${this.seq++}`);
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(value);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, p);
      return ok(0);
    } catch (e) {
      return err({ code: 'UNAVAILABLE', message: String(e) });
    }
  }

  async delete(key: string) {
    const p = this.path(key);
    if (!p) return err({ code: 'INVALID_KEY', message: `invalid key '${key}'` });
    await rm(p, { force: true });
    return ok(undefined);
  }

  async list(prefix: string) {
    const p = prefix === '' ? this.dir : this.path(prefix);
    if (!p) return err({ code: 'INVALID_KEY', message: `invalid key '${prefix}'` });
    try {
      return ok((await readdir(p)).filter((n) => !n.startsWith('.')).sort());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
      return err({ code: 'UNAVAILABLE', message: String(e) });
    }
  }
}
