/**
 * A scripted agent for CLI tests: `/state` (whatever the test sets) and `/files/read` over an
 * in-memory file system, with Mesos's semantics (byte offsets, `offset=-1` → the size, at most
 * 64 KiB a read, 404 for a missing file). Files can grow while a command follows them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeAgent {
  state: unknown = { frameworks: [], completed_frameworks: [] };
  readonly files = new Map<string, Buffer>();
  readonly reads: string[] = [];
  private server: Server;
  url = '';

  private constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/state') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.state));
        return;
      }
      if (url.pathname === '/files/read') {
        const path = url.searchParams.get('path') ?? '';
        this.reads.push(path);
        const file = this.files.get(path);
        if (file === undefined) return void res.writeHead(404).end();
        const offset = Number(url.searchParams.get('offset') ?? '0');
        const length = Math.min(Number(url.searchParams.get('length') ?? String(file.length)), 64 * 1024);
        const body = offset === -1 ? { offset: file.length, data: '' } : { offset, data: file.subarray(offset, offset + length).toString('utf8') };
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      res.writeHead(404).end();
    });
  }

  static async start(): Promise<FakeAgent> {
    const a = new FakeAgent();
    await new Promise<void>((r) => a.server.listen(0, '127.0.0.1', r));
    a.url = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
    return a;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  append(path: string, text: string): void {
    this.files.set(path, Buffer.concat([this.files.get(path) ?? Buffer.alloc(0), Buffer.from(text)]));
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}
