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
