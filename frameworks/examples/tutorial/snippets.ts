/**
 * Keeps docs/writing-a-framework.md honest: every fenced code block in it is annotated by the
 * HTML comment on the line before it, and the annotation says where the block comes from.
 *
 *   <!-- file: frameworks/examples/tutorial/greeter.ts#driver -->   a region of a file, verbatim
 *   <!-- file: frameworks/examples/tutorial/executor.ts -->         a whole file (region markers left out)
 *   <!-- run -->      commands, run by e2e/examples.test.ts against a real cluster, in order …
 *   <!-- output -->   … and the output the preceding `run` block prints (checked there too)
 *   <!-- setup -->    starting the cluster the commands use (the README's own commands)
 *
 * Regions are marked in TypeScript by `// #region name` … `// #endregion name`, in shell scripts
 * by `# region name` … `# endregion name`. `render(doc)` fills every `file:` block from its
 * source; the unit test checks that the doc is already rendered, and
 *   node --import tsx frameworks/examples/tutorial/snippets.ts --write
 * rewrites the doc after a change to the sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const DOC = join(ROOT, 'docs/writing-a-framework.md');

export type Annotation = { kind: 'file'; path: string; region?: string } | { kind: 'run' | 'output' | 'setup' };

export interface Block {
  readonly annotation: Annotation | undefined;
  /** The annotation's text, or the line before the fence when it is not one. */
  readonly label: string;
  readonly lang: string;
  readonly body: string;
  /** Line number (1-based) of the opening fence. */
  readonly line: number;
}

const ANNOTATION = /^<!-- (?:file: (\S+?)(?:#([\w-]+))?|(run|output|setup)) -->$/;
const MARKER = /^\s*(?:\/\/ #|# )(end)?region\b(?: ([\w-]+))?\s*$/;

export function blocks(doc: string): Block[] {
  const lines = doc.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`line ${i + 1}: a code block that does not end`);
    const label = lines[i - 1] ?? '';
    const m = ANNOTATION.exec(label);
    const annotation: Annotation | undefined = !m ? undefined : m[1] ? { kind: 'file', path: m[1], ...(m[2] ? { region: m[2] } : {}) } : { kind: m[3] as 'run' | 'output' | 'setup' };
    out.push({ annotation, label, lang: open[1]!, body: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return out;
}

/** The text of a region of a file (or the whole file), without region markers. */
export function snippet(path: string, region?: string): string {
  const lines = readFileSync(join(ROOT, path), 'utf8').replace(/\n$/, '').split('\n');
  let picked = lines;
  if (region !== undefined) {
    const start = lines.findIndex((l) => MARKER.exec(l)?.[1] === undefined && MARKER.exec(l)?.[2] === region);
    const end = lines.findIndex((l, i) => i > start && MARKER.exec(l)?.[1] === 'end' && MARKER.exec(l)?.[2] === region);
    if (start < 0 || end < 0) throw new Error(`${path}: no region '${region}'`);
    picked = lines.slice(start + 1, end);
  }
  return picked.filter((l) => !MARKER.test(l)).join('\n');
}

/** The doc with every `file:` block replaced by its source. */
export function render(doc: string): string {
  const lines = doc.split('\n');
  for (const b of blocks(doc).reverse()) {
    if (b.annotation?.kind !== 'file') continue;
    const bodyLines = b.body === '' ? 0 : b.body.split('\n').length;
    lines.splice(b.line, bodyLines, ...snippet(b.annotation.path, b.annotation.region).split('\n'));
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(DOC, render(readFileSync(DOC, 'utf8')));
  console.log(`rendered ${DOC}`);
}
