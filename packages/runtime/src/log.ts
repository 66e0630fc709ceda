/**
 * Structured logs: one JSON object per line (pino), with the component in `name`. Daemons log to
 * stdout; `agora local` collects each daemon's lines into its work dir.
 */
import pino, { type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** A file descriptor or path to write to (default: stdout). */
  destination?: number | string;
}

export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
  const dest = pino.destination({ dest: opts.destination ?? 1, sync: false, mkdir: typeof opts.destination === 'string' });
  return pino({ name, level: opts.level ?? (process.env.AGORA_TEST ? 'warn' : 'info'), base: { pid: process.pid } }, dest);
}

/** A logger that drops everything (in-process tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
