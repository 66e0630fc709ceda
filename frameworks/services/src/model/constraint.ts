/**
 * Constraints as Marathon accepts them: `[field, OPERATOR]` or `[field, OPERATOR, value]`, with
 * Marathon's messages for malformed ones (SchedulingValidation.complyWithAppConstraintRules).
 * `IS` (1.6+) and `IN` (1.7+) are accepted too. Evaluation lives in matching/constraints.ts.
 */
import { CONSTRAINT_OPERATORS, type Constraint, type ConstraintOperator } from './types.ts';

const ILLEGAL_OPERATOR = 'Constraint operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE, IS or IN';

const isInt = (v: string): boolean => /^[+-]?\d+$/.test(v.trim()) && Math.abs(Number(v)) <= 2147483647;

/** The JavaScript form of a Java regex that must match a whole value; undefined if it does not compile. */
export function fullMatchRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}

/** Parses one wire constraint; a string is Marathon's message for why it is invalid. */
export function parseConstraint(parts: readonly string[]): Constraint | string {
  if (parts.length < 2 || parts.length > 3) return 'Each constraint must have either 2 or 3 fields';
  const [field, op, value] = parts as [string, string, string | undefined];
  if (field === '') return 'Missing field and operator';
  if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(op)) return ILLEGAL_OPERATOR;
  const operator = op as ConstraintOperator;
  switch (operator) {
    case 'UNIQUE':
      if (value !== undefined) return 'Value specified but not used';
      break;
    case 'CLUSTER':
    case 'IS':
    case 'IN':
      // `["f","CLUSTER",""]` is accepted: the first placement then fixes the value.
      if (value === undefined) return 'Missing value';
      break;
    case 'GROUP_BY':
      if (value !== undefined && !isInt(value)) return 'Value was specified but is not a number';
      break;
    case 'MAX_PER':
      if (value === undefined || !isInt(value)) return 'Value was not specified or is not a number';
      break;
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) return 'A regular expression value must be provided';
      if (fullMatchRegex(value) === undefined) return `'${value}' is not a valid regular expression`;
      break;
  }
  return value === undefined ? { field, operator } : { field, operator, value };
}

export function constraintToJson(c: Constraint): string[] {
  return c.value === undefined ? [c.field, c.operator] : [c.field, c.operator, c.value];
}
