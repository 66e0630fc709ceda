/**
 * Test support for the fetcher's tests: temporary directories, and archives built at test time —
 * well-formed ones with the real `tar`, `zip`, `gzip` tools, hostile ones (entries no honest tool
 * writes: `../`, absolute paths, devices, links out, lying sizes) with python3's tarfile and
 * zipfile. Nothing here is used by the agent itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fetcher, type FetcherOptions } from './fetcher.ts';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'agora-fetch-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function sh(program: string, args: readonly string[], cwd?: string): string {
  return execFileSync(program, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** One archive member for `pyTar` / `pyZip`. `data` is text; `size` (tar) declares a size the data need not have. */
export interface Member {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chr' | 'blk' | 'fifo';
  data?: string;
  mode?: number;
  target?: string;
  size?: number;
}

const PY_TAR = `
import json, sys, tarfile, io
specs = json.load(sys.stdin)
types = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE,
         'chr': tarfile.CHRTYPE, 'blk': tarfile.BLKTYPE, 'fifo': tarfile.FIFOTYPE}
for spec in specs:
  with open(spec['path'], 'wb') as raw:
    for m in spec['members']:
        ti = tarfile.TarInfo(m['name'])
        ti.type = types[m.get('type', 'file')]
        ti.mode = m.get('mode', 0o755 if ti.type == tarfile.DIRTYPE else 0o644)
        ti.mtime = 1700000000
        if 'target' in m: ti.linkname = m['target']
        data = m.get('data', '').encode()
        ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
        if 'size' in m:
            ti.size = m['size']
            raw.write(ti.tobuf(format=tarfile.GNU_FORMAT))
            raw.write(data)
            continue
        raw.write(ti.tobuf(format=tarfile.PAX_FORMAT))
        if ti.type == tarfile.REGTYPE:
            raw.write(data)
            raw.write(b'\\0' * ((512 - len(data) % 512) % 512))
    raw.write(b'\\0' * 1024)
`;

/** A tar archive (uncompressed) with exactly these members, in order. */
export function pyTar(path: string, members: readonly Member[]): void {
  pyTars([{ path, members }]);
}

/** Several such archives with one python3 run. */
export function pyTars(archives: ReadonlyArray<{ path: string; members: readonly Member[] }>): void {
  execFileSync('python3', ['-c', PY_TAR], { input: JSON.stringify(archives) });
}

const PY_ZIP = `
import json, sys, zipfile, stat
for spec in json.load(sys.stdin):
  with zipfile.ZipFile(spec['path'], 'w', zipfile.ZIP_DEFLATED) as z:
    for m in spec['members']:
        t = m.get('type', 'file')
        zi = zipfile.ZipInfo(m['name'] + ('/' if t == 'dir' and not m['name'].endswith('/') else ''), (2023, 11, 14, 22, 13, 20))
        zi.create_system = 3
        kind = {'file': stat.S_IFREG, 'dir': stat.S_IFDIR, 'symlink': stat.S_IFLNK, 'chr': stat.S_IFCHR, 'fifo': stat.S_IFIFO}[t]
        zi.external_attr = (kind | m.get('mode', 0o755 if t == 'dir' else 0o644)) << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, m.get('target', '') if t == 'symlink' else (m.get('data', '') * m.get('repeat', 1)))
`;

/** A zip archive (deflated, made "on Unix" so modes and link types count); `repeat` repeats `data`. */
export function pyZip(path: string, members: ReadonlyArray<Member & { repeat?: number }>): void {
  pyZips([{ path, members }]);
}

/** Several such archives with one python3 run. */
export function pyZips(archives: ReadonlyArray<{ path: string; members: ReadonlyArray<Member & { repeat?: number }> }>): void {
  execFileSync('python3', ['-c', PY_ZIP], { input: JSON.stringify(archives) });
}

const PY_ZIP_LIE = `
import sys, struct
path, size = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, 'rb').read())
for sig, off in ((b'PK\\x03\\x04', 22), (b'PK\\x01\\x02', 24)):
    i = b.find(sig)
    while i >= 0:
        struct.pack_into('<I', b, i + off, size)
        i = b.find(sig, i + 4)
open(path, 'wb').write(bytes(b))
`;

/** Rewrites every entry's declared uncompressed size (local and central headers) to `size`. */
export function zipLieAboutSize(path: string, size: number): void {
  execFileSync('python3', ['-c', PY_ZIP_LIE, path, String(size)]);
}

export function testFetcher(dir: string, opts: Partial<FetcherOptions> = {}): Fetcher {
  return new Fetcher({ cacheDir: join(dir, 'cache'), cacheSize: 1024 * 1024, stallTimeoutMs: 2000, maxSize: 16 * 1024 * 1024, ...opts });
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  url: string;
  /** Requests so far, per path. */
  count(path: string): number;
}

/**
 * An HTTP (or, given a key and certificate, HTTPS) server on 127.0.0.1 and a free port, stopped
 * after the test. Unknown paths answer 404.
 */
export async function serve(t: { after(fn: () => Promise<void> | void): void }, routes: Record<string, Route>, tls?: { key: string; cert: string }): Promise<TestServer> {
  const counts = new Map<string, number>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) return route(req, res);
    res.writeHead(404).end('not here');
  };
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, count: (p) => counts.get(p) ?? 0 };
}

/** Serves `body` with a Content-Length, after `delayMs`. */
export const body = (data: string | Buffer, delayMs = 0): Route => (_req, res) => {
  const send = () => res.writeHead(200, { 'content-length': Buffer.byteLength(data) }).end(data);
  if (delayMs > 0) setTimeout(send, delayMs);
  else send();
};
