/**
 * Short IDs for display and prefix matching for input. Mesos IDs share a long prefix per master
 * (`<master uuid>-S3`, `<master uuid>-0001`), so their short form keeps the suffix:
 * `0b6a3f2e-S3`. Task IDs that end in a UUID (`web.3f6c1a2b-…`, as Marathon and `agora
 * execute` make them) keep the UUID's first 8 digits, which is still a prefix of the ID. Other
 * IDs are shown whole unless very long.
 */
import { err, ok, type Result } from '@agora/protocol';

const MESOS_ID = /^([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:-(.+))?$/i;
const NAMED_UUID = /^(.+[.\-_])([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_SHOWN = 48;

export function shortId(id: string): string {
  const m = MESOS_ID.exec(id);
  if (m) return m[2] === undefined ? m[1]! : `${m[1]}-${m[2]}`;
  const n = NAMED_UUID.exec(id);
  if (n) return `${n[1]}${n[2]}`;
  return id.length > MAX_SHOWN ? `${id.slice(0, MAX_SHOWN - 1)}…` : id;
}

/**
 * Resolves user input against known IDs: an exact ID or short ID, else a unique prefix of either.
 * Ambiguity and absence are error values naming the candidates.
 */
export function resolveId(input: string, ids: readonly string[], what: string): Result<string, string> {
  const unique = [...new Set(ids)];
  if (unique.includes(input)) return ok(input);
  const byShort = unique.filter((id) => shortId(id) === input);
  if (byShort.length === 1) return ok(byShort[0]!);
  const matches = unique.filter((id) => id.startsWith(input) || shortId(id).startsWith(input));
  if (matches.length === 1) return ok(matches[0]!);
  if (matches.length === 0) return err(`no ${what} matches '${input}'`);
  const shown = matches.slice(0, 8).map((m) => `  ${m}`).join('\n');
  return err(`'${input}' matches ${matches.length} ${what}s; be more specific:\n${shown}${matches.length > 8 ? '\n  …' : ''}`);
}
