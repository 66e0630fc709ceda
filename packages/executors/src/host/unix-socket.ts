/**
 * Listening on the host's Unix socket. A socket file left by a host that died is stale and is
 * replaced; one that still answers belongs to a live host, and starting a second is an error
 * (two hosts would split the agent's executors between them).
 */
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function listenUnix(path: string, onConnection: (socket: Socket) => void): Promise<Result<Server, string>> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (e) {
    return err(`cannot create the directory of ${path}: ${describe(e)}`);
  }
  if (await answers(path)) return err(`another executor host is already listening on ${path}`);
  await unlink(path).catch(() => undefined);
  const server = createServer(onConnection);
  const listening = await new Promise<Result<Server, string>>((resolve) => {
    server.once('error', (e) => resolve(err(`cannot listen on ${path}: ${describe(e)}`)));
    server.listen(path, () => resolve(ok(server)));
  });
  if (!listening.ok) return listening;
  // Only the agent (the same user) may talk to the host: it starts processes.
  await chmod(path, 0o600).catch(() => undefined);
  server.on('error', () => undefined);
  return listening;
}
