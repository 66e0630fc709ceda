/**
 * Parsing 5-field cron expressions (Metronome's `cron`): `minute hour day-of-month month
 * day-of-week`, each a `*`, a value, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a
 * comma-separated list of those. Months and weekdays also take names (`JAN`, `mon`, any case);
 * weekday 7 is Sunday like 0; `?` means `*` in the day fields. Macros: `@yearly`/`@annually`,
 * `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
 *
 * Day matching follows Vixie cron (and so every cron users know): when both day fields are
 * restricted (neither starts with `*`/`?`) a day matches if *either* does; otherwise both must.
 * Seconds fields, `L`, `W` and `#` are rejected with a message rather than misread.
 */
import { err, ok, type Result } from '@agora/protocol';

export interface CronFields {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  /** 0 = Sunday … 6 = Saturday. */
  readonly daysOfWeek: readonly number[];
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of names[0]. */
  readonly nameBase?: number;
  readonly question?: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0, question: true },
];

const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseCronFields(expression: string): Result<CronFields, string> {
  const text = expression.trim();
  if (text === '') return err('cron expression is empty');
  const expanded = text.startsWith('@') ? MACROS[text.toLowerCase()] : text;
  if (expanded === undefined) return err(`'${text}' is not a known cron macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    return err(`'${text}' has ${parts.length} fields; a cron expression has 5: minute hour day-of-month month day-of-week`);
  }
  const sets: number[][] = [];
  for (let i = 0; i < 5; i++) {
    const r = parseField(parts[i]!, FIELDS[i]!);
    if (!r.ok) return err(`${FIELDS[i]!.name} field '${parts[i]}': ${r.error}`);
    sets.push(r.value);
  }
  const [minutes, hours, daysOfMonth, months, dowRaw] = sets as [number[], number[], number[], number[], number[]];
  const daysOfWeek = [...new Set(dowRaw.map((d) => d % 7))].sort((a, b) => a - b);
  const domRestricted = !/^[*?]/.test(parts[2]!);
  const dowRestricted = !/^[*?]/.test(parts[4]!);
  // With only the day of month restricted, some listed month must have one of those days.
  if (domRestricted && !dowRestricted && !months.some((m) => daysOfMonth.some((d) => d <= MAX_DAYS[m - 1]!))) {
    return err(`'${text}' never matches: no listed month has day ${daysOfMonth.join(',')}`);
  }
  return ok({ minutes, hours, daysOfMonth, months, daysOfWeek, domRestricted, dowRestricted });
}

function parseField(text: string, spec: FieldSpec): Result<number[], string> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return err('empty list item');
    const slash = item.split('/');
    if (slash.length > 2) return err(`'${item}' has more than one '/'`);
    const [rangeText, stepText] = slash as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return err(`step '${stepText}' must be a positive integer`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (rangeText === '*' || (rangeText === '?' && spec.question)) {
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
    } else {
      const dash = rangeText.split('-');
      if (dash.length > 2) return err(`'${rangeText}' is not a value or a range`);
      const a = value(dash[0]!, spec);
      if (!a.ok) return a;
      lo = a.value;
      if (dash.length === 2) {
        const b = value(dash[1]!, spec);
        if (!b.ok) return b;
        hi = b.value;
        if (hi < lo) return err(`range '${rangeText}' runs backwards`);
      } else {
        hi = stepText !== undefined ? (spec.name === 'day-of-week' ? 6 : spec.max) : lo;
      }
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return ok([...out].sort((a, b) => a - b));
}

function value(text: string, spec: FieldSpec): Result<number, string> {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) return err(`${n} is outside ${spec.min}-${spec.max}`);
    return ok(n);
  }
  if (spec.names) {
    const i = spec.names.indexOf(text.toUpperCase());
    if (i >= 0) return ok(i + (spec.nameBase ?? 0));
  }
  if (/[LW#]/i.test(text)) return err(`'${text}': L, W and # are not supported`);
  return err(`'${text}' is not a number${spec.names ? ' or a name' : ''}`);
}

/** Whether a date matches the day fields (Vixie's either/both rule). */
export function dayMatches(f: CronFields, day: number, weekday: number, domSet: ReadonlySet<number>, dowSet: ReadonlySet<number>): boolean {
  const dom = domSet.has(day);
  const dow = dowSet.has(weekday);
  if (f.domRestricted && f.dowRestricted) return dom || dow;
  return dom && dow;
}
