/** What every client command gets: where the master is and how to print. */
import { detectorFor, normalizeMasterUrl } from '@agora/sdk';
import { err, ok, type Result } from '@agora/protocol';
import type { CliIO } from './io.ts';

export const DEFAULT_MASTER = 'http://127.0.0.1:5050';

export interface Context {
  readonly io: CliIO;
  /** Normalised base URL of the master (`http://host:port`). */
  readonly master: string;
  /** Colours and live progress: only when stdout is a terminal and NO_COLOR is unset. */
  readonly color: boolean;
  now(): number;
}

/** `--master` on the command, else on `agora`, else $AGORA_MASTER, else the default. */
export function resolveMaster(io: CliIO, ...given: (string | undefined)[]): Result<string, string> {
  const text = given.find((g) => g !== undefined && g !== '') ?? io.env.AGORA_MASTER ?? DEFAULT_MASTER;
  const url = normalizeMasterUrl(text);
  return url.ok ? ok(url.value) : err(`--master: ${url.error}`);
}

/**
 * Like `resolveMaster`, and `zk://host:port[,host:port]/path` names the leading master as
 * ZooKeeper says (the lowest `json.info_*` node; waits up to 10 s for one to be elected).
 */
export async function findMaster(io: CliIO, ...given: (string | undefined)[]): Promise<Result<string, string>> {
  const text = given.find((g) => g !== undefined && g !== '') ?? io.env.AGORA_MASTER ?? DEFAULT_MASTER;
  if (!/^zk:\/\//i.test(text.trim())) return resolveMaster(io, ...given);
  const detector = detectorFor(text);
  if (!detector.ok) return err(`--master: ${detector.error}`);
  try {
    const leader = await detector.value.detect();
    return leader.ok ? ok(leader.value) : err(`--master: ${leader.error}`);
  } finally {
    detector.value.close?.();
  }
}

export function makeContext(io: CliIO, master: string, noColor = false): Context {
  return { io, master, color: io.stdout.isTTY && !noColor && io.env.NO_COLOR === undefined, now: () => Date.now() };
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error for a failed command and returns its exit code (1). */
export function fail(io: CliIO, message: string): number {
  io.stderr.write(`agora: ${message}\n`);
  return 1;
}
