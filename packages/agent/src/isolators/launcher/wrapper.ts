/**
 * The argv prefix that starts a process through `agora-isolate` (the shell script beside this
 * file) with what the isolators asked for; undefined when nothing needs it (posix isolators only).
 */
import { fileURLToPath } from 'node:url';
import type { LaunchPrep } from '../isolator.ts';

export const TASK_LAUNCHER_ENV = 'AGORA_TASK_LAUNCHER';
export const ISOLATE_SCRIPT = fileURLToPath(new URL('./agora-isolate', import.meta.url));

export function wrapperArgv(preps: readonly LaunchPrep[]): string[] | undefined {
  // An image container: runc joins the cgroups and makes the namespaces itself (images/).
  const runc = preps.find((p) => p.runc !== undefined)?.runc;
  if (runc) return ['/bin/sh', ISOLATE_SCRIPT, `--runc-root=${runc.root}`, `--runc-bundle=${runc.bundle}`, `--runc-id=${runc.id}`];
  const args: string[] = [];
  const ns = new Set<string>();
  for (const p of preps) {
    for (const f of p.procs ?? []) args.push(`--procs=${f}`);
    for (const n of p.namespaces ?? []) ns.add(n);
  }
  if (ns.has('pid')) args.push('--pid-ns');
  if (ns.has('mount')) args.push('--mount-ns');
  for (const p of preps) for (const b of p.binds ?? []) args.push(`--bind=${b.source}:${b.target}`);
  return args.length === 0 ? undefined : ['/bin/sh', ISOLATE_SCRIPT, ...args];
}
