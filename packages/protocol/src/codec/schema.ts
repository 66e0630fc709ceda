/**
 * A small schema language for protobuf-JSON messages: one definition gives both the TypeScript
 * type (`Infer<typeof X>`) and a decoder that turns *untrusted* JSON into that type.
 *
 * Decoding follows Mesos's JSON ↔ protobuf rules (stout/protobuf.hpp), because existing clients
 * rely on them:
 *  - unknown keys are ignored, and so are explicit `null`s (clients send them for unset fields);
 *  - numbers are also accepted as decimal strings; int64 fields accept both;
 *  - an unknown enum name is dropped from an optional or repeated field and is an error in a
 *    required one;
 *  - a missing required field is an error naming its full path (`accept.operations[0].type`);
 *  - `bytes` are base64 text and are validated, but kept as text (the wire form).
 * The output is a fresh object holding only declared fields, so nothing a client sends (extra
 * keys, `__proto__`, huge unknown sub-trees) reaches the rest of the system.
 *
 * Decoders never throw on bad input: they return the INVALID sentinel after recording the first
 * error in the context, and `decode()` turns that into a `Result`.
 */
import { decodeBase64 } from './base64.ts';
import { err, ok, type Result } from './result.ts';

/** Where in the input a decoder is. A linked list, so the success path never builds strings. */
export interface Path {
  readonly parent: Path | undefined;
  readonly key: string | number;
}

export interface DecodeError {
  /** Dotted field path with array indexes, e.g. `accept.operations[0].launch.task_infos[2].task_id`; '' for the root. */
  readonly path: string;
  readonly message: string;
}

export interface DecodeContext {
  error: DecodeError | undefined;
}

export const INVALID: unique symbol = Symbol('invalid');
/** Returned for a value that is unrecognised but harmless to drop (an unknown enum name). */
export const UNRECOGNIZED: unique symbol = Symbol('unrecognized');
export type Outcome<T> = T | typeof INVALID | typeof UNRECOGNIZED;

export interface Decoder<T> {
  /** What the decoder expects, for error messages ("a string", "TaskState"). */
  readonly expected: string;
  decode(input: unknown, path: Path | undefined, ctx: DecodeContext): Outcome<T>;
}

export function formatPath(path: Path | undefined): string {
  const parts: (string | number)[] = [];
  for (let p = path; p; p = p.parent) parts.push(p.key);
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const k = parts[i]!;
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) out += out === '' ? k : `.${k}`;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

/** Records the first failure (the deepest, most specific one) and returns INVALID. */
export function fail(ctx: DecodeContext, path: Path | undefined, message: string): typeof INVALID {
  if (ctx.error === undefined) ctx.error = { path: formatPath(path), message };
  return INVALID;
}

const at = (parent: Path | undefined, key: string | number): Path => ({ parent, key });

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return input.length > 40 ? 'a string' : `"${input}"`;
  if (typeof input === 'object') return 'an object';
  return `${typeof input} ${String(input)}`;
}

// ───────────────────────────── scalars ─────────────────────────────

export const string: Decoder<string> = {
  expected: 'a string',
  decode: (input, path, ctx) => (typeof input === 'string' ? input : fail(ctx, path, `expected a string, got ${describe(input)}`)),
};

export const bool: Decoder<boolean> = {
  expected: 'a boolean',
  decode(input, path, ctx) {
    if (typeof input === 'boolean') return input;
    if (input === 'true') return true;
    if (input === 'false') return false;
    return fail(ctx, path, `expected a boolean, got ${describe(input)}`);
  },
};

const INTEGER_TEXT = /^-?\d+$/;

function integer(expected: string, min: number, max: number): Decoder<number> {
  return {
    expected,
    decode(input, path, ctx) {
      let n: number;
      if (typeof input === 'number') n = input;
      else if (typeof input === 'string' && INTEGER_TEXT.test(input.trim())) n = Number(input.trim());
      else return fail(ctx, path, `expected ${expected}, got ${describe(input)}`);
      if (!Number.isInteger(n)) return fail(ctx, path, `expected ${expected}, got ${describe(input)}`);
      if (n < min || n > max) return fail(ctx, path, `${n} is out of range for ${expected}`);
      return n;
    },
  };
}

