import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandInfo } from '@agora/protocol';
import { systemClock } from '@agora/runtime';
import { checkArgv, checkEnvironment, commandProbe, type CommandContext } from './command.ts';
import { CheckLoop } from '../loop.ts';
import type { ProbeOutcome } from '../probe.ts';

/** Whether the process exists and is not a zombie. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const readPid = (file: string): number | undefined => {
  const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return text ? Number(text) : undefined;
};

/** A temp sandbox for one test, removed afterwards with every process a test recorded killed. */
async function inSandbox(body: (dir: string, ctx: CommandContext, pids: number[]) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agora-check-'));
  const pids: number[] = [];
  try {
    await body(dir, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TASK_VAR: 'from-task' }, cwd: dir, outputPath: join(dir, 'stderr') }, pids);
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

const shell = (value: string, extra: Partial<CommandInfo> = {}): CommandInfo => ({ shell: true, value, ...extra });
const run = (command: CommandInfo, ctx: CommandContext, signal = new AbortController().signal) => commandProbe(command, ctx)(signal);

test('exit 0 and exit 1: the exit code is the result', async () => {
  await inSandbox(async (_dir, ctx) => {
    assert.deepEqual(await run(shell('exit 0'), ctx), { ok: true, value: { type: 'COMMAND', command: { exit_code: 0 } } });
    assert.deepEqual(await run(shell('exit 1'), ctx), { ok: true, value: { type: 'COMMAND', command: { exit_code: 1 } } });
    assert.deepEqual(await run(shell('no-such-command-here'), ctx), { ok: true, value: { type: 'COMMAND', command: { exit_code: 127 } } });
  });
});

test("it runs in the sandbox with the task's environment, the check's own variables on top; output goes to the sandbox's stderr", async () => {
  await inSandbox(async (dir, ctx) => {
    await writeFile(join(dir, 'stderr'), 'task output\n');
    const command = shell('echo "$TASK_VAR $CHECK_VAR $(pwd)"; echo oops >&2; test "$CHECK_VAR" = from-check', {
      environment: { variables: [{ name: 'CHECK_VAR', type: 'VALUE', value: 'from-check' }, { name: 'S', type: 'SECRET', secret: { type: 'REFERENCE', reference: { name: 'x' } } }] },
    });
    assert.deepEqual(await run(command, ctx), { ok: true, value: { type: 'COMMAND', command: { exit_code: 0 } } });
    assert.equal(await readFile(join(dir, 'stderr'), 'utf8'), `task output\nfrom-task from-check ${dir}\noops\n`);
  });
});

test('argv form: value is the executable, arguments the whole argv', async () => {
  await inSandbox(async (dir, ctx) => {
    const script = 'tr "\\0" "|" < /proc/$$/cmdline > argv.txt; exit 4';
    const command: CommandInfo = { shell: false, value: '/bin/sh', arguments: ['my-check', '-c', script, 'one'] };
    assert.deepEqual(await run(command, ctx), { ok: true, value: { type: 'COMMAND', command: { exit_code: 4 } } });
    assert.equal(await readFile(join(dir, 'argv.txt'), 'utf8'), `my-check|-c|${script}|one|`);
  });
});

test('an executable that does not exist, or a missing value: no result', async () => {
  await inSandbox(async (_dir, ctx) => {
    const missing = await run({ shell: false, value: '/no/such/binary', arguments: [] }, ctx);
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.error, /ENOENT/);
    assert.deepEqual(await run({ shell: true }, ctx), { ok: false, error: 'The check has no shell command' });
    assert.deepEqual(await run({ shell: false }, ctx), { ok: false, error: 'The check has no executable path' });
  });
});

test('killed by a signal: no result', async () => {
  await inSandbox(async (_dir, ctx) => {
    assert.deepEqual(await run(shell('kill -TERM $$'), ctx), { ok: false, error: 'The check command was terminated by signal SIGTERM' });
  });
});

