/**
 * Mesos's resource text format.
 *
 * Input (`Resources::parse`): `;`-separated `name[(role)]:value` tokens, e.g.
 * `cpus:4;mem:8192;ports:[31000-32000];disk(ads):100;foo:{a,b}`. A value is a scalar, `[b-e,…]`
 * ranges or `{a,b}` a set; spaces are ignored. `(role)` statically reserves the entry (`*` means
 * unreserved); without it, `defaultRole` applies. As a superset, the annotations `toString()`
 * prints are accepted too — `(allocated: r)`, `(reservations: [(STATIC,r),(DYNAMIC,r/s,p,{k: v})])`
 * and `{REV}` — so text round-trips. Disk info (`[...]`) has no text input form.
 *
 * Output mirrors Mesos's `operator<<`: `name(allocated: r)(reservations: [...])[disk]{REV}<SHARED>:value`,
 * entries joined by `; `, `{}` when empty.
 */
import { err, ok, type Label, type Resource as ProtoResource, type ReservationInfo, type Result } from '@agora/protocol';
import type { Entry } from './entry.ts';
import { formatMilli, parseDecimal } from './fixed.ts';
import type { Reservation } from './identity.ts';
import { formatRanges } from './ranges.ts';
import { UNRESERVED_ROLE } from './roles.ts';
import { formatItems } from './sets.ts';
import { entryFromProto } from './validate.ts';

// ───────────────────────────── output ─────────────────────────────

function formatLabels(labels: Reservation['labels']): string {
  const list = labels?.labels ?? [];
  return `{${list.map((l) => (l.value === undefined ? l.key : `${l.key}: ${l.value}`)).join(', ')}}`;
}

function formatReservation(r: Reservation): string {
  let s = `${r.type},${r.role}`;
  if (r.principal !== undefined) s += `,${r.principal}`;
  if (r.labels !== undefined) s += `,${formatLabels(r.labels)}`;
  return `(${s})`;
}

function formatDisk(e: Entry): string {
  const d = e.disk;
  if (d === undefined) return '';
  let s = '';
  const src = d.source;
  if (src !== undefined) {
    const csi = src.id !== undefined || src.profile !== undefined ? `(${src.vendor ?? ''},${src.id ?? ''},${src.profile ?? ''})` : undefined;
    const root = src.type === 'MOUNT' ? src.mount?.root : src.type === 'PATH' ? src.path?.root : undefined;
    s += src.type + (csi ?? (root !== undefined ? `:${root}` : ''));
  }
  if (d.persistence !== undefined) s += (src !== undefined ? ',' : '') + d.persistence.id;
  if (d.volume !== undefined) {
    let v = d.volume.container_path;
    if (d.volume.host_path !== undefined) v = `${d.volume.host_path}:${v}${d.volume.mode === 'RO' ? ':ro' : d.volume.mode === 'RW' ? ':rw' : ''}`;
    s += `:${v}`;
  }
  return `[${s}]`;
}

export function entryToText(e: Entry): string {
  const id = e.id;
  let s = id.name;
  if (id.allocationRole !== undefined) s += `(allocated: ${id.allocationRole})`;
  if (id.reservations.length > 0) s += `(reservations: [${id.reservations.map(formatReservation).join(',')}])`;
  s += formatDisk(e);
  if (id.revocable) s += '{REV}';
  if (id.shared) s += '<SHARED>';
  s += ':';
  if (id.type === 'SCALAR') s += formatMilli(e.scalar);
  else if (id.type === 'RANGES') s += formatRanges(e.ranges);
  else s += formatItems(e.items);
  return s;
}

export function entriesToText(entries: readonly Entry[]): string {
  return entries.length === 0 ? '{}' : entries.map(entryToText).join('; ');
}

// ───────────────────────────── input ─────────────────────────────

/** Index of the bracket closing the one at `open` (nesting-aware), or -1. */
function closing(s: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };
  const stack: string[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c in pairs) stack.push(pairs[c]!);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    } else if (c === ')' || c === ']' || c === '}' || c === '>') return -1;
  }
  return -1;
}

function parseLabels(text: string): Result<{ labels: Label[] }, string> {
  const inner = text.slice(1, -1).trim();
  const labels: Label[] = [];
  if (inner !== '') {
    for (const part of inner.split(',')) {
      const i = part.indexOf(':');
      const key = (i < 0 ? part : part.slice(0, i)).trim();
      if (key === '') return err(`bad label in ${text}`);
      labels.push(i < 0 ? { key } : { key, value: part.slice(i + 1).trim() });
    }
  }
  return ok({ labels });
}

