/**
 * The dependency graph of jobs (parents → children), checked whenever a dependent job is written:
 * unknown parents and cycles are rejected (Chronos answers 400). Also the Graphviz `dot` and CSV
 * views of `/scheduler/graph/*`.
 */
import { err, ok, type Result } from '@agora/protocol';

export interface GraphJob {
  readonly name: string;
  readonly parents: readonly string[];
}

/** Children of each job, in a stable order. */
export function childrenOf(jobs: Iterable<GraphJob>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const j of jobs) {
    for (const p of j.parents) {
      const list = out.get(p) ?? [];
      list.push(j.name);
      out.set(p, list);
    }
  }
  for (const list of out.values()) list.sort();
  return out;
}

/**
 * Whether `candidate` can replace (or join) the jobs `lookup` knows: every parent exists, and no cycle is formed.
 * The error names the missing parent or spells out the cycle (`a → b → a`).
 */
export function checkDependencies(lookup: (name: string) => GraphJob | undefined, candidate: GraphJob): Result<void, string> {
  for (const p of candidate.parents) {
    if (p !== candidate.name && !lookup(p)) return err(`parent '${p}' does not exist`);
  }
  const get = (name: string): GraphJob | undefined => (name === candidate.name ? candidate : lookup(name));
  // Walk from the candidate up through parents: reaching the candidate again is a cycle.
  const path: string[] = [];
  const onPath = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return undefined;
    onPath.add(name);
    path.push(name);
    for (const p of get(name)?.parents ?? []) {
      const cycle = visit(p);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return undefined;
  };
  const cycle = visit(candidate.name);
  return cycle ? err(`dependency cycle: ${cycle.reverse().join(' → ')}`) : ok(undefined);
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Graphviz dot: every job a node (filled by its last state), every parent → child an edge. */
export function renderDot(jobs: Iterable<GraphJob & { readonly state: 'success' | 'failure' | 'fresh' }>): string {
  const lines = ['digraph G {', '  node [style=filled];'];
  const colour = { success: 'lightgreen', failure: 'salmon', fresh: 'lightgrey' } as const;
  const list = [...jobs].sort((a, b) => a.name.localeCompare(b.name));
  for (const j of list) lines.push(`  ${quote(j.name)} [fillcolor=${colour[j.state]}];`);
  for (const j of list) for (const p of [...j.parents].sort()) lines.push(`  ${quote(p)} -> ${quote(j.name)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
