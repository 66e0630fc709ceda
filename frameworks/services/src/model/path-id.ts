/**
 * Marathon path ids (`/prod/web/api`): parsing, resolution of relative ids against a base, the
 * segment rule and the messages Marathon's PathId validators give. Ids are kept as canonical
 * absolute strings (`/a/b`, root is `/`) everywhere else in the core.
 */

/** The segment pattern exactly as Marathon prints it in its error message. */
export const SEGMENT_PATTERN_TEXT =
  '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$';

// Java's `matcher.matches()` requires the whole segment to match either alternative, hence the
// outer group: `^A|B$` alone would accept `A` as a prefix in JavaScript.
const SEGMENT = /^(?:(?:(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])|\.|\.\.)$/;

/**
 * Longest id accepted (Agora's limit; Marathon has none): ids become store keys (escaped, under a
 * prefix and with a version suffix), task ids and hostnames, and the state store takes keys of at
 * most 1024 characters. A longer id is a 422 naming the id, not a failed write.
 */
export const MAX_ID_LENGTH = 255;

/** Last segments that would collide with `/v2/apps/{id}/…` sub-resources. */
export const RESERVED_KEYWORDS = ['restart', 'tasks', 'versions'] as const;

export interface ParsedPath {
  readonly segments: readonly string[];
  readonly absolute: boolean;
}

/** Splits an id as Marathon does: leading/trailing slashes dropped, empty segments ignored. */
export function parsePath(text: string): ParsedPath {
  const segments = text.split('/').filter((s) => s.length > 0);
  return { segments, absolute: text.startsWith('/') };
}

/**
 * The canonical absolute id of `text` seen from `base` (an absolute id): relative ids are appended
 * to the base, then `.` and `..` are resolved (`..` above the root stays at the root).
 */
export function resolvePath(text: string, base = '/'): string {
  const p = parsePath(text);
  const all = p.absolute ? p.segments : [...parsePath(base).segments, ...p.segments];
  const out: string[] = [];
  for (const s of all) {
    if (s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return '/' + out.join('/');
}

export function segmentsOf(id: string): string[] {
  return [...parsePath(id).segments];
}

export function isRoot(id: string): boolean {
  return segmentsOf(id).length === 0;
}

/** Parent of an absolute id; the root is its own parent. */
export function parentOf(id: string): string {
  const s = segmentsOf(id);
  return '/' + s.slice(0, -1).join('/');
}

/** `true` when `id` is `ancestor` or lies below it. */
export function isUnder(id: string, ancestor: string): boolean {
  const a = segmentsOf(ancestor);
  const s = segmentsOf(id);
  return a.length <= s.length && a.every((x, i) => s[i] === x);
}

/** Marathon's `safePath`: segments joined by `_` (the prefix of task ids). */
export function safePath(id: string): string {
  return segmentsOf(id).join('_');
}

/** Marathon's `toHostname`: segments reversed, joined by `.` (TaskInfo names, discovery names). */
export function hostnameOf(id: string): string {
  return segmentsOf(id).reverse().join('.');
}

export interface PathIdRules {
  /** Resolve relative ids against this group (default `/`). */
  readonly base?: string;
  /** The id must be a direct child of `base` (apps and groups inside a group body). */
  readonly directChild?: boolean;
  /** Reject `restart`, `tasks`, `versions` as last segment (app ids). */
  readonly reservedKeywords?: boolean;
  /** Reject the root and empty ids (app ids). */
  readonly nonRoot?: boolean;
}

/** Problems with an id given by a user, in Marathon's words (empty when valid). */
export function pathIdProblems(text: string, rules: PathIdRules = {}): string[] {
  const base = rules.base ?? '/';
  const out: string[] = [];
  const p = parsePath(text);
  if (!p.segments.every((s) => SEGMENT.test(s))) out.push(`must fully match regular expression '${SEGMENT_PATTERN_TEXT}'`);
  const resolved = resolvePath(text, base);
  if (resolved.length > MAX_ID_LENGTH) out.push(`must be at most ${MAX_ID_LENGTH} characters long`);
  if (rules.nonRoot && isRoot(resolved)) out.push(p.segments.length === 0 ? 'Path must contain at least one path element' : 'must not be root');
  if (rules.directChild && !isRoot(resolved) && parentOf(resolved) !== resolvePath(base)) {
    out.push(`Identifier is not child of ${resolvePath(base)}. Hint: use relative paths.`);
  }
  const last = segmentsOf(resolved).at(-1);
  if (rules.reservedKeywords && last !== undefined && (RESERVED_KEYWORDS as readonly string[]).includes(last)) {
    out.push(`must not end with any of the following reserved keywords: ${RESERVED_KEYWORDS.join(', ')}`);
  }
  return out;
}
