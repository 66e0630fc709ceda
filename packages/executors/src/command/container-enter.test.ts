import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runcExec, runcTargetOf } from './container-enter.ts';

test('an image launcher names the runc container; other launchers and none name nothing', () => {
  assert.deepEqual(runcTargetOf(['/bin/sh', '/x/agora-isolate', '--runc-root=/run/agora/runc', '--runc-bundle=/b', '--runc-id=c-1']), { root: '/run/agora/runc', id: 'c-1' });
  assert.equal(runcTargetOf(['/bin/sh', '/x/agora-isolate', '--procs=/sys/fs/cgroup/memory/a/cgroup.procs', '--pid-ns']), undefined);
  assert.equal(runcTargetOf(['/bin/sh', '/x/agora-isolate', '--runc-root=', '--runc-id=c-1']), undefined);
  assert.equal(runcTargetOf(undefined), undefined);
});

test('runc exec: the sandbox as the task sees it, the check\'s variables, then the container and the command', () => {
  assert.deepEqual(runcExec({ root: '/r', id: 'c-1' }, { file: '/bin/sh', args: ['-c', 'test -f /data/hello'] }, { A: '1', B: 'x y' }), {
    file: 'runc',
    args: ['--root', '/r', 'exec', '--cwd', '/mnt/mesos/sandbox', '--env', 'A=1', '--env', 'B=x y', 'c-1', '/bin/sh', '-c', 'test -f /data/hello'],
  });
});
