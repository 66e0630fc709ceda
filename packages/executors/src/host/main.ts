/**
 * `agora-executor-host`: the executor host process (ADR 0003). The agent starts one per node
 * (detached, so it survives the agent) and talks to it over the Unix socket.
 *
 * It ends on SHUTDOWN_HOST or SIGTERM/SIGINT, destroying its instances first; SIGHUP is ignored
 * (the host must outlive the agent's session). Exit codes: 0 closed normally, 1 could not start
 * (e.g. another host owns the socket), 2 usage error.
 */
import { join } from 'node:path';
import { internal } from '@agora/protocol';
import { formatHelp, parseFlags, type FlagTable } from '@agora/runtime';
import { startExecutorHost } from './host.ts';

export const FLAGS = {
  socket: { type: 'string', help: 'The Unix socket to listen on', env: 'AGORA_EXECUTOR_HOST_SOCKET', placeholder: 'PATH' },
  'runtime-dir': {
    type: 'string',
    help: `Listen on ${internal.EXECUTOR_HOST_SOCKET} in this directory (when --socket is not given)`,
    env: 'AGORA_RUNTIME_DIR',
    placeholder: 'DIR',
  },
  verbose: { type: 'bool', default: false, help: "Log every executor instance's lines, not only the host's" },
} satisfies FlagTable;

const USAGE = `Usage: agora-executor-host --socket=PATH | --runtime-dir=DIR

Runs command executors for an Agora agent as instances of one long-lived process. The agent sends
newline-delimited JSON (internal.ExecutorHostMessage: LAUNCH, DESTROY, LIST, SHUTDOWN_HOST) on the socket.`;

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseFlags(FLAGS, argv, process.env);
  if (!parsed.ok) {
    process.stderr.write(`agora-executor-host: ${parsed.error}\n`);
    return 2;
  }
  if (parsed.value.help) {
    process.stdout.write(formatHelp(USAGE, FLAGS));
    return 0;
  }
  if (parsed.value.positional.length > 0) {
    process.stderr.write(`agora-executor-host: unexpected argument '${parsed.value.positional[0]}' (see --help)\n`);
    return 2;
  }
  const { socket, runtimeDir, verbose } = parsed.value.options;
  const socketPath = socket ?? (runtimeDir !== undefined ? join(runtimeDir, internal.EXECUTOR_HOST_SOCKET) : undefined);
  if (socketPath === undefined) {
    process.stderr.write('agora-executor-host: --socket or --runtime-dir is required (see --help)\n');
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} agora-executor-host[${process.pid}] ${line}\n`);
  const host = await startExecutorHost({
    socketPath,
    log,
    ...(verbose ? { instanceLog: (id: string, line: string) => log(`[${id}] ${line}`) } : {}),
  });
  if (!host.ok) {
    process.stderr.write(`agora-executor-host: ${host.error}\n`);
    return 1;
  }
  process.on('SIGHUP', () => log('ignoring SIGHUP'));
  const stop = (signal: NodeJS.Signals) => {
    log(`received ${signal}`);
    void host.value.close();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await host.value.closed;
  log('closed');
  return 0;
}
