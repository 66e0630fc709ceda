/**
 * Durations on the command line: Mesos's form (`5secs`, `1.5mins`) or the short one people type
 * (`500ms`, `10s`, `2m`, `1h`, `1d`). A bare number is seconds.
 */
import { err, ok, parseDurationMs, type Result } from '@agora/protocol';

const SHORT: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): Result<number, string> {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return ok(Number(t) * 1000);
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(t);
  if (m && SHORT[m[2]!] !== undefined) return ok(Number(m[1]) * SHORT[m[2]!]!);
  const mesos = parseDurationMs(t);
  return mesos.ok ? mesos : err(`'${text}' is not a duration (e.g. 30s, 5m, 500ms or 5secs)`);
}