test('a hanging check past its timeout is SIGKILLed with its child processes, and reported as timed out', async () => {
  await inSandbox(async (dir, ctx, pids) => {
    const outcomes: ProbeOutcome[] = [];
    const command = shell(`sleep 300 & echo $! > ${dir}/child.pid; echo $$ > ${dir}/check.pid; trap '' TERM; wait`);
    const loop = new CheckLoop({
      clock: systemClock, delayMs: 0, intervalMs: 60_000, timeoutMs: 400, name: 'COMMAND check',
      probe: commandProbe(command, ctx),
      onOutcome: (o) => outcomes.push(o),
    });
    loop.start();
    await eventually(() => readPid(join(dir, 'child.pid')) !== undefined && readPid(join(dir, 'check.pid')) !== undefined, 'the check and its child to start');
    const check = readPid(join(dir, 'check.pid'))!;
    const child = readPid(join(dir, 'child.pid'))!;
    pids.push(check, child);
    assert.ok(alive(check) && alive(child));
    await eventually(() => outcomes.length === 1, 'the timeout');
    loop.stop();
    assert.deepEqual(outcomes, [{ ok: false, error: 'COMMAND check timed out after 400ms' }]);
    await eventually(() => !alive(check) && !alive(child), 'the check and its child to die');
  });
});

test('what a check leaves running in the background dies when the check exits', async () => {
  await inSandbox(async (dir, ctx, pids) => {
    const o = await run(shell(`sleep 300 & echo $! > ${dir}/bg.pid; exit 0`), ctx);
    assert.deepEqual(o, { ok: true, value: { type: 'COMMAND', command: { exit_code: 0 } } });
    const bg = readPid(join(dir, 'bg.pid'))!;
    pids.push(bg);
    await eventually(() => !alive(bg), 'the background process to die');
  });
});

test('stopping checking aborts a running check: its process group dies, the probe answers at once', async () => {
  await inSandbox(async (dir, ctx, pids) => {
    const controller = new AbortController();
    const pending = run(shell(`echo $$ > ${dir}/check.pid; sleep 300`), ctx, controller.signal);
    await eventually(() => readPid(join(dir, 'check.pid')) !== undefined, 'the check to start');
    const pid = readPid(join(dir, 'check.pid'))!;
    pids.push(pid);
    controller.abort();
    assert.equal((await pending).ok, false);
    await eventually(() => !alive(pid), 'the check to die');
  });
});

test('checkArgv and checkEnvironment', () => {
  assert.deepEqual(checkArgv({ shell: true, value: 'true' }), { ok: true, value: { file: '/bin/sh', args: ['-c', 'true'], argv0: 'sh' } });
  assert.deepEqual(checkArgv({ shell: false, value: '/bin/true', arguments: [] }), { ok: true, value: { file: '/bin/true', args: [], argv0: '/bin/true' } });
  assert.deepEqual(checkEnvironment({ A: '1', B: '2' }, { shell: true, environment: { variables: [{ name: 'B', type: 'VALUE', value: '3' }] } }), { A: '1', B: '3' });
});

test('enter: the command runs through what `enter` answers, given only the check\'s own variables (an image task: runc exec)', async () => {
  await inSandbox(async (dir, ctx) => {
    const seen: { command: { file: string; args: readonly string[] }; env: Readonly<Record<string, string>> }[] = [];
    // Stands in for `runc exec`: a shell that records how it was called, then runs the command.
    const enter: CommandContext['enter'] = (command, env) => {
      seen.push({ command, env });
      return { file: '/bin/sh', args: ['-c', `echo "entered $CHECK_VAR-$TASK_VAR" >> ${join(dir, 'entered')}; exec "$@"`, 'enter', command.file, ...command.args] };
    };
    const command = shell('exit 3', { environment: { variables: [{ name: 'CHECK_VAR', type: 'VALUE', value: 'own' }] } });
    assert.deepEqual(await run(command, { ...ctx, enter }), { ok: true, value: { type: 'COMMAND', command: { exit_code: 3 } } });
    assert.deepEqual(seen, [{ command: { file: '/bin/sh', args: ['-c', 'exit 3'] }, env: { CHECK_VAR: 'own' } }]);
    // The entering process gets neither the task's nor the check's variables: the container supplies them.
    assert.equal(await readFile(join(dir, 'entered'), 'utf8'), 'entered -\n');
  });
});
