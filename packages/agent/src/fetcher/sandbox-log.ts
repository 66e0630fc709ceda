/**
 * The fetcher's progress and errors, appended to the sandbox's `stderr` as Mesos's fetcher writes
 * them there: glog-style lines (`I1123 14:05:01.123456  4242 fetcher.ts] Fetching URI '…'`), so
 * a framework reading the sandbox sees why its task never started. The file is opened through
 * the sandbox's descriptor and never through a link. If it cannot be opened, lines go to the
 * agent's log only.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Clock, Logger } from '@agora/runtime';
import type { Dir } from './dir.ts';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function glogLine(level: 'I' | 'W' | 'E', at: number, message: string): string {
  const d = new Date(at);
  const stamp = `${pad(d.getMonth() + 1)}${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
  return `${level}${stamp} ${String(process.pid).padStart(5)} fetcher.ts] ${message.replace(/\n/g, ' ')}\n`;
}

export class SandboxLog {
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly out: FileHandle | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly context: Record<string, unknown>,
  ) {}

  static async open(sandbox: Dir, clock: Clock, logger: Logger, context: Record<string, unknown>): Promise<SandboxLog> {
    const out = await sandbox.appendFile('stderr').catch((e: unknown) => {
      logger.warn({ ...context, err: e }, "cannot write the fetcher's log to the sandbox's stderr");
      return undefined;
    });
    return new SandboxLog(out, clock, logger, context);
  }

  info(message: string): void {
    this.write('I', message);
    this.logger.debug(this.context, message);
  }

  warn(message: string): void {
    this.write('W', message);
    this.logger.info(this.context, message);
  }

  error(message: string): void {
    this.write('E', message);
    this.logger.warn(this.context, message);
  }

  private write(level: 'I' | 'W' | 'E', message: string): void {
    const out = this.out;
    if (!out) return;
    const line = glogLine(level, this.clock.now(), message);
    this.pending = this.pending.then(() => out.write(line)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.pending;
    await this.out?.close().catch(() => undefined);
  }
}
