import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTaskLauncher, wrapArgv } from './task-launcher.ts';

test('task launcher: absent → none; bad values are errors naming the variable', () => {
  assert.deepEqual(parseTaskLauncher(undefined), { ok: true, value: undefined });
  assert.deepEqual(parseTaskLauncher(''), { ok: true, value: undefined });
  for (const bad of ['nope', '[]', '[1]', '{"a":1}']) {
    const r = parseTaskLauncher(bad);
    assert.equal(r.ok, false, bad);
    assert.match(r.ok ? '' : r.error, /AGORA_TASK_LAUNCHER/);
  }
});

test('task launcher: wraps argv and takes over the user switch', () => {
  const argv = { file: '/bin/sh', args: ['-c', 'echo hi'], argv0: 'sh' };
  const w = wrapArgv(['/bin/sh', '/x/agora-isolate', '--procs=/c'], argv, { uid: 1000, gid: 100 });
  assert.deepEqual(w.argv, { file: '/bin/sh', argv0: '/bin/sh', args: ['/x/agora-isolate', '--procs=/c', '--uid=1000', '--gid=100', '--', '/bin/sh', '-c', 'echo hi'] });
  assert.equal(w.switchTo, undefined);
  assert.deepEqual(wrapArgv(['/w'], argv, undefined).argv.args, ['--', '/bin/sh', '-c', 'echo hi']);
});
