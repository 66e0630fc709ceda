/**
 * Fixed-point scalars. Mesos keeps three decimal digits: every scalar is rounded to the nearest
 * 0.001 on input and all arithmetic happens on integers ("milli-units"), so 0.1 + 0.2 is exactly
 * 0.3 and repeated add/subtract never drifts. Values are held as JS numbers that are integers;
 * they stay exact up to 2^53 milli-units (about 9·10^12 units), far above any real quantity.
 */

/** The largest scalar accepted on input, in units (keeps milli-units exact). */
export const MAX_SCALAR_UNITS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** Rounds a unit value to milli-units, half away from zero (as `llround(v * 1000)`). */
export function toMilli(units: number): number {
  const scaled = Math.round(Math.abs(units) * 1000);
  return units < 0 ? -scaled : scaled;
}

/** Milli-units back to units (exactly the nearest double of the decimal value). */
export function fromMilli(milli: number): number {
  return milli / 1000;
}

/** Formats a milli-unit value the way Mesos prints scalars: shortest decimal, no trailing zeros. */
export function formatMilli(milli: number): string {
  return String(milli / 1000);
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Parses decimal text (as Mesos's `numify<double>`); undefined when it is not a finite number. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