function parseReservations(text: string): Result<ReservationInfo[], string> {
  const body = text.trim();
  if (!body.startsWith('[') || !body.endsWith(']')) return err(`expected [..] after 'reservations:' in ${text}`);
  const out: ReservationInfo[] = [];
  let i = 1;
  while (i < body.length - 1) {
    const c = body[i]!;
    if (c === ',' || c === ' ') {
      i++;
      continue;
    }
    if (c !== '(') return err(`expected '(' in reservations ${text}`);
    const end = closing(body, i);
    if (end < 0) return err(`mismatched parentheses in reservations ${text}`);
    const inner = body.slice(i + 1, end);
    const brace = inner.indexOf('{');
    const head = (brace < 0 ? inner : inner.slice(0, brace)).split(',').map((p) => p.trim()).filter((p) => p !== '');
    const [type, role, principal, extra] = head;
    if ((type !== 'STATIC' && type !== 'DYNAMIC') || role === undefined || extra !== undefined) return err(`bad reservation (${inner})`);
    const r: ReservationInfo = { type, role };
    if (principal !== undefined) r.principal = principal;
    if (brace >= 0) {
      const labels = parseLabels(inner.slice(brace).trim());
      if (!labels.ok) return labels;
      r.labels = labels.value;
    }
    out.push(r);
    i = end + 1;
  }
  return ok(out);
}

function parseValue(name: string, raw: string, into: ProtoResource): Result<void, string> {
  const v = raw.replace(/\s+/g, '');
  if (v === '') return err(`missing value for ${name}`);
  if (v.startsWith('[')) {
    if (!v.endsWith(']')) return err(`mismatched brackets in ${name} value ${raw}`);
    const range: { begin: number; end: number }[] = [];
    for (const part of v.slice(1, -1).split(',')) {
      if (part === '') continue;
      const m = /^(\d+)-(\d+)$/.exec(part);
      if (m === null) return err(`expecting non-negative integer ranges in ${name} value ${raw}`);
      range.push({ begin: Number(m[1]), end: Number(m[2]) });
    }
    into.type = 'RANGES';
    into.ranges = { range };
    return ok(undefined);
  }
  if (v.startsWith('{')) {
    if (!v.endsWith('}') || v.slice(1, -1).includes('{')) return err(`mismatched braces in ${name} value ${raw}`);
    into.type = 'SET';
    into.set = { item: v.slice(1, -1).split(',').filter((x) => x !== '') };
    return ok(undefined);
  }
  const n = parseDecimal(v);
  if (n === undefined) return err(`bad value for resource ${name}: '${raw}' is not a scalar, ranges or set`);
  into.type = 'SCALAR';
  into.scalar = { value: n };
  return ok(undefined);
}

function parseToken(token: string, defaultRole: string): Result<ProtoResource, string> {
  let i = 0;
  while (i < token.length && !'([{<:'.includes(token[i]!)) i++;
  const name = token.slice(0, i).trim();
  if (name === '') return err(`missing resource name in '${token}'`);
  const out: ProtoResource = { name, type: 'SCALAR' };
  let role: string | undefined;
  let stack: ReservationInfo[] | undefined;
  while (i < token.length && token[i] !== ':') {
    const c = token[i]!;
    if (c === ' ') {
      i++;
      continue;
    }
    if (token.startsWith('{REV}', i)) {
      out.revocable = {};
      i += 5;
      continue;
    }
    if (token.startsWith('<SHARED>', i)) {
      out.shared = {};
      i += 8;
      continue;
    }
    if (c === '[') return err(`disk info cannot be given in text form: '${token}'`);
    if (c !== '(') return err(`unexpected '${c}' in '${token}'`);
    const end = closing(token, i);
    if (end < 0) return err(`mismatched parentheses in '${token}'`);
    const inner = token.slice(i + 1, end).trim();
    if (inner.startsWith('allocated:')) {
      out.allocation_info = { role: inner.slice('allocated:'.length).trim() };
    } else if (inner.startsWith('reservations:')) {
      const parsed = parseReservations(inner.slice('reservations:'.length));
      if (!parsed.ok) return parsed;
      stack = parsed.value;
    } else {
      if (role !== undefined) return err(`more than one role in '${token}'`);
      role = inner;
    }
    i = end + 1;
  }
  if (i >= token.length) return err(`missing ':' in '${token}'`);
  if (role !== undefined && stack !== undefined) return err(`both a role and reservations in '${token}'`);
  const value = parseValue(name, token.slice(i + 1), out);
  if (!value.ok) return value;
  if (stack !== undefined) {
    if (stack.length > 0) out.reservations = stack;
    else out.role = UNRESERVED_ROLE;
  } else {
    out.role = role ?? defaultRole;
  }
  return ok(out);
}

export function entriesFromText(text: string, defaultRole: string): Result<Entry[], string> {
  const out: Entry[] = [];
  const types = new Map<string, string>();
  if (text.trim() === '{}') return ok(out);
  for (const raw of text.split(';')) {
    const token = raw.trim();
    if (token === '') continue;
    const parsed = parseToken(token, defaultRole);
    if (!parsed.ok) return err(`bad resources '${token}': ${parsed.error}`);
    const entry = entryFromProto(parsed.value, defaultRole);
    if (!entry.ok) return err(`bad resources '${token}': ${entry.error}`);
    const seen = types.get(parsed.value.name);
    if (seen !== undefined && seen !== parsed.value.type) {
      return err(`resources with the same name ('${parsed.value.name}') but different types are not allowed`);
    }
    types.set(parsed.value.name, parsed.value.type);
    out.push(entry.value);
  }
  return ok(out);
}
