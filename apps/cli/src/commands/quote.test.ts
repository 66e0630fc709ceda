import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellCommandLine } from './execute.ts';
test('shellCommandLine keeps every word', () => {
  assert.equal(shellCommandLine(['echo a; exit 3']), 'echo a; exit 3');
  assert.equal(shellCommandLine(['echo', 'hello']), 'echo hello');
  const line = shellCommandLine(['sh', '-c', "echo 'it''s' \"$HOME\"; exit 3"]);
  let status = 0;
  let out = '';
  try {
    out = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8', env: { HOME: '/h' } });
  } catch (e) {
    status = (e as { status: number }).status;
    out = (e as { stdout: string }).stdout;
  }
  assert.equal(status, 3);
  assert.equal(out, "its /h\n");
  assert.equal(execFileSync('/bin/sh', ['-c', shellCommandLine(['printf', '%s|', "a b", "c'd", '$X'])], { encoding: 'utf8' }), "a b|c'd|$X|");
});