export const int32 = integer('an int32', -2147483648, 2147483647);
export const uint32 = integer('a uint32', 0, 4294967295);
/** int64 as a JS number: exact up to 2^53, which covers every count and duration Mesos sends. */
export const int64 = integer('an int64', -Number.MAX_VALUE, Number.MAX_VALUE);
export const uint64 = integer('a uint64', 0, Number.MAX_VALUE);

/**
 * A finite double. Protobuf-JSON's "NaN"/"Infinity" strings are accepted only where a field
 * allows them (`double({ nonFinite: true })`, e.g. TaskInfo.limits); resources never do.
 */
export function double(opts: { nonFinite?: boolean } = {}): Decoder<number> {
  const expected = opts.nonFinite ? 'a number' : 'a finite number';
  return {
    expected,
    decode(input, path, ctx) {
      let n: number;
      if (typeof input === 'number') n = input;
      else if (typeof input === 'string' && input.trim() !== '') {
        const t = input.trim();
        n = t === 'Infinity' || t === '-Infinity' || t === 'NaN' ? Number(t) : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : NaN;
        if (Number.isNaN(n) && t !== 'NaN') return fail(ctx, path, `expected ${expected}, got ${describe(input)}`);
      } else return fail(ctx, path, `expected ${expected}, got ${describe(input)}`);
      if (!opts.nonFinite && !Number.isFinite(n)) return fail(ctx, path, `expected ${expected}, got ${describe(input)}`);
      return n;
    },
  };
}
export const float64 = double();

/** `bytes`: base64 text, validated and kept in wire form. `exactLength` checks the decoded size. */
export function bytes(opts: { exactLength?: number } = {}): Decoder<string> {
  return {
    expected: 'base64 bytes',
    decode(input, path, ctx) {
      if (typeof input !== 'string') return fail(ctx, path, `expected base64 bytes, got ${describe(input)}`);
      const decoded = decodeBase64(input);
      if (decoded === undefined) return fail(ctx, path, 'invalid base64');
      if (opts.exactLength !== undefined && decoded.length !== opts.exactLength) {
        return fail(ctx, path, `expected ${opts.exactLength} bytes, got ${decoded.length}`);
      }
      return input;
    },
  };
}

/** The `{}` message (e.g. `Resource.revocable`): any object is accepted and normalised to `{}`. */
export const empty: Decoder<Record<string, never>> = {
  expected: 'an object',
  decode: (input, path, ctx) =>
    typeof input === 'object' && input !== null && !Array.isArray(input) ? {} : fail(ctx, path, `expected an object, got ${describe(input)}`),
};

/** Free-form JSON kept as is (only for fields Mesos itself leaves opaque). */
export const anyJson: Decoder<unknown> = { expected: 'JSON', decode: (input) => input };

// ───────────────────────────── enums ─────────────────────────────

export interface EnumDecoder<N extends string> extends Decoder<N> {
  readonly values: Readonly<Record<N, number>>;
  readonly names: readonly N[];
  nameOf(n: number): N | undefined;
}

/** A protobuf enum: accepts the value's name (the wire form) or its number; emits the name. */
export function enumeration<N extends string>(name: string, values: Readonly<Record<N, number>>): EnumDecoder<N> {
  const byNumber = new Map<number, N>();
  const names = Object.keys(values) as N[];
  for (const n of names) byNumber.set(values[n], n);
  // Decoded names are the table's own (interned) strings, not the copies JSON.parse made: a
  // master holding 100,000 task statuses keeps one 'TASK_RUNNING', not 100,000.
  const known = new Map<string, N>(names.map((n) => [n, n]));
  return {
    expected: name,
    values,
    names,
    nameOf: (n) => byNumber.get(n),
    decode(input, path, ctx) {
      if (typeof input === 'string') return known.get(input) ?? UNRECOGNIZED;
      if (typeof input === 'number') return byNumber.get(input) ?? UNRECOGNIZED;
      return fail(ctx, path, `expected a ${name} name, got ${describe(input)}`);
    },
  };
}

