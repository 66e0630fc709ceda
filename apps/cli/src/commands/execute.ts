/**
 * `agora execute -- <command...>`: a one-task framework, like mesos-execute. It subscribes with
 * the SDK driver, waits for an offer that fits, launches one command task, prints its state
 * transitions (stderr) and streams its stdout/stderr live from the sandbox, then tears the
 * framework down and exits with the task's exit status.
 *
 * Output contract (so scripts and tests can rely on it): the task's stdout goes to stdout and
 * its stderr to stderr; every line of our own goes to stderr. Exit status: 0 for TASK_FINISHED,
 * the command's status (or 128+signal) when the final update says, 130 when interrupted, else 1.
 */
import { isTerminalState, type Offer, type TaskState, type TaskStatus } from '@agora/protocol';
import { Resources } from '@agora/resources';
import { systemClock, type Clock, type Timer } from '@agora/runtime';
import {
  buildCommandTask, formatResourceSpec, matchOffers, newTaskId, parseResourceSpec, SchedulerDriver,
  type CommandTaskSpec, type ResourceSpec, type Scheduler, type SchedulerDriverOptions,
} from '@agora/sdk';
import { fail, type Context } from '../context.ts';
import { parseDuration } from '../duration.ts';
import { exitStatusOf } from '../exit-status.ts';
import { agentUrl as agentUrlOfState, fetchMasterState } from '../master-state.ts';
import { sandboxDirectory, streamFile } from '../sandbox.ts';

export interface ExecuteOptions {
  name?: string;
  resources: string;
  role: string;
  env: string[];
  shell: boolean;
  killAfter?: string;
  offerTimeout?: string;
  quiet?: boolean;
  command: string[];
  /** Test hooks: driver options (backoff, clock…), the sandbox poll interval, the --offer-timeout clock. */
  driverOptions?: Partial<SchedulerDriverOptions>;
  pollMs?: number;
  clock?: Clock;
}

export function parseEnv(list: readonly string[]): { ok: true; value: Record<string, string> } | { ok: false; error: string } {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq <= 0) return { ok: false, error: `--env: '${kv}' is not NAME=VALUE` };
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { ok: true, value: env };
}

function offerAgentUrl(offer: Offer): string | undefined {
  const a = offer.url?.address;
  if (!a) return undefined;
  return `${offer.url?.scheme ?? 'http'}://${a.ip ?? a.hostname ?? offer.hostname}:${a.port}`;
}

function describeOffer(offer: Offer, names: readonly string[]): string {
  const r = Resources.fromProto(offer.resources ?? []);
  if (!r.ok) return '(invalid resources)';
  return names.map((n) => `${n}:${n === 'ports' ? '?' : r.value.scalar(n)}`).join(';');
}

