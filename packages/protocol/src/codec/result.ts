/**
 * Expected outcomes are values: a decode, parse or validation either succeeds with a value or
 * fails with an error value. Only bugs throw.
 */
export type Result<T, E = string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** Unwraps a result whose failure would be a programming error (fixtures, constants). */
export function unwrap<T, E>(r: Result<T, E>): T {
  if (r.ok) return r.value;
  throw new Error(`unwrap of a failed result: ${typeof r.error === 'string' ? r.error : JSON.stringify(r.error)}`);
}
