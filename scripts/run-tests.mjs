#!/usr/bin/env node
// Finds the test files and runs them with node's own test runner (Node 20 needs the explicit
// file list). Unit tests (`*.test.ts` beside the code) run in parallel; whole-cluster tests in
// e2e/ run one file at a time because they start real daemons and share the machine's 2 cores.
//   node scripts/run-tests.mjs [--unit|--e2e] [path-substring ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const all = ['packages', 'frameworks', 'apps', 'bench', 'e2e'].flatMap((d) => walk(join(root, d), [])).sort();
const pick = (f) => filters.length === 0 || filters.some((s) => f.includes(s));
const unit = all.filter((f) => !f.startsWith('e2e/') && pick(f));
const e2e = all.filter((f) => f.startsWith('e2e/') && pick(f));

function run(files, concurrency) {
  if (files.length === 0) return 0;
  const r = spawnSync(process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
    { stdio: 'inherit', cwd: root, env: { ...process.env, AGORA_TEST: '1' } });
  return r.status ?? 1;
}

// Both groups always run, so one failure does not hide another.
const unitStatus = only === 'e2e' ? 0 : run(unit, Math.max(2, cpus().length));
const e2eStatus = only === 'unit' ? 0 : run(e2e, 1);
process.exit(unitStatus || e2eStatus);
