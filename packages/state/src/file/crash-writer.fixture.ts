/**
 * Test fixture (file-store.test.ts): opens a file store and rewrites keys k0..k9 as fast as it
 * can, each value naming its own version, until it is killed. Prints `writing` once under way.
 */
import { openFileStore } from './file-store.ts';

const dir = process.argv[2]!;
const opened = await openFileStore({ dir });
if (!opened.ok) {
  console.error(`${opened.error.code}: ${opened.error.message}`);
  process.exit(2);
}
const store = opened.value;
const versions = new Map<string, number | 'absent'>();
for (let i = 0; ; i++) {
  const key = `keys/k${i % 10}`;
  const expected = versions.get(key) ?? 'absent';
  const next = expected === 'absent' ? 0 : expected + 1;
  const r = await store.set(key, new TextEncoder().encode(`${key}@${next}:${'x'.repeat(i % 3000)}`), expected);
  if (!r.ok) {
    console.error(`${r.error.code}: ${r.error.message}`);
    process.exit(3);
  }
  versions.set(key, r.value);
  if (i === 20) console.log('writing');
}
