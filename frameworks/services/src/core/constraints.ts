/**
 * Constraint evaluation (Marathon's semantics, §1.4): an offer's field value is checked against
 * the values of the app's instances already placed (running, staged, and those matched earlier
 * in the same offer cycle). A missing field rejects the offer for every operator but UNLIKE.
 */
import type { Attribute, Offer } from '@agora/protocol';
import { fullMatchRegex } from '../model/constraint.ts';
import type { Constraint } from '../model/types.ts';

/** Mesos's string form of an attribute value (scalars rounded to 0.001). */
export function attributeText(a: Attribute): string | undefined {
  switch (a.type) {
    case 'TEXT': return a.text?.value;
    case 'SCALAR': return a.scalar === undefined ? undefined : String(Math.round(a.scalar.value * 1000) / 1000);
    case 'RANGES': return `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(',')}]`;
    case 'SET': return `{${(a.set?.item ?? []).join(',')}}`;
    default: return undefined;
  }
}

/** The constraint fields of the agent behind an offer. */
export function offerFields(offer: Offer): Record<string, string> {
  const out: Record<string, string> = { hostname: offer.hostname, '@hostname': offer.hostname };
  const fd = offer.domain?.fault_domain;
  if (fd) {
    out['@region'] = fd.region.name;
    out['@zone'] = fd.zone.name;
  }
  for (const a of offer.attributes ?? []) {
    const t = attributeText(a);
    if (t !== undefined) out[a.name] = t;
  }
  return out;
}

function counts(values: readonly (string | undefined)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) if (v !== undefined) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Whether one constraint admits placing another instance on an agent with `fields`. */
export function meets(c: Constraint, fields: Readonly<Record<string, string>>, placed: readonly Readonly<Record<string, string>>[]): boolean {
  const v = fields[c.field];
  if (v === undefined) return c.operator === 'UNLIKE';
  const others = placed.map((p) => p[c.field]);
  switch (c.operator) {
    case 'UNIQUE':
      return !others.includes(v);
    case 'CLUSTER': {
      if (c.value !== undefined && c.value !== '') return v === c.value;
      const first = others.find((x) => x !== undefined);
      return first === undefined || first === v;
    }
    case 'GROUP_BY': {
      const m = counts(others);
      const expected = c.value === undefined ? 0 : Number(c.value);
      if (!m.has(v) && m.size < Math.max(expected, 1)) return true;
      const min = m.size < expected ? 0 : Math.min(...m.values());
      return (m.get(v) ?? 0) <= min;
    }
    case 'LIKE':
      return fullMatchRegex(c.value ?? '')?.test(v) ?? false;
    case 'UNLIKE':
      return !(fullMatchRegex(c.value ?? '')?.test(v) ?? true);
    case 'MAX_PER':
      return (counts(others).get(v) ?? 0) < Number(c.value);
    case 'IS':
      return v === c.value;
    case 'IN':
      return (c.value ?? '').replace(/^\{|\}$/g, '').split(',').map((s) => s.trim()).includes(v);
  }
}

/** The first constraint an agent fails, or undefined when all are met. */
export function failedConstraint(constraints: readonly Constraint[], fields: Readonly<Record<string, string>>, placed: readonly Readonly<Record<string, string>>[]): Constraint | undefined {
  return constraints.find((c) => !meets(c, fields, placed));
}