// ───────────────────────────── refinements ─────────────────────────────

/** Adds a check on a decoded value; `check` returns an error message or undefined. */
export function refine<T>(inner: Decoder<T>, check: (value: T) => string | undefined): Decoder<T> {
  return {
    expected: inner.expected,
    decode(input, path, ctx) {
      const v = inner.decode(input, path, ctx);
      if (v === INVALID || v === UNRECOGNIZED) return v;
      const problem = check(v);
      return problem === undefined ? v : fail(ctx, path, problem);
    },
  };
}

export function lazy<T>(get: () => Decoder<T>): Decoder<T> {
  let d: Decoder<T> | undefined;
  return {
    get expected() {
      return (d ??= get()).expected;
    },
    decode: (input, path, ctx) => (d ??= get()).decode(input, path, ctx),
  };
}

// ───────────────────────────── collections ─────────────────────────────

/** A JSON array (a protobuf `repeated` value used on its own, e.g. a top-level list). */
export function arrayOf<T>(item: Decoder<T>): Decoder<T[]> {
  return {
    expected: `an array of ${item.expected}`,
    decode(input, path, ctx) {
      if (!Array.isArray(input)) return fail(ctx, path, `expected an array, got ${describe(input)}`);
      const out: T[] = [];
      for (let i = 0; i < input.length; i++) {
        const raw = input[i];
        if (raw === null || raw === undefined) continue;
        const v = item.decode(raw, at(path, i), ctx);
        if (v === INVALID) return INVALID;
        if (v !== UNRECOGNIZED) out.push(v);
      }
      return out;
    },
  };
}

/** A protobuf `map<string, V>`, as a JSON object. */
export function mapOf<T>(value: Decoder<T>): Decoder<Record<string, T>> {
  return {
    expected: `an object of ${value.expected}`,
    decode(input, path, ctx) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail(ctx, path, `expected an object, got ${describe(input)}`);
      const out: Record<string, T> = Object.create(null);
      for (const k of Object.keys(input)) {
        const raw = (input as Record<string, unknown>)[k];
        if (raw === null || raw === undefined) continue;
        const v = value.decode(raw, at(path, k), ctx);
        if (v === INVALID) return INVALID;
        if (v !== UNRECOGNIZED) out[k] = v;
      }
      return out;
    },
  };
}

// ───────────────────────────── messages ─────────────────────────────

type FieldKind = 'required' | 'optional' | 'repeated' | 'default';

export interface FieldDef<T, K extends FieldKind> {
  readonly kind: K;
  readonly decoder: Decoder<T>;
  readonly defaultValue?: T;
}

export const required = <T>(decoder: Decoder<T>): FieldDef<T, 'required'> => ({ kind: 'required', decoder });
export const optional = <T>(decoder: Decoder<T>): FieldDef<T, 'optional'> => ({ kind: 'optional', decoder });
/** A repeated field: an array on the wire, absent when empty (as Mesos emits it). */
export const repeated = <T>(decoder: Decoder<T>): FieldDef<T, 'repeated'> => ({ kind: 'repeated', decoder });
/** An optional field with a non-deprecated default: filled in on decode, so it is emitted as Mesos does. */
export const withDefault = <T>(decoder: Decoder<T>, defaultValue: T): FieldDef<T, 'default'> => ({ kind: 'default', decoder, defaultValue });

