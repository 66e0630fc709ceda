import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blocks, DOC, render, snippet } from './snippets.ts';

const doc = readFileSync(DOC, 'utf8');

test('docs/writing-a-framework.md: every code block says where it comes from', () => {
  const all = blocks(doc);
  assert.ok(all.length >= 10, `only ${all.length} code blocks`);
  for (const b of all) assert.ok(b.annotation, `line ${b.line}: a code block without an annotation (the line before it is '${b.label}')`);
  // Commands are followed by the output they print (e2e/examples.test.ts runs and compares them).
  all.forEach((b, i) => {
    if (b.annotation?.kind === 'run') assert.equal(all[i + 1]?.annotation?.kind, 'output', `line ${b.line}: a run block without its output`);
    if (b.annotation?.kind === 'output') assert.equal(all[i - 1]?.annotation?.kind, 'run', `line ${b.line}: output without a run block`);
    if (b.annotation?.kind === 'file') assert.equal(b.lang, b.annotation.path.endsWith('.sh') ? 'bash' : 'ts', `line ${b.line}: language`);
  });
  const setup = all.filter((b) => b.annotation?.kind === 'setup').map((b) => b.body);
  assert.deepEqual(setup, ['bash scripts/local.sh', 'export AGORA_MASTER=http://127.0.0.1:5050'], 'the README\'s own commands, nothing else');
});

test('docs/writing-a-framework.md: every file block is its source, verbatim (rewrite with snippets.ts --write)', () => {
  const rendered = render(doc);
  if (rendered !== doc) {
    const a = doc.split('\n');
    const b = rendered.split('\n');
    const i = a.findIndex((line, n) => line !== b[n]);
    assert.fail(`line ${i + 1} differs from its source: doc '${a[i]}', source '${b[i]}'`);
  }
});

test('snippets: regions in TypeScript and shell, markers left out, unknown regions are bugs', () => {
  assert.match(snippet('frameworks/examples/tutorial/scheduler.ts', 'driver'), /^const driver = new SchedulerDriver/);
  assert.doesNotMatch(snippet('frameworks/examples/tutorial/scheduler.ts'), /#(end)?region/);
  assert.match(snippet('frameworks/examples/tutorial/curl.sh', 'call'), /^call\(\) \{/);
  assert.throws(() => snippet('frameworks/examples/tutorial/curl.sh', 'nowhere'), /no region 'nowhere'/);
});
