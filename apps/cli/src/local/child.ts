/**
 * One supervised daemon of `agora local`: an `agora <subcommand>` child process in its own
 * process group, its stdout and stderr appended to a log file. Stopping is by PID: a signal
 * (SIGTERM, or the daemon's own, e.g. an agent's SIGUSR1), then SIGKILL after a timeout; then
 * SIGTERM and SIGKILL for whatever is left in its process group (processes it started without a
 * session of their own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class LocalChild {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  private exitInfo: ChildExit | undefined;
  private readonly proc: ChildProcess;

  constructor(
    readonly name: string,
    readonly logFile: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    const fd = openSync(logFile, 'a');
    try {
      this.proc = spawn(command, args, { stdio: ['ignore', fd, fd], detached: true, env });
    } finally {
      closeSync(fd);
    }
    this.pid = this.proc.pid ?? -1;
    this.exited = new Promise<ChildExit>((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.proc.once('error', () => {
        this.exitInfo ??= { code: 127, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.pid > 0;
  }

  describeExit(e: ChildExit): string {
    return e.signal ? `killed by ${e.signal}` : `exit status ${e.code}`;
  }

  /** The last lines of the log (why it died). */
  tail(lines = 20): string {
    try {
      const text = readFileSync(this.logFile, 'utf8').trimEnd();
      return text.split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async stop(timeoutMs: number, how: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    if (this.running) {
      signal(this.pid, how);
      if (!(await within(this.exited, timeoutMs))) signal(this.pid, 'SIGKILL');
    }
    const exit = await this.exited;
    // Leftovers in its process group (e.g. task processes not in a session of their own).
    if (this.pid > 0 && signal(-this.pid, 'SIGTERM')) {
      await new Promise((r) => setTimeout(r, Math.min(500, timeoutMs)));
      signal(-this.pid, 'SIGKILL');
    }
    return exit;
  }

  /** Last resort on our own exit: no waiting. */
  killNow(): void {
    if (this.running) signal(this.pid, 'SIGKILL');
    if (this.pid > 0) signal(-this.pid, 'SIGKILL');
  }
}

/** true if the signal was delivered (the process or group existed). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const done = await Promise.race([p.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}
