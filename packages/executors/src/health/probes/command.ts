/**
 * COMMAND probe: runs the check's CommandInfo the way the task runs — in the task's sandbox, with
 * the task's environment (the check's own VALUE variables on top), as the task's user — and
 * answers with its exit code.
 *
 *  - shell form (the default): `/bin/sh -c <value>`; argv form: `value` is the executable and
 *    `arguments` the whole argv, argv[0] included;
 *  - the command leads its own process group (spawned detached), so on abort (timeout, checking
 *    stopped) the whole group is SIGKILLed; when the command exits, whatever it left running in
 *    its group is SIGKILLed too, so a check never leaves processes behind;
 *  - stdin is /dev/null; stdout and stderr are appended to `outputPath` (the sandbox's `stderr`,
 *    where Mesos's checks write, through the executor's stderr) or discarded;
 *  - SECRET variables are skipped (this executor cannot resolve them); `user` and `uris` of the
 *    check's CommandInfo are ignored, as in Mesos.
 *
 * Outcomes: `ok({type: COMMAND, command: {exit_code}})` when the command exited; `err` when it
 * could not be started, was killed by a signal, or was aborted.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { err, ok, type CommandInfo, type Result } from '@agora/protocol';
import { ABORTED, describeError, type Probe, type ProbeOutcome } from '../probe.ts';

export interface CommandContext {
  /** The task's environment; the check's own variables are laid over it. */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory: the task's sandbox. */
  readonly cwd: string;
  /** Run as this user (the task's), when the executor switches users. */
  readonly switchTo?: { readonly uid: number; readonly gid: number } | undefined;
  /** Append the check's stdout and stderr here; discarded when unset. */
  readonly outputPath?: string | undefined;
  /**
   * Runs the command inside the task's container instead (an image task: `runc exec`, see
   * command/container-enter.ts). Given the command and the check's own variables, it answers what
   * to spawn; that process is spawned as the executor's user with only a PATH, and the container
   * supplies the task's user and environment.
   */
  readonly enter?: ((command: { readonly file: string; readonly args: readonly string[] }, checkEnv: Readonly<Record<string, string>>) => { readonly file: string; readonly args: readonly string[] }) | undefined;
}

interface CheckArgv {
  readonly file: string;
  readonly args: readonly string[];
  readonly argv0: string;
}

export function checkArgv(command: CommandInfo): Result<CheckArgv, string> {
  const value = command.value;
  if (value === undefined || value === '') {
    return err(command.shell ? 'The check has no shell command' : 'The check has no executable path');
  }
  if (command.shell) return ok({ file: '/bin/sh', args: ['-c', value], argv0: 'sh' });
  const argv = command.arguments ?? [];
  return ok({ file: value, args: argv.slice(1), argv0: argv[0] ?? value });
}

export function checkEnvironment(base: Readonly<Record<string, string>>, command: CommandInfo): Record<string, string> {
  const env = { ...base };
  for (const v of command.environment?.variables ?? []) {
    if (v.type === 'VALUE' && v.value !== undefined) env[v.name] = v.value;
  }
  return env;
}

/** PATH for the process that enters a container (runc lives in an sbin directory). */
const ENTER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const killGroup = (pid: number): void => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone, which is what was wanted.
  }
};

function openOutput(path: string | undefined): Result<number | 'ignore', string> {
  if (path === undefined) return ok('ignore');
  try {
    return ok(openSync(path, 'a'));
  } catch (e) {
    return err(`Could not open the check's output file: ${describeError(e)}`);
  }
}

export function commandProbe(command: CommandInfo, ctx: CommandContext): Probe {
  return (signal) => runCommand(command, ctx, signal);
}

async function runCommand(command: CommandInfo, ctx: CommandContext, signal: AbortSignal): Promise<ProbeOutcome> {
  if (signal.aborted) return err(ABORTED);
  const argv = checkArgv(command);
  if (!argv.ok) return argv;
  const out = openOutput(ctx.outputPath);
  if (!out.ok) return out;
  let child;
  try {
    if (ctx.enter) {
      const own = checkEnvironment({}, command);
      const inside = ctx.enter({ file: argv.value.file, args: [...argv.value.args] }, own);
      child = spawn(inside.file, [...inside.args], { cwd: ctx.cwd, env: { PATH: ENTER_PATH }, detached: true, stdio: ['ignore', out.value, out.value] });
    } else {
      child = spawn(argv.value.file, argv.value.args, {
        argv0: argv.value.argv0,
        cwd: ctx.cwd,
        env: checkEnvironment(ctx.env, command),
        detached: true,
        stdio: ['ignore', out.value, out.value],
        ...(ctx.switchTo ? { uid: ctx.switchTo.uid, gid: ctx.switchTo.gid } : {}),
      });
    }
  } catch (e) {
    // spawn() throws synchronously for invalid arguments (a NUL byte in a string, a bad uid).
    return err(`Failed to launch the check command: ${describeError(e)}`);
  } finally {
    if (out.value !== 'ignore') closeSync(out.value);
  }
  const proc = child;
  return new Promise<ProbeOutcome>((resolve) => {
    // `pid` is set when the process was created; an 'error' follows otherwise.
    const pid = proc.pid;
    const onAbort = (): void => {
      if (pid !== undefined) killGroup(pid);
      resolve(err(ABORTED));
    };
    proc.on('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      resolve(err(`Failed to launch the check command: ${describeError(e)}`));
    });
    proc.once('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      // Whatever the check left behind in its group goes with it.
      if (pid !== undefined) killGroup(pid);
      if (code !== null) resolve(ok({ type: 'COMMAND', command: { exit_code: code } }));
      else resolve(err(`The check command was terminated by signal ${sig ?? 'unknown'}`));
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
