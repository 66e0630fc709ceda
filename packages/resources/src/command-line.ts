/**
 * Extra rules for resources an operator writes on an agent's command line (`--resources`),
 * Mesos's `validateCommandLineResources`: no persistent volumes, no revocable resources, no
 * dynamic reservations, and one type per resource name. `Resources.parse` itself accepts all of
 * these (so that `toString()` round-trips); the agent applies this check to its flag.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Resources } from './resources.ts';

export function checkCommandLineResources(resources: Resources): Result<Resources, string> {
  const types = new Map<string, string>();
  for (const e of resources.entries) {
    const id = e.id;
    if (id.isPersistentVolume) return err('Persistent volumes cannot be specified at the command line');
    if (id.revocable) return err("Revocable resources cannot be specified at the command line; do not include a 'revocable' key in the resources JSON");
    if (id.isDynamicallyReserved) return err('Dynamic reservations cannot be specified at the command line');
    if (id.allocationRole !== undefined) return err('Allocated resources cannot be specified at the command line');
    const seen = types.get(id.name);
    if (seen !== undefined && seen !== id.type) {
      return err(`Resources with the same name ('${id.name}') but different types are not allowed`);
    }
    types.set(id.name, id.type);
  }
  return ok(resources);
}
