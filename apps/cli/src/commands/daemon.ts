/** `agora master [flags]` and `agora agent [flags]`: run a daemon in the foreground. */
import { fail } from '../context.ts';
import { loadDaemon, type DaemonKind } from '../daemons.ts';
import type { CliIO } from '../io.ts';

/** The daemon parses its own flags (and prints its own --help), handles signals and exits. */
export async function daemonCommand(io: CliIO, kind: DaemonKind, argv: readonly string[]): Promise<number> {
  const d = await loadDaemon(kind);
  if (!d.ok) return fail(io, `${kind}: ${d.error}`);
  return d.value.main([...argv]);
}
