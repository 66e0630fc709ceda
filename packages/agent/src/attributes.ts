/**
 * Agent attributes in Mesos's text syntax: `name:value;name:value`. A value is a scalar (`2`,
 * `1.5`), ranges (`[1-10,20-30]`), a set (`{a,b}`) or text; attributes are never consumed, only
 * matched by frameworks (offer constraints).
 */
import { err, ok, type Attribute, type Result } from '@agora/protocol';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;
const BAD_CHARS = /[\s\p{Cc};:]/u;

function parseValue(name: string, text: string): Result<Attribute, string> {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return err(`attribute '${name}': ranges must end with ']'`);
    const inner = text.slice(1, -1).trim();
    const range: Array<{ begin: number; end: number }> = [];
    for (const part of inner === '' ? [] : inner.split(',')) {
      const m = RANGE.exec(part.trim());
      if (!m) return err(`attribute '${name}': '${part.trim()}' is not a range 'begin-end'`);
      const begin = Number(m[1]);
      const end = Number(m[2]);
      if (begin > end) return err(`attribute '${name}': range ${begin}-${end} ends before it begins`);
      range.push({ begin, end });
    }
    return ok({ name, type: 'RANGES', ranges: { range } });
  }
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) return err(`attribute '${name}': sets must end with '}'`);
    const items = text.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '');
    return ok({ name, type: 'SET', set: { item: items } });
  }
  if (NUMBER.test(text)) return ok({ name, type: 'SCALAR', scalar: { value: Number(text) } });
  if (BAD_CHARS.test(text)) return err(`attribute '${name}': value '${text}' contains whitespace, a control character, ':' or ';'`);
  return ok({ name, type: 'TEXT', text: { value: text } });
}

/** Parses `--attributes`; an empty string means none. */
export function parseAttributes(text: string): Result<Attribute[], string> {
  const out: Attribute[] = [];
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    if (colon <= 0) return err(`'${entry}' is not 'name:value'`);
    const name = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    if (name === '' || BAD_CHARS.test(name)) return err(`'${name}' is not a valid attribute name`);
    if (value === '') return err(`attribute '${name}' has no value`);
    const parsed = parseValue(name, value);
    if (!parsed.ok) return parsed;
    out.push(parsed.value);
  }
  return ok(out);
}

/** The legacy JSON form used by `/state`: name → number, "[a-b, c-d]", "{a,b}" or text. */
export function attributesToLegacyJSON(attributes: readonly Attribute[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const a of attributes) {
    switch (a.type) {
      case 'SCALAR':
        out[a.name] = a.scalar?.value ?? 0;
        break;
      case 'RANGES':
        out[a.name] = `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
        break;
      case 'SET':
        out[a.name] = `{${(a.set?.item ?? []).join(',')}}`;
        break;
      case 'TEXT':
        out[a.name] = a.text?.value ?? '';
        break;
    }
  }
  return out;
}
