/**
 * Flags declared once, compiled once: a flag table gives typed options with defaults, `--help`
 * text, environment-variable fallbacks and validation that names the flag.
 *
 * Accepted spellings, as Mesos operators type them: `--name=value`, `--name value`, `--name`
 * (booleans), `--no-name`, and underscores or dashes interchangeably (`--allocation_interval`
 * is `--allocation-interval`).
 */
import { err, ok, type Result } from '@agora/protocol';

interface FlagBase<T> {
  readonly help: string;
  readonly default?: T;
  /** Environment variable consulted when the flag is not on the command line. */
  readonly env?: string;
  readonly required?: boolean;
  /** Printed as the value placeholder in --help. */
  readonly placeholder?: string;
}

export type FlagSpec =
  | (FlagBase<string> & { readonly type: 'string'; readonly choices?: readonly string[] })
  | (FlagBase<number> & { readonly type: 'int' | 'number'; readonly min?: number; readonly max?: number })
  | (FlagBase<boolean> & { readonly type: 'bool' })
  | (FlagBase<string[]> & { readonly type: 'list' })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | (FlagBase<any> & { readonly type: 'custom'; readonly parse: (text: string) => Result<any, string> });

export type FlagTable = Record<string, FlagSpec>;

type ValueOf<S extends FlagSpec> = S extends { type: 'string' }
  ? string
  : S extends { type: 'int' | 'number' }
    ? number
    : S extends { type: 'bool' }
      ? boolean
      : S extends { type: 'list' }
        ? string[]
        : S extends { type: 'custom'; parse: (t: string) => Result<infer V, string> }
          ? V
          : never;

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** Options from a flag table: flags with a default or `required` are always present. */
export type Options<T extends FlagTable> = {
  -readonly [K in keyof T as K extends string ? CamelCase<K> : never]: T[K] extends { default: unknown } | { required: true }
    ? ValueOf<T[K]>
    : ValueOf<T[K]> | undefined;
};

const canonical = (name: string) => name.replace(/_/g, '-');
const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function convert(name: string, spec: FlagSpec, text: string): Result<unknown, string> {
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) return err(`--${name}: '${text}' is not one of ${spec.choices.join(', ')}`);
      return ok(text);
    case 'int':
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
        return err(`--${name}: expected ${spec.type === 'int' ? 'an integer' : 'a number'}, got '${text}'`);
      }
      if (spec.min !== undefined && n < spec.min) return err(`--${name}: must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) return err(`--${name}: must be at most ${spec.max}, got ${n}`);
      return ok(n);
    }
    case 'bool':
      if (['true', '1', 'yes', ''].includes(text)) return ok(true);
      if (['false', '0', 'no'].includes(text)) return ok(false);
      return err(`--${name}: expected true or false, got '${text}'`);
    case 'list':
      return ok(text.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    case 'custom': {
      const r = spec.parse(text);
      return r.ok ? r : err(`--${name}: ${r.error}`);
    }
  }
}

export interface ParsedFlags<T extends FlagTable> {
  options: Options<T>;
  /** Arguments that are not flags (and everything after `--`). */
  positional: string[];
  help: boolean;
}

/** Parses argv (without node and script) against the table. Unknown flags are errors. */
export function parseFlags<T extends FlagTable>(
  table: T,
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): Result<ParsedFlags<T>, string> {
  const specs = new Map<string, FlagSpec>();
  for (const [name, spec] of Object.entries(table)) specs.set(canonical(name), spec);
  const raw = new Map<string, string>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = canonical(eq >= 0 ? arg.slice(2, eq) : arg.slice(2));
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = specs.get(name);
    if (!spec && name.startsWith('no-') && specs.get(name.slice(3))?.type === 'bool' && value === undefined) {
      name = name.slice(3);
      spec = specs.get(name);
      value = 'false';
    }
    if (!spec) return err(`unknown flag --${name} (see --help)`);
    if (value === undefined) {
      if (spec.type === 'bool') {
        const next = argv[i + 1];
        value = next !== undefined && ['true', 'false'].includes(next) ? (i++, next) : 'true';
      } else {
        const next = argv[i + 1];
        if (next === undefined) return err(`--${name}: missing value`);
        value = next;
        i++;
      }
    }
    raw.set(name, value);
  }

  const options: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    let text = raw.get(name);
    if (text === undefined && spec.env) text = env[spec.env];
    if (text === undefined) {
      if (spec.required && !help) return err(`--${name} is required`);
      options[camel(name)] = spec.default;
      continue;
    }
    const v = convert(name, spec, text);
    if (!v.ok) return v;
    options[camel(name)] = v.value;
  }
  return ok({ options: options as Options<T>, positional, help });
}

/** `--help` text: usage, then one line per flag with its default and environment variable. */
export function formatHelp(usage: string, table: FlagTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const flag = `--${canonical(name)}${spec.type === 'bool' ? '' : `=${spec.placeholder ?? (spec.type === 'custom' ? 'VALUE' : spec.type.toUpperCase())}`}`;
    const extras: string[] = [];
    if (spec.default !== undefined && !(Array.isArray(spec.default) && spec.default.length === 0)) {
      extras.push(`default: ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}`);
    }
    if (spec.env) extras.push(`env: ${spec.env}`);
    if (spec.required) extras.push('required');
    return [flag, spec.help + (extras.length ? ` (${extras.join('; ')})` : '')] as const;
  });
  const width = Math.min(40, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = rows.map(([f, h]) => (f.length + 2 > width ? `  ${f}\n  ${' '.repeat(width)}${h}` : `  ${f.padEnd(width)}${h}`));
  return `${usage}\n\nFlags:\n${lines.join('\n')}\n  --help${' '.repeat(Math.max(1, width - 6))}Show this help\n`;
}
