/**
 * Tables: borderless, aligned columns (kubectl/nomad style). On a terminal the header is bold;
 * elsewhere the output is plain text, safe to pipe into grep, awk or cut.
 */
import Table from 'cli-table3';
import pc from 'picocolors';

export interface TableOptions {
  color: boolean;
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ',
};

export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions): string {
  const colors = pc.createColors(opts.color);
  const t = new Table({
    head: head.map((h) => colors.bold(h)),
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const r of rows) t.push([...r]);
  // cli-table3 pads the last column too; trailing spaces are noise in pipes and diffs.
  return t.toString().split('\n').map((l) => l.replace(/\s+$/, '')).join('\n') + '\n';
}