/** Many optional fields of one type at once (the statistics messages have dozens). */
export function optionalFields<const K extends string, T>(names: readonly K[], decoder: Decoder<T>): Record<K, FieldDef<T, 'optional'>> {
  const out = {} as Record<K, FieldDef<T, 'optional'>>;
  for (const n of names) out[n] = optional(decoder);
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Shape = Record<string, FieldDef<any, FieldKind>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type FieldValue<F> = F extends FieldDef<infer T, infer K> ? (K extends 'repeated' ? T[] : T) : never;
export type InferShape<S extends Shape> = Simplify<
  { [K in keyof S as S[K]['kind'] extends 'required' | 'default' ? K : never]: FieldValue<S[K]> } & {
    [K in keyof S as S[K]['kind'] extends 'optional' | 'repeated' ? K : never]?: FieldValue<S[K]>;
  }
>;
export type Infer<D> = D extends Decoder<infer T> ? T : never;

export interface MessageDecoder<S extends Shape> extends Decoder<InferShape<S>> {
  readonly shape: S;
}

/**
 * A protobuf message. `validate` runs after the fields decode and returns an error message for
 * cross-field rules (it may name a sub-field: return `{ field, message }`).
 */
export function message<S extends Shape>(
  name: string,
  shape: S,
  validate?: (value: InferShape<S>) => string | { field: string; message: string } | undefined,
): MessageDecoder<S> {
  const entries = Object.entries(shape);
  return {
    expected: name,
    shape,
    decode(input, path, ctx) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return fail(ctx, path, `expected ${name} (an object), got ${describe(input)}`);
      }
      const src = input as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < entries.length; i++) {
        const [key, field] = entries[i]!;
        const raw = Object.hasOwn(src, key) ? src[key] : undefined;
        if (raw === undefined || raw === null) {
          if (field.kind === 'required') return fail(ctx, at(path, key), 'missing required field');
          if (field.kind === 'default') out[key] = field.defaultValue;
          continue;
        }
        if (field.kind === 'repeated') {
          if (!Array.isArray(raw)) return fail(ctx, at(path, key), `expected an array, got ${describe(raw)}`);
          if (raw.length === 0) continue;
          const list: unknown[] = [];
          for (let j = 0; j < raw.length; j++) {
            const item = raw[j];
            if (item === null || item === undefined) continue;
            const v = field.decoder.decode(item, at(at(path, key), j), ctx);
            if (v === INVALID) return INVALID;
            if (v !== UNRECOGNIZED) list.push(v);
          }
          if (list.length > 0) out[key] = list;
          continue;
        }
        const v = field.decoder.decode(raw, at(path, key), ctx);
        if (v === INVALID) return INVALID;
        if (v === UNRECOGNIZED) {
          if (field.kind === 'required') return fail(ctx, at(path, key), `unknown ${field.decoder.expected} value ${describe(raw)}`);
          if (field.kind === 'default') out[key] = field.defaultValue;
          continue;
        }
        out[key] = v;
      }
      const value = out as InferShape<S>;
      if (validate) {
        const problem = validate(value);
        if (problem !== undefined) {
          if (typeof problem === 'string') return fail(ctx, path, problem);
          // A dotted `field` names a nested path (`agent_info.id`).
          return fail(ctx, problem.field.split('.').reduce<Path | undefined>((p, k) => at(p, k), path), problem.message);
        }
      }
      return value;
    },
  };
}

// ───────────────────────────── entry points ─────────────────────────────

export function formatDecodeError(e: DecodeError): string {
  return e.path === '' ? e.message : `${e.path}: ${e.message}`;
}

/** Decodes an already-parsed JSON value. Never throws on any input. */
export function decode<T>(decoder: Decoder<T>, input: unknown): Result<T, DecodeError> {
  const ctx: DecodeContext = { error: undefined };
  let v: Outcome<T>;
  try {
    v = decoder.decode(input, undefined, ctx);
  } catch (e) {
    // Only a stack overflow on absurdly deep input can land here; report it as bad input.
    return err({ path: '', message: `input could not be decoded (${e instanceof RangeError ? 'nested too deeply' : 'invalid'})` });
  }
  if (v === INVALID) return err(ctx.error ?? { path: '', message: `invalid ${decoder.expected}` });
  if (v === UNRECOGNIZED) return err({ path: '', message: `unknown ${decoder.expected} value` });
  return ok(v);
}

/** JSON.parse as a value: a syntax error is an expected outcome for untrusted text. */
export function parseJson(text: string): Result<unknown, DecodeError> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return err({ path: '', message: `malformed JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** Parses and decodes JSON text. An empty body means `{}`, as Mesos treats it. */
export function decodeJson<T>(decoder: Decoder<T>, text: string): Result<T, DecodeError> {
  const parsed = text.trim() === '' ? ok({}) : parseJson(text);
  return parsed.ok ? decode(decoder, parsed.value) : parsed;
}