export async function executeCommand(ctx: Context, opts: ExecuteOptions): Promise<number> {
  const { io } = ctx;
  if (opts.command.length === 0) return fail(io, 'execute: no command given (agora execute [flags] -- <command...>)');
  const spec = parseResourceSpec(opts.resources);
  if (!spec.ok) return fail(io, `--resources: ${spec.error}`);
  const env = parseEnv(opts.env);
  if (!env.ok) return fail(io, env.error);
  const killAfterMs = opts.killAfter !== undefined ? parseDuration(opts.killAfter) : undefined;
  if (killAfterMs && !killAfterMs.ok) return fail(io, `--kill-after: ${killAfterMs.error}`);
  const offerTimeoutMs = opts.offerTimeout !== undefined ? parseDuration(opts.offerTimeout) : undefined;
  if (offerTimeoutMs && !offerTimeoutMs.ok) return fail(io, `--offer-timeout: ${offerTimeoutMs.error}`);

  const name = opts.name ?? (opts.command[0]!.trim().split(/\s+/)[0]!.split('/').pop() || 'task');
  const taskSpec: CommandTaskSpec & { resources: ResourceSpec } = {
    name,
    id: newTaskId(name),
    command: opts.shell ? shellCommandLine(opts.command) : opts.command,
    shell: opts.shell,
    env: env.value,
    resources: spec.value,
  };
  const taskId = taskSpec.id!;
  const say = (line: string) => {
    if (!opts.quiet) io.stderr.write(`${line}\n`);
  };

  const run = new ExecuteRun(ctx, taskId, opts.pollMs ?? 250, say);
  // --offer-timeout counts from the first subscription, when offers can first arrive: time spent
  // reaching the master (retries are reported as they happen) is not the cluster lacking room.
  let offerTimer: Timer | undefined;
  const startOfferTimer = () => {
    if (!offerTimeoutMs?.ok || offerTimer !== undefined) return;
    offerTimer = (opts.clock ?? systemClock).setTimer(offerTimeoutMs.value, () => {
      if (run.launched) return;
      say(`No offer fitting ${formatResourceSpec(spec.value)} arrived within ${opts.offerTimeout} of subscribing${run.largest ? ` (largest offer seen: ${run.largest})` : ''}`);
      run.finish(1);
    });
  };
  const scheduler: Scheduler = {
    subscribed(driver, info) {
      say(`Subscribed to ${info.masterUrl} as framework ${info.frameworkId}`);
      startOfferTimer();
      // Updates may have been missed while disconnected: ask for the task's latest state.
      if (info.resubscribed && run.launched && !run.final) void driver.reconcile([{ taskId, agentId: run.launched.agentId }]);
    },
    async offers(driver, offers) {
      if (run.launched || run.final || run.stopping) {
        await driver.decline(offers, { refuse_seconds: 3600 });
        return;
      }
      const m = matchOffers(offers, [taskSpec], { role: opts.role });
      const hit = m.ok ? [...m.value.byOffer.values()][0] : undefined;
      if (!m.ok || hit === undefined) {
        if (!m.ok) say(`Skipping offers: ${m.error}`);
        run.noteUnfit(offers, Object.keys(spec.value));
        await driver.decline(offers, { refuse_seconds: 1 });
        return;
      }
      const offer = hit.offer;
      const task = buildCommandTask(taskSpec, offer.agent_id, hit.placed[0]!.resources);
      run.launched = { offer, agentId: offer.agent_id.value, agentUrl: offerAgentUrl(offer) };
      say(`Launching task ${taskId} on ${offer.hostname} (agent ${offer.agent_id.value}) with ${formatResourceSpec(spec.value)}`);
      const r = await driver.launch(offer, [task]);
      const others = offers.filter((o) => o !== offer);
      if (others.length > 0) await driver.decline(others, { refuse_seconds: 3600 });
      if (!r.ok) {
        say(`Launch failed: ${r.error.message}`);
        run.finish(1);
        return;
      }
      // One task only: no more offers, please.
      void driver.suppress();
    },
    update(driver, status) {
      if (status.task_id.value !== taskId) return;
      run.onUpdate(driver, status, killAfterMs?.ok ? killAfterMs.value : undefined);
    },
    error(message) {
      say(`Error: ${message}`);
      run.finish(1);
    },
    disconnected() {
      say('Lost the connection to the master; re-subscribing…');
    },
  };

  const driver = new SchedulerDriver({
    master: ctx.master,
    framework: {
      name: `agora execute (${name})`,
      roles: [opts.role],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'TASK_KILLING_STATE' }],
    },
    scheduler,
    onRetry: (reason, delayMs) => {
      // Say why we are not subscribed yet, once per distinct reason.
      if (reason !== run.lastRetryReason) say(`Not subscribed yet: ${reason} (retrying in ${(delayMs / 1000).toFixed(1)}s)`);
      run.lastRetryReason = reason;
    },
    ...opts.driverOptions,
  });
  run.driver = driver;

  const onInterrupt = () => run.interrupt();
  io.interrupt.addEventListener('abort', onInterrupt, { once: true });
  say(`Waiting for an offer with ${formatResourceSpec(spec.value)}${opts.role !== '*' ? ` for role ${opts.role}` : ''}…`);
  driver.start();
  // A scheduler callback that throws is a bug; let it surface.
  driver.done.catch((e: unknown) => run.crash(e));
  try {
    const code = await run.result;
    offerTimer?.cancel();
    await run.drainLogs();
    if (driver.state === 'subscribed') {
      const td = await driver.teardown();
      if (!td.ok) say(`Teardown failed: ${td.error.message}`);
    } else {
      await driver.stop();
    }
    return code;
  } finally {
    offerTimer?.cancel();
    io.interrupt.removeEventListener('abort', onInterrupt);
    await driver.stop();
  }
}

/** The mutable state of one `agora execute` run (owned by the driver's callbacks). */
class ExecuteRun {
  driver: SchedulerDriver | undefined;
  launched: { offer: Offer; agentId: string; agentUrl: string | undefined } | undefined;
  final: TaskStatus | undefined;
  stopping = false;
  largest: string | undefined;
  lastRetryReason: string | undefined;
  private lastState: TaskState | undefined;
  private logs: Promise<void> | undefined;
  private readonly logStop = new AbortController();
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  private interrupted = false;
  private settle!: (code: number) => void;
  private failWith!: (e: unknown) => void;
  private settled = false;
  readonly result: Promise<number>;

