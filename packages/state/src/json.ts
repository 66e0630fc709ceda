/**
 * JSON values on top of the byte-valued stores, and the canonical JSON Mesos writes into
 * ZooKeeper (compact, object keys sorted at every level, arrays in order).
 */
import { decode, encodeJson, err, formatDecodeError, ok, type Decoder, type Result } from '@agora/protocol';
import { storeError, type Entry, type Expected, type KeyValueStore, type StoreError, type Version } from './store.ts';

/** Compact JSON with object keys sorted recursively (`undefined` fields dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  return encodeJson(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) out[k] = sortKeys(src[k]);
    return out;
  }
  return value;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const encodeJsonValue = (value: unknown): Uint8Array => encoder.encode(canonicalJson(value));

/** Parses bytes as JSON and, given a decoder, decodes them; failures are `CORRUPT` naming the key. */
export function decodeJsonValue<T = unknown>(bytes: Uint8Array, key: string, schema?: Decoder<T>): Result<T, StoreError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    return err(storeError('CORRUPT', `value of '${key}' is not JSON: ${e instanceof Error ? e.message : String(e)}`, key));
  }
  if (!schema) return ok(parsed as T);
  const r = decode(schema, parsed);
  return r.ok ? r : err(storeError('CORRUPT', `value of '${key}' does not decode: ${formatDecodeError(r.error)}`, key));
}

export interface JsonEntry<T> {
  readonly value: T;
  readonly version: Version;
}

/** `get` for a JSON value (optionally decoded with a protocol decoder). */
export async function getJson<T = unknown>(store: KeyValueStore, key: string, schema?: Decoder<T>): Promise<Result<JsonEntry<T> | undefined, StoreError>> {
  const r = await store.get(key);
  if (!r.ok) return r;
  if (r.value === undefined) return ok(undefined);
  const entry: Entry = r.value;
  const v = decodeJsonValue(entry.value, key, schema);
  return v.ok ? ok({ value: v.value, version: entry.version }) : v;
}

/** `set` for a JSON value, written as canonical JSON. */
export function setJson(store: KeyValueStore, key: string, value: unknown, expected: Expected): Promise<Result<Version, StoreError>> {
  return store.set(key, encodeJsonValue(value), expected);
}
