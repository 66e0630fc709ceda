/**
 * The shape every Agora daemon (master, agent, services, cron, executor host) shares, so the CLI
 * and `agora local` can start any of them the same way:
 *
 *   export const FLAGS = { ... } satisfies FlagTable;         // declared once
 *   export async function start(opts: Options<typeof FLAGS>): Promise<Result<DaemonHandle, string>>;
 *   export const main = (argv: string[]) => runDaemon({ name, usage, flags: FLAGS, start }, argv);
 *
 * `runDaemon` parses the flags (errors name the flag, exit 2), prints `--help`, starts the daemon,
 * and on SIGINT/SIGTERM closes it gracefully (a second signal exits at once).
 */
import type { Result } from '@agora/protocol';
import { formatHelp, parseFlags, type FlagTable, type Options } from './flags.ts';

export interface DaemonHandle {
  /** The daemon's base URL, e.g. http://127.0.0.1:5050. */
  readonly url: string;
  /** Stops serving and releases everything the daemon started. Idempotent. */
  close(): Promise<void>;
}

export interface DaemonSpec<T extends FlagTable> {
  name: string;
  usage: string;
  flags: T;
  start(options: Options<T>): Promise<Result<DaemonHandle, string>>;
}

/** Runs a daemon until a signal arrives. Resolves with the process exit code. */
export async function runDaemon<T extends FlagTable>(spec: DaemonSpec<T>, argv: readonly string[]): Promise<number> {
  const parsed = parseFlags(spec.flags, argv, process.env);
  if (!parsed.ok) {
    process.stderr.write(`${spec.name}: ${parsed.error}\n`);
    return 2;
  }
  if (parsed.value.help) {
    process.stdout.write(formatHelp(spec.usage, spec.flags));
    return 0;
  }
  if (parsed.value.positional.length > 0) {
    process.stderr.write(`${spec.name}: unexpected argument '${parsed.value.positional[0]}' (see --help)\n`);
    return 2;
  }
  const started = await spec.start(parsed.value.options);
  if (!started.ok) {
    process.stderr.write(`${spec.name}: ${started.error}\n`);
    return 1;
  }
  const handle = started.value;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${spec.name}: second ${signal}, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      handle.close().then(
        () => resolve(0),
        (e: unknown) => {
          process.stderr.write(`${spec.name}: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
