/**
 * The `agora` command line (commander@14). `main(argv, io)` returns the exit code instead of
 * exiting, so tests run it in-process with a scripted `io`:
 *   0 success · 1 the operation failed · 2 usage error · 130 interrupted ·
 *   `agora execute`: the task's exit status.
 * Command implementations are loaded on demand, so `agora tasks` never loads the daemons.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { findMaster, makeContext, type Context } from './context.ts';
import { processIO, type CliIO } from './io.ts';
import type { JobContext } from './commands/job.ts';
import type { AppContext } from './commands/app.ts';

interface ClientFlags {
  master?: string;
  json?: boolean;
  all?: boolean;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer.');
  return Number(value);
}

export function buildProgram(io: CliIO, setCode: (code: number) => void): Command {
  const watchSignals = 'watchSignals' in io ? (io as ReturnType<typeof processIO>).watchSignals : () => () => undefined;
  const program = new Command('agora');
  program
    .description('Agora: Apache Mesos rebuilt in TypeScript. Run a local cluster, run tasks, inspect the cluster.')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .addOption(new Option('--master <url>', 'master address (host:port or http://host:port)').env('AGORA_MASTER').default(undefined, 'http://127.0.0.1:5050'))
    .option('--no-color', 'no colours, even on a terminal')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `agora: ${s}` : s),
    });

  /** Client commands take --master too, so it may follow the command name. */
  const withMaster = (cmd: Command) => cmd.option('--master <url>', 'master address (default: $AGORA_MASTER or http://127.0.0.1:5050)');

  async function client(flags: ClientFlags, run: (ctx: Context) => Promise<number>): Promise<void> {
    const globals = program.opts<{ master?: string; color?: boolean }>();
    const master = await findMaster(io, flags.master, globals.master);
    if (!master.ok) {
      io.stderr.write(`agora: ${master.error}\n`);
      return setCode(2);
    }
    setCode(await run(makeContext(io, master.value, globals.color === false)));
  }

  // ───────────── daemons and the local cluster ─────────────

  for (const kind of ['master', 'agent'] as const) {
    program
      .command(kind)
      .description(`Run ${kind === 'master' ? 'a master' : 'an agent'} in the foreground (flags: agora ${kind} --help)`)
      .usage('[flags]')
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .argument('[flags...]')
      .action(async (flags: string[]) => {
        const { daemonCommand } = await import('./commands/daemon.ts');
        setCode(await daemonCommand(io, kind, flags));
      });
  }

  program
    .command('local')
    .description('Run a master and N agents on this machine in the foreground (flags: agora local --help)')
    .usage('[--agents N] [--work-dir DIR] [--port PORT] [master and agent flags]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { localCommand } = await import('./commands/local.ts');
      const unwatch = watchSignals();
      try {
        setCode(await localCommand(io, flags));
      } finally {
        unwatch();
      }
    });

  // ───────────── tasks ─────────────

  withMaster(program.command('execute'))
    .description('Run one command as a task (like mesos-execute), stream its output, exit with its status')
    .usage('[flags] [--] <command...>')
    .argument('<command...>', 'the command; with --shell (default) one word is a shell command line, several words are quoted and run by /bin/sh -c')
    .option('--name <name>', 'task name (default: the command\'s first word)')
    .option('--resources <spec>', 'resources for the task, e.g. cpus:0.5;mem:128;ports:1', 'cpus:0.1;mem:32')
    .option('--role <role>', 'role to take resources from', '*')
    .option('--env <NAME=VALUE>', 'environment variable for the task (repeatable)', collect, [])
    .option('--shell', 'run the command with /bin/sh -c (default)')
    .option('--no-shell', 'run the command directly (argv, no shell)')
    .option('--kill-after <duration>', 'kill the task after it has run this long (e.g. 30s, 5m)')
    .option('--offer-timeout <duration>', 'give up if no offer fits within this time of subscribing (default: wait)')
    .option('-q, --quiet', 'print only the task\'s own output')
    .passThroughOptions()
    .action(async (command: string[], flags: ClientFlags & { name?: string; resources: string; role: string; env: string[]; shell?: boolean; killAfter?: string; offerTimeout?: string; quiet?: boolean }) => {
      const { executeCommand } = await import('./commands/execute.ts');
      const unwatch = watchSignals();
      try {
        await client(flags, (ctx) =>
          executeCommand(ctx, {
            command,
            resources: flags.resources,
            role: flags.role,
            env: flags.env,
            shell: flags.shell !== false,
            ...(flags.name !== undefined ? { name: flags.name } : {}),
            ...(flags.killAfter !== undefined ? { killAfter: flags.killAfter } : {}),
            ...(flags.offerTimeout !== undefined ? { offerTimeout: flags.offerTimeout } : {}),
            quiet: flags.quiet === true,
          }),
        );
      } finally {
        unwatch();
      }
    });

  withMaster(program.command('logs'))
    .description('Print (or follow) a task\'s stdout or stderr from its sandbox')
    .argument('<task>', 'task ID, or a unique prefix of one')
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('--stderr', 'stderr instead of stdout')
    .option('--tail <n>', 'start with the last N lines', positiveInt)
    .action(async (task: string, flags: ClientFlags & { follow?: boolean; stderr?: boolean; tail?: number }) => {
      const { logsCommand } = await import('./commands/logs.ts');
      const unwatch = flags.follow ? watchSignals() : () => undefined;
      try {
        await client(flags, (ctx) =>
          logsCommand(ctx, task, { follow: flags.follow === true, stderr: flags.stderr === true, ...(flags.tail !== undefined ? { tail: flags.tail } : {}) }),
        );
      } finally {
        unwatch();
      }
    });

  // ───────────── cluster state ─────────────

  withMaster(program.command('agents'))
    .description('List the agents registered with the master')
    .option('--json', 'print the master\'s agent entries as JSON')
    .action(async (flags: ClientFlags) => {
      const { agentsCommand } = await import('./commands/agents.ts');
      await client(flags, (ctx) => agentsCommand(ctx, { json: flags.json === true }));
    });

  withMaster(program.command('frameworks'))
    .description('List the frameworks subscribed to the master')
    .option('--all', 'include completed frameworks')
    .option('--json', 'print the master\'s framework entries as JSON')
    .action(async (flags: ClientFlags) => {
      const { frameworksCommand } = await import('./commands/frameworks.ts');
      await client(flags, (ctx) => frameworksCommand(ctx, { json: flags.json === true, all: flags.all === true }));
    });

  withMaster(program.command('tasks'))
    .description('List active tasks')
    .option('--all', 'include completed tasks (and those of completed frameworks)')
    .option('--json', 'print the master\'s task entries as JSON')
    .action(async (flags: ClientFlags) => {
      const { tasksCommand } = await import('./commands/tasks.ts');
      await client(flags, (ctx) => tasksCommand(ctx, { json: flags.json === true, all: flags.all === true }));
    });

  const maintenance = program.command('maintenance').description('Maintenance schedule and machine modes: schedule, status, down, up');
  for (const [spec, description] of [
    ['schedule [file]', 'print the maintenance schedule, or replace it with FILE (a JSON maintenance.Schedule; {} cancels it)'],
    ['status', "DRAINING machines with the frameworks' answers to inverse offers, and DOWN machines"],
    ['down <host>', 'start maintenance on the scheduled machine HOST (hostname or IP): its agents are shut down'],
    ['up <host>', 'stop maintenance on the DOWN machine HOST: it leaves the schedule and its agents may register again'],
  ] as const) {
    withMaster(maintenance.command(spec)).description(description).option('--json', 'print JSON').action(async (...args: unknown[]) => {
      const flags = args.at(-2) as ClientFlags;
      const { maintenanceCommand } = await import('./commands/maintenance.ts');
      await client(flags, (ctx) => maintenanceCommand(ctx, spec.split(' ')[0]!, spec.includes(' ') ? (args[0] as string | undefined) : undefined, { json: flags.json === true }));
    });
  }

  // ───────────── the cron framework ─────────────

  program
    .command('cron')
    .description('Run the cron framework (Chronos and Metronome APIs) in the foreground (flags: agora cron --help)')
    .usage('[flags]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { main: cronMain } = await import('@agora/cron');
      setCode(await cronMain([...flags]));
    });

  const job = program.command('job').description('Scheduled jobs on the cron framework (--cron URL, $AGORA_CRON, default http://127.0.0.1:4400)');
  const jobCmd = (name: string, description: string) =>
    job.command(name).description(description).option('--cron <url>', 'cron API address').option('--json', 'print JSON');
  const jobRun = async (flags: { cron?: string; json?: boolean }, run: (ctx: JobContext) => Promise<number>) => {
    const { resolveCron } = await import('./commands/job.ts');
    const globals = program.opts<{ color?: boolean }>();
    setCode(await run({ io, cron: resolveCron(io, flags.cron), color: io.stdout.isTTY && globals.color !== false && io.env.NO_COLOR === undefined, json: flags.json === true }));
  };
  jobCmd('add', 'Create or replace jobs from a JSON file (Chronos job or Metronome JobSpec, or an array; - for stdin)')
    .argument('<file>')
    .action(async (file: string, flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobAdd(ctx, file)));
  jobCmd('list', 'List jobs with their schedule, status and counters')
    .action(async (flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobList(ctx)));
  jobCmd('show', 'Show one job as JSON')
    .argument('<name>')
    .action(async (name: string, flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobShow(ctx, name)));
  jobCmd('run', 'Run a job now (arguments are appended for non-shell jobs)')
    .argument('<name>')
    .argument('[args...]')
    .action(async (name: string, args: string[], flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobRun(ctx, name, args)));
  jobCmd('rm', 'Delete a job (its children are re-parented)')
    .argument('<name>')
    .action(async (name: string, flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobRemove(ctx, name)));
  jobCmd('kill', 'Kill the running and queued tasks of a job')
    .argument('<name>')
    .action(async (name: string, flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobKill(ctx, name)));
  jobCmd('history', 'Runs of a job: active ones, then finished and missed ones, newest first')
    .argument('<name>')
    .action(async (name: string, flags: { cron?: string; json?: boolean }) => jobRun(flags, async (ctx) => (await import('./commands/job.ts')).jobHistory(ctx, name)));

  // ───────────── the services framework ─────────────

  program
    .command('services')
    .description('Run the services framework (Marathon /v2 API) in the foreground (flags: agora services --help)')
    .usage('[flags]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { main: servicesMain } = await import('@agora/services');
      setCode(await servicesMain([...flags]));
    });

  const appGroup = program.command('app').description('Long-running apps on the services framework (--services URL, $AGORA_SERVICES, default http://127.0.0.1:8080)');
  type AppFlags = { services?: string; json?: boolean; force?: boolean; wait?: boolean; timeout?: string };
  const appCmd = (name: string, description: string) =>
    appGroup.command(name).description(description).option('--services <url>', 'services API address').option('--json', 'print JSON');
  const appRun = async (flags: AppFlags, run: (ctx: AppContext) => Promise<number>) => {
    const { resolveServices } = await import('./commands/app.ts');
    const { parseDuration } = await import('./duration.ts');
    const globals = program.opts<{ color?: boolean }>();
    let timeoutMs: number | undefined;
    if (flags.timeout !== undefined) {
      const d = parseDuration(flags.timeout);
      if (!d.ok) {
        io.stderr.write(`agora: --timeout: ${d.error}\n`);
        return setCode(2);
      }
      timeoutMs = d.value;
    }
    const unwatch = watchSignals();
    try {
      setCode(await run({
        io, services: resolveServices(io, flags.services), color: io.stdout.isTTY && globals.color !== false && io.env.NO_COLOR === undefined,
        json: flags.json === true, noWait: flags.wait === false, ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      }));
    } finally {
      unwatch();
    }
  };
  const following = (c: Command) => c.option('--force', 'override a deployment that holds the app').option('--no-wait', 'return once the change is accepted').option('--timeout <duration>', 'give up following the deployment after this long');
  following(appCmd('deploy', 'Create or update apps from a Marathon app file (JSON, or YAML; an array for several) and follow the deployment until healthy'))
    .argument('<file>')
    .action(async (file: string, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appDeploy(ctx, file, flags.force === true)));
  appCmd('list', 'List apps with running/healthy counts')
    .action(async (flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appList(ctx)));
  appCmd('show', 'Show one app with its tasks as JSON')
    .argument('<id>')
    .action(async (id: string, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appShow(ctx, id)));
  following(appCmd('scale', 'Change the instance count (no restart)'))
    .argument('<id>')
    .argument('<instances>', 'instance count', positiveInt)
    .action(async (id: string, n: number, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appScale(ctx, id, n, flags.force === true)));
  following(appCmd('restart', 'Rolling restart within the app\'s upgradeStrategy'))
    .argument('<id>')
    .action(async (id: string, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appRestart(ctx, id, flags.force === true)));
  following(appCmd('rm', 'Remove an app and kill its instances'))
    .argument('<id>')
    .action(async (id: string, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appRemove(ctx, id)));
  appCmd('versions', 'List stored versions, newest first')
    .argument('<id>')
    .action(async (id: string, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appVersions(ctx, id)));
  following(appCmd('rollback', 'Roll back to a stored version (default: the previous one)'))
    .argument('<id>')
    .argument('[version]')
    .action(async (id: string, version: string | undefined, flags: AppFlags) => appRun(flags, async (ctx) => (await import('./commands/app.ts')).appRollback(ctx, id, version, flags.force === true)));

  program.addHelpText(
    'after',
    `
Examples:
  agora local --agents 3                  a master and 3 agents on this machine
  agora execute --name hi -- echo hello   run a task and stream its output
  agora tasks --all                       tasks, including finished ones
  agora logs -f hi                        follow a task's stdout (ID prefix)

Environment:
  AGORA_MASTER    master address for client commands (default http://127.0.0.1:5050)
  NO_COLOR        no colours`,
  );
  return program;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    // Help and --version exit 0; everything else commander rejects is a usage error.
    return e.exitCode === 0 ? 0 : 2;
  }
  return code;
}
