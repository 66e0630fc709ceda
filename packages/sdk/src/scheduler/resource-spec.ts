/**
 * What a task asks for, in short form: `{ cpus: 0.1, mem: 32 }` or the text `cpus:0.1;mem:32`.
 * Scalars are amounts (cpus, mem and disk in MB, gpus, any custom scalar); for range and set
 * resources (`ports`) the number is how many values to take.
 */
import { err, ok, type Result } from '@agora/protocol';

export type ResourceSpec = Readonly<Record<string, number>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `cpus:0.1;mem:32` (also `,` between entries and `=` inside them) → `{ cpus: 0.1, mem: 32 }`. */
export function parseResourceSpec(text: string): Result<ResourceSpec, string> {
  const out: Record<string, number> = {};
  const parts = text.split(/[;,]/).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return err(`'${text}' names no resources (expected e.g. cpus:0.1;mem:32)`);
  for (const part of parts) {
    const m = /^([^:=\s]+)\s*[:=]\s*(\S+)$/.exec(part);
    if (!m) return err(`'${part}' is not name:amount (e.g. cpus:0.1)`);
    const [, name, amount] = m as unknown as [string, string, string];
    if (!NAME.test(name)) return err(`'${name}' is not a resource name`);
    if (!/^(\d+\.?\d*|\.\d+)$/.test(amount)) return err(`${name}: '${amount}' is not a non-negative number`);
    if (Object.hasOwn(out, name)) return err(`${name} is given twice`);
    out[name] = Number(amount);
  }
  return ok(out);
}

export function formatResourceSpec(spec: ResourceSpec): string {
  return Object.entries(spec).map(([k, v]) => `${k}:${v}`).join(';');
}

/** Checks a spec built in code (names, finite non-negative amounts). */
export function resourceSpecProblem(spec: ResourceSpec): string | undefined {
  for (const [name, amount] of Object.entries(spec)) {
    if (!NAME.test(name)) return `'${name}' is not a resource name`;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return `${name}: ${String(amount)} is not a non-negative number`;
  }
  return undefined;
}
