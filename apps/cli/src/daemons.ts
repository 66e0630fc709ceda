/**
 * The daemons the CLI can run, loaded lazily through their packages' public entries (so that
 * `agora tasks` never loads the master). The contract is @agora/runtime's daemon contract: each
 * package exports its flag table and `main(argv)`, which parses flags, serves until SIGINT or
 * SIGTERM, and resolves with the exit code.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { FlagTable } from '@agora/runtime';

export type DaemonKind = 'master' | 'agent';

export interface DaemonEntry {
  readonly main: (argv: string[]) => Promise<number>;
  readonly flags: FlagTable;
}

const PACKAGES: Record<DaemonKind, { specifier: string; flags: string }> = {
  master: { specifier: '@agora/master', flags: 'MASTER_FLAGS' },
  agent: { specifier: '@agora/agent', flags: 'AGENT_FLAGS' },
};

export async function loadDaemon(kind: DaemonKind): Promise<Result<DaemonEntry, string>> {
  const { specifier, flags } = PACKAGES[kind];
  let mod: Record<string, unknown>;
  try {
    // A computed specifier: the daemon packages are loaded only by the commands that run them.
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (e) {
    return err(`cannot load ${specifier}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const main = mod.main;
  const table = mod[flags];
  if (typeof main !== 'function') return err(`${specifier} does not export main(argv)`);
  if (typeof table !== 'object' || table === null) return err(`${specifier} does not export ${flags}`);
  return ok({ main: main as DaemonEntry['main'], flags: table as FlagTable });
}
