/**
 * Allocator benchmarks: `npm run bench:allocator [-- scenario… ] [--quick]`.
 * Prints one line per scenario on stdout (`allocator <scenario> agents=N frameworks=M p50_ms=… p99_ms=…`)
 * and progress on stderr. Seeded, so runs are reproducible.
 */
import { loadavg } from 'node:os';
import { SCENARIOS } from './scenarios.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((x) => !x.startsWith('--'));
const unknown = names.filter((x) => !(x in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const scale = quick ? { factor: 0.1, cycles: 3 } : { factor: 1, cycles: 7 };
for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
  // The 1-minute load average when the scenario started: other work on the machine skews timings.
  const load = loadavg()[0]!.toFixed(1);
  for (const l of SCENARIOS[name]!(scale)) process.stdout.write(`${l} load=${load}\n`);
}
