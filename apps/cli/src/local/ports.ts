/** Is a TCP port free? Checked before `agora local` starts anything, for a clear error. */
import { createServer } from 'node:net';
import { err, ok, type Result } from '@agora/protocol';

export function checkPortFree(port: number, host: string): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      resolve(err(e.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : `cannot use port ${port} on ${host}: ${e.code ?? e.message}`));
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(ok(undefined))));
  });
}

/** A port the OS says is free on 127.0.0.1 right now. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
