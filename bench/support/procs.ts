/**
 * Process helpers for benchmarks: start Agora daemons as separate processes (so the component
 * under test has its own core), read their CPU time and resident memory from /proc, stop them by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const AGORA_BIN = join(ROOT, 'apps/cli/bin/agora.js');
const TICKS_PER_SECOND = 100;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * `stopSignal`: what `stop()` sends first (default SIGTERM). Agents take SIGUSR1, their full
 * shutdown: an agent's SIGTERM leaves checkpointing frameworks' tasks running.
 */
export function startProcess(args: string[], opts: { env?: Record<string, string>; quiet?: boolean; nodeArgs?: string[]; pipeStdout?: boolean; stopSignal?: NodeJS.Signals } = {}): Proc {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], {
    cwd: ROOT,
    stdio: ['ignore', opts.pipeStdout ? 'pipe' : opts.quiet ? 'ignore' : 'inherit', 'inherit'],
    env: { ...process.env, ...opts.env },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signal = opts.stopSignal ?? 'SIGTERM';
      child.kill(signal);
      const t = setTimeout(() => {
        process.stderr.write(`process ${child.pid} (${args.join(' ').slice(0, 80)}) ignored ${signal} for 10 s; killing it\n`);
        child.kill('SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident set size in MiB. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, onTick?: () => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      /* not ready yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    onTick?.();
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const mem = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `${cpu}; ${(Number(mem) / 1048576).toFixed(1)} GiB; node ${process.version}; loadavg ${load}`;
}
