/**
 * The agent's total resources: detected from the machine as Mesos does, then overridden per
 * resource name by `--resources`.
 *
 *   cpus  = number of cores
 *   mem   = total memory − 1 GiB (50% of it under 2 GiB), in MB
 *   disk  = size of the work dir's filesystem − 5 GiB (50% of it under 10 GiB), in MB
 *   ports = [31000-32000]
 */
import { statfsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { err, ok, type Result } from '@agora/protocol';
import { checkCommandLineResources, Resources } from '@agora/resources';

const MB = 1024 * 1024;
const GB = 1024 * MB;

export interface MachineFacts {
  cpus: number;
  memBytes: number;
  /** Size of the work dir's filesystem, or undefined when it cannot be read. */
  diskBytes: number | undefined;
}

export function machineFacts(workDir: string): MachineFacts {
  let diskBytes: number | undefined;
  try {
    const s = statfsSync(workDir);
    diskBytes = s.blocks * s.bsize;
  } catch {
    diskBytes = undefined;
  }
  return { cpus: availableParallelism(), memBytes: totalmem(), diskBytes };
}

/** Mesos's defaults from the machine's facts (fallbacks: 1 cpu, 1 GiB mem, 10 GiB disk). */
export function detectedText(facts: MachineFacts): string {
  const cpus = facts.cpus > 0 ? facts.cpus : 1;
  const mem = facts.memBytes > 0 ? (facts.memBytes >= 2 * GB ? facts.memBytes - GB : facts.memBytes / 2) : GB;
  const disk = facts.diskBytes !== undefined && facts.diskBytes > 0
    ? (facts.diskBytes >= 10 * GB ? facts.diskBytes - 5 * GB : facts.diskBytes / 2)
    : 10 * GB;
  return `cpus:${cpus};mem:${Math.floor(mem / MB)};disk:${Math.floor(disk / MB)};ports:[31000-32000]`;
}

/** Validates `--resources` (Mesos text or JSON) with the command-line rules. */
export function parseResourcesFlag(text: string, defaultRole: string): Result<Resources, string> {
  const parsed = Resources.parse(text, defaultRole);
  if (!parsed.ok) return err(parsed.error);
  return checkCommandLineResources(parsed.value);
}

/** Detected resources with every name that `flag` mentions replaced by the flag's entries. */
export function totalResources(facts: MachineFacts, flag: Resources | undefined, defaultRole: string): Result<Resources, string> {
  const detected = Resources.parse(detectedText(facts), defaultRole);
  if (!detected.ok) return err(`detected resources are invalid: ${detected.error}`);
  if (flag === undefined) return ok(detected.value);
  const named = new Set(flag.entries.map((e) => e.id.name));
  return ok(detected.value.filter((e) => !named.has(e.id.name)).plus(flag));
}
