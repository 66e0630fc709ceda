/**
 * Keys: `/`-separated segments of `[A-Za-z0-9_.:@+=%~-]`, none empty and none starting with `.`
 * (names starting with `.` are the stores' own: temp files, the fencing epoch). At most 1024
 * characters. Callers with arbitrary names (roles may contain `/`) escape them with `keySegment`.
 */
import { err, ok, type Result } from '@agora/protocol';
import { storeError, type StoreError } from './store.ts';

export const MAX_KEY_LENGTH = 1024;
const SEGMENT = /^[A-Za-z0-9_:@+=%~-][A-Za-z0-9_.:@+=%~-]*$/;

/** Splits a key into its segments, or says what is wrong with it. */
export function keySegments(key: string, opts: { allowRoot?: boolean } = {}): Result<string[], StoreError> {
  if (typeof key !== 'string') return err(storeError('INVALID_KEY', 'a key must be a string'));
  if (key === '') {
    return opts.allowRoot ? ok([]) : err(storeError('INVALID_KEY', 'a key may not be empty', key));
  }
  if (key.length > MAX_KEY_LENGTH) {
    return err(storeError('INVALID_KEY', `key is ${key.length} characters long (at most ${MAX_KEY_LENGTH})`, key));
  }
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '') return err(storeError('INVALID_KEY', `key '${key}' has an empty segment (leading, trailing or double '/')`, key));
    if (!SEGMENT.test(s)) {
      return err(storeError('INVALID_KEY', `key segment '${s}' may only contain [A-Za-z0-9_.:@+=%~-] and may not start with '.' (escape names with keySegment())`, key));
    }
  }
  return ok(segments);
}

const SAFE = /[A-Za-z0-9_:@+=~-]/;

/**
 * Escapes any string into one valid key segment (percent-encoding every other byte, and a leading
 * `.`), reversibly: `unescapeKeySegment(keySegment(s)) === s`.
 */
export function keySegment(name: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && (SAFE.test(ch) || (ch === '.' && out !== '')) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '%' : out;
}

export function unescapeKeySegment(segment: string): string {
  if (segment === '%') return '';
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(segment.slice(i + 1, i + 3))) {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(ch.charCodeAt(0));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