  constructor(
    private readonly ctx: Context,
    private readonly taskId: string,
    private readonly pollMs: number,
    private readonly say: (line: string) => void,
  ) {
    this.result = new Promise<number>((resolve, reject) => {
      this.settle = resolve;
      this.failWith = reject;
    });
  }

  finish(code: number): void {
    if (this.settled) return;
    this.settled = true;
    this.stopping = true;
    clearTimeout(this.killTimer);
    this.settle(code);
  }

  crash(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.failWith(e);
  }

  noteUnfit(offers: readonly Offer[], names: readonly string[]): void {
    if (offers.length > 0) this.largest = describeOffer(offers[0]!, names);
  }

  onUpdate(driver: SchedulerDriver, status: TaskStatus, killAfterMs: number | undefined): void {
    if (status.state !== this.lastState) {
      this.lastState = status.state;
      this.say(`Task ${this.taskId} is ${status.state}${status.message ? `: ${status.message}` : ''}`);
    }
    if (status.state === 'TASK_STARTING' || status.state === 'TASK_RUNNING' || isTerminalState(status.state)) this.startLogs();
    if (status.state === 'TASK_RUNNING' && killAfterMs !== undefined && this.killTimer === undefined && !this.final) {
      this.killTimer = setTimeout(() => {
        if (this.final) return;
        this.say(`Killing task ${this.taskId} after --kill-after`);
        void driver.kill(this.taskId, this.launched?.agentId);
      }, killAfterMs);
    }
    if (isTerminalState(status.state)) {
      this.final = status;
      this.finish(this.interrupted ? 130 : exitStatusOf(status));
    }
  }

  /** Ctrl-C: kill the task (if any) and wait for its end, but not forever. */
  interrupt(): void {
    this.interrupted = true;
    this.stopping = true;
    if (!this.launched || this.final || !this.driver) {
      this.say('Interrupted');
      this.finish(130);
      return;
    }
    this.say(`Interrupted: killing task ${this.taskId}…`);
    void this.driver.kill(this.taskId, this.launched.agentId);
    setTimeout(() => this.finish(130), 15_000).unref();
  }

  private startLogs(): void {
    if (this.logs || !this.launched) return;
    this.logs = this.followLogs().catch(() => undefined);
  }

  /** Waits for the streams to reach the end of the files after the task ended (bounded). */
  async drainLogs(): Promise<void> {
    if (!this.logs) return;
    const cap = setTimeout(() => this.logStop.abort(), this.interrupted ? 1000 : 5000);
    await this.logs;
    clearTimeout(cap);
  }

  private async followLogs(): Promise<void> {
    const { io } = this.ctx;
    const launched = this.launched!;
    const fid = this.driver?.frameworkId;
    if (fid === undefined) return;
    let url = launched.agentUrl;
    if (url === undefined) {
      const state = await fetchMasterState(io.fetch, this.ctx.master, this.logStop.signal);
      const agent = state.ok ? state.value.slaves.find((a) => a.id === launched.agentId) : undefined;
      url = agent ? agentUrlOfState(agent) : undefined;
      if (url === undefined) return this.say('(cannot stream output: the agent\'s address is unknown)');
    }
    const ref = { agentUrl: url, frameworkId: fid, executorId: this.taskId, taskId: this.taskId };
    // The executor appears in the agent's state a moment after the launch.
    let dir: string | undefined;
    for (let i = 0; dir === undefined && !this.logStop.signal.aborted; i++) {
      const d = await sandboxDirectory(io, ref, this.logStop.signal);
      if (d.ok) dir = d.value;
      else if (this.final && i > 20) return this.say(`(cannot stream output: ${d.error.message})`);
      else await io.sleep(this.pollMs, this.logStop.signal);
    }
    if (dir === undefined) return;
    const follow = (file: 'stdout' | 'stderr', write: (s: string) => void) =>
      streamFile(io, url, `${dir}/${file}`, write, {
        from: 0,
        follow: true,
        waitForFile: true,
        signal: this.logStop.signal,
        pollMs: this.pollMs,
        until: () => this.final !== undefined || this.settled,
      });
    await Promise.all([follow('stdout', (s) => io.stdout.write(s)), follow('stderr', (s) => io.stderr.write(s))]);
  }
}

/**
 * The shell command line for `agora execute -- <words>`: one word is a command line used as is
 * (`-- 'echo a; exit 3'`); several words are quoted one by one, so `-- sh -c 'echo a; exit 3'`
 * runs exactly that argv, as `docker run` and `kubectl exec` treat their trailing arguments.
 */
export function shellCommandLine(words: readonly string[]): string {
  if (words.length === 1) return words[0]!;
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
