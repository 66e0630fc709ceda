/**
 * Byte sizes as Mesos's stout writes them (`2GB`, `512MB`, `100KB`, `10B`; units are powers of
 * 1024), or a plain number of bytes. Used by the `--fetcher-*` size flags.
 */
import { err, ok, type Result } from '@agora/protocol';

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

export function parseBytes(text: string): Result<number, string> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return err(`'${text}' is not a byte size (examples: 2GB, 512MB, 1048576)`);
  const unit = m[2]!.toUpperCase();
  const factor = unit === '' ? 1 : UNITS[unit];
  if (factor === undefined) return err(`unknown byte unit '${m[2]}' in '${text}' (use B, KB, MB, GB or TB)`);
  const value = Math.floor(Number(m[1]) * factor);
  if (!Number.isSafeInteger(value)) return err(`'${text}' is too large`);
  return ok(value);
}

/** The largest unit that keeps the number whole or one decimal: `2GB`, `1.5MB`, `300B`. */
export function formatBytes(n: number): string {
  for (const unit of ['TB', 'GB', 'MB', 'KB'] as const) {
    const f = UNITS[unit]!;
    if (n >= f) {
      const v = n / f;
      return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`;
    }
  }
  return `${n}B`;
}
