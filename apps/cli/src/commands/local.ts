/**
 * `agora local`: a whole cluster on this machine, in the foreground — the master and N agents as
 * child processes (each `agora master …` / `agora agent …` through the same bin, on distinct
 * ports, with their own work dirs and log files), then whatever `LOCAL_EXTENSIONS` add.
 *
 *   check ports ─▶ start master ─▶ /master/health ─▶ start agents ─▶ all registered in
 *   /master/state ─▶ extras ─▶ banner ─▶ wait for Ctrl-C/SIGTERM (exit 0) or a child's death
 *   (report it with the tail of its log, exit 1) ─▶ stop everything by PID, newest first
 *
 * `--ha`: a ZooKeeper (local/zookeeper.ts) and three masters contending in it instead of one
 * master; agents get `--master=zk://…`; a master that exits is restarted (a supervisor's job).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '@agora/protocol';
import { formatHelp, type FlagTable } from '@agora/runtime';
import { fail } from '../context.ts';
import { loadDaemon } from '../daemons.ts';
import { getText } from '../http.ts';
import type { CliIO } from '../io.ts';
import { agentUrl, fetchMasterState, type MasterState } from '../master-state.ts';
import { LocalChild } from '../local/child.ts';
import { LOCAL_EXTENSIONS, type ExtraComponent, type LocalContext, type LocalExtension } from '../local/components.ts';
import { splitLocalArgs, type LocalOptions } from '../local/flags.ts';
import { checkPortFree, freeLocalPort } from '../local/ports.ts';
import { zookeeperCommand, zookeeperMissing, zookeeperServing } from '../local/zookeeper.ts';

export interface LocalDeps {
  loadTables(): Promise<Result<{ master: FlagTable; agent: FlagTable }, string>>;
  /** How to run `agora <args>` as a child: the executable and the arguments before `<args>`. */
  readonly agora: { readonly command: string; readonly args: readonly string[] };
  readonly extensions: readonly LocalExtension[];
  /** Poll interval while waiting for readiness (ms). */
  readonly pollMs?: number;
}

const BIN = fileURLToPath(new URL('../../bin/agora.js', import.meta.url));

export function defaultLocalDeps(): LocalDeps {
  return {
    async loadTables() {
      const [m, a] = await Promise.all([loadDaemon('master'), loadDaemon('agent')]);
      if (!m.ok) return m;
      if (!a.ok) return a;
      return ok({ master: m.value.flags, agent: a.value.flags });
    },
    agora: { command: process.execPath, args: [BIN] },
    extensions: LOCAL_EXTENSIONS,
  };
}

const USAGE = `Usage: agora local [flags] [master and agent flags]

Runs a master, N agents and the services and cron frameworks on this machine in the foreground
(Ctrl-C stops them all).
Any master or agent flag may be given; it is passed to the daemons that know it.

Flags:
  --agents N             Number of agents (default: 2)
  --port PORT            Master port (default: 5050); agents use the following ports
  --agent-port PORT      First agent port (default: --port + 1)
  --work-dir DIR         Work and log directory (default: a new temporary one, removed on exit)
  --keep                 Keep the temporary work directory on exit
  --timeout DURATION     How long to wait for the cluster to be ready (default: 60s)
  --stop-timeout DURATION  Grace period before SIGKILL when stopping (default: 10s)
  --services-port PORT   The services framework's Marathon /v2 API (default: 8080; 0: not started)
  --cron-port PORT       The cron framework's Chronos API (default: 4400; 0: not started)
  --json                 Print one JSON object (URLs, PIDs, log files) instead of the banner
  --ha                   Three masters electing a leader in a ZooKeeper of their own (the Debian
                         zookeeper package); agents and clients follow the leader via zk://.
                         A master that exits (it lost leadership, or you killed it) is restarted
  -h, --help             Show this help
`;

export function localHelp(tables: { master: FlagTable; agent: FlagTable } | undefined): string {
  if (!tables) return USAGE;
  const strip = (t: FlagTable, drop: string[]) => Object.fromEntries(Object.entries(t).filter(([k]) => !drop.includes(k.replace(/_/g, '-'))));
  const m = formatHelp('Master flags:', strip(tables.master, ['port', 'work-dir'])).replace(/\n\nFlags:\n/, '\n').replace(/ {2}--help.*\n$/, '');
  const a = formatHelp('Agent flags:', strip(tables.agent, ['port', 'work-dir', 'master', 'runtime-dir', 'advertise-ip'])).replace(/\n\nFlags:\n/, '\n').replace(/ {2}--help.*\n$/, '');
  return `${USAGE}\n${m}\n${a}`;
}

interface Started {
  name: string;
  url: string;
  child: LocalChild;
  /** How it was started (to restart a master in --ha mode). */
  command: string;
  argv: readonly string[];
}

const isMaster = (s: Started) => s.name === 'master' || s.name.startsWith('master-');
const isAgent = (s: Started) => s.name.startsWith('agent-');

/** Stderr progress: rewritten in place on a terminal, one line per change elsewhere. */
class Progress {
  private open = false;
  constructor(private readonly io: CliIO, private readonly quiet: boolean) {}
  update(text: string): void {
    if (this.quiet) return;
    if (this.io.stderr.isTTY) {
      this.io.stderr.write(`\r\x1b[2K${text}`);
      this.open = true;
    } else this.io.stderr.write(`${text}\n`);
  }
  done(text: string): void {
    if (this.quiet) return;
    if (this.io.stderr.isTTY) this.io.stderr.write(`\r\x1b[2K${text}\n`);
    else this.io.stderr.write(`${text}\n`);
    this.open = false;
  }
  line(text: string): void {
    if (this.open) this.done('');
    this.io.stderr.write(`${text}\n`);
  }
}

export async function localCommand(io: CliIO, argv: readonly string[], deps: LocalDeps = defaultLocalDeps()): Promise<number> {
  const tables = await deps.loadTables();
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(localHelp(tables.ok ? tables.value : undefined));
    return 0;
  }
  if (!tables.ok) return fail(io, `local: ${tables.error}`);
  const plan = splitLocalArgs(argv, tables.value.master, tables.value.agent);
  if (!plan.ok) return fail(io, `local: ${plan.error}`);
  const o = plan.value.options;
  if (o.ha) {
    const missing = zookeeperMissing();
    if (missing) return fail(io, `local: --ha needs ZooKeeper: ${missing}`);
  }

  const ip = lastValue(plan.value.masterArgs, 'ip') ?? '127.0.0.1';
  const host = ip === '0.0.0.0' ? '127.0.0.1' : ip;
  const agentPorts = Array.from({ length: o.agents }, (_, i) => o.agentPort + i);
  const masterPorts = o.ha ? [o.port, o.port + 1, o.port + 2] : [o.port];
  for (const port of [...masterPorts, ...agentPorts]) {
    const free = await checkPortFree(port, ip);
    if (!free.ok) return fail(io, `local: ${free.error}; nothing was started (pick other ports with --port / --agent-port)`);
  }

  const temporary = o.workDir === undefined;
  const workDir = resolve(o.workDir ?? mkdtempSync(join(tmpdir(), 'agora-local-')));
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const masterUrl = `http://${host}:${o.port}`;
  const ctx: LocalContext = { masterUrl, workDir, logDir, usedPorts: [...masterPorts, ...agentPorts], servicesPort: o.servicesPort, cronPort: o.cronPort, host };
  const extras = deps.extensions.flatMap((e) => e.components?.(ctx) ?? []);
  for (const c of extras) {
    for (const port of c.ports) {
      const free = await checkPortFree(port, ip);
      if (!free.ok) return fail(io, `local: ${c.name}: ${free.error}; nothing was started`);
    }
  }

  const cluster = new Cluster(io, deps, o, workDir, logDir);
  const exitGuard = () => cluster.killNow();
  process.on('exit', exitGuard);
  try {
    const code = await cluster.run(plan.value.masterArgs, plan.value.agentArgs, agentPorts, masterPorts, masterUrl, extras, ctx);
    if (code === 0 && temporary && !o.keep) rmSync(workDir, { recursive: true, force: true });
    else if (code !== 0 || o.keep || !temporary) io.stderr.write(`Work directory and logs kept in ${workDir}\n`);
    return code;
  } finally {
    process.off('exit', exitGuard);
  }
}

function lastValue(args: readonly string[], name: string): string | undefined {
  let v: string | undefined;
  for (const a of args) if (a.startsWith(`--${name}=`)) v = a.slice(name.length + 3);
  return v;
}

class Cluster {
  private readonly started: Started[] = [];
  /** --ha: the ZooKeeper URL masters, agents and clients use. */
  private zkUrl: string | undefined;
  private readonly progress: Progress;
  private readonly pollMs: number;

  constructor(
    private readonly io: CliIO,
    private readonly deps: LocalDeps,
    private readonly o: LocalOptions,
    private readonly workDir: string,
    private readonly logDir: string,
  ) {
    this.progress = new Progress(io, false);
    this.pollMs = deps.pollMs ?? 200;
  }

  killNow(): void {
    for (const s of this.started) s.child.killNow();
  }

  private spawn(name: string, url: string, argv: readonly string[]): Started {
    return this.spawnCommand(name, url, this.deps.agora.command, [...this.deps.agora.args, ...argv]);
  }

  private spawnCommand(name: string, url: string, command: string, argv: readonly string[]): Started {
    // The children get their addresses from flags only, never from the caller's AGORA_MASTER.
    const env: NodeJS.ProcessEnv = { ...process.env, AGORA_LOCAL: '1' };
    delete env.AGORA_MASTER;
    const child = new LocalChild(name, join(this.logDir, `${name}.log`), command, argv, env);
    const s = { name, url, child, command, argv };
    const i = this.started.findIndex((x) => x.name === name);
    if (i >= 0) this.started[i] = s;
    else this.started.push(s);
    return s;
  }

  /** `--ha`: ZooKeeper, then three masters contending in it; resolves with the ZooKeeper URL. */
  private async startHa(masterArgs: string[], masterPorts: number[], host: string): Promise<Result<string, string>> {
    const zkPort = await freeLocalPort();
    const zk = zookeeperCommand(join(this.workDir, 'zookeeper'), zkPort);
    this.progress.update(`Starting ZooKeeper on 127.0.0.1:${zkPort} …`);
    this.spawnCommand('zookeeper', `zk://127.0.0.1:${zkPort}`, zk.command, zk.args);
    const serving = await this.waitUntil(() => zookeeperServing(zkPort), 'ZooKeeper to serve');
    if (serving !== undefined) return err(serving);
    this.progress.done(`ZooKeeper ready at 127.0.0.1:${zkPort}`);
    const zkUrl = `zk://127.0.0.1:${zkPort}/agora`;
    masterPorts.forEach((port, i) => {
      const name = `master-${i + 1}`;
      this.spawn(name, `http://${host}:${port}`, ['master', `--port=${port}`, `--work-dir=${join(this.workDir, name)}`, `--zk=${zkUrl}`, '--quorum=2', ...masterArgs]);
    });
    this.progress.update('Waiting for the masters to elect a leader …');
    const elected = await this.waitUntil(async () => (await this.leader(masterPorts, host)) !== undefined, 'a leading master');
    if (elected !== undefined) return err(elected);
    return ok(zkUrl);
  }

  /** The leader's URL, as any master's /master/redirect names it. */
  private async leader(masterPorts: number[], host: string): Promise<string | undefined> {
    for (const port of masterPorts) {
      try {
        const res = await this.io.fetch(`http://${host}:${port}/master/redirect`, { redirect: 'manual', signal: AbortSignal.timeout(1000) });
        const loc = res.headers.get('location');
        if (res.status === 307 && loc) return new URL(loc, `http://${host}:${port}`).origin;
      } catch {
        /* not up yet */
      }
    }
    return undefined;
  }

  async run(masterArgs: string[], agentArgs: string[], agentPorts: number[], masterPorts: number[], masterUrl: string, extras: readonly ExtraComponent[], ctx: LocalContext): Promise<number> {
    const { io, o } = this;
    const t0 = Date.now();
    const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    const host = new URL(masterUrl).hostname;

    let agentsMaster = masterUrl;
    if (o.ha) {
      const zk = await this.startHa(masterArgs, masterPorts, host);
      if (!zk.ok) return this.abort(zk.error);
      this.zkUrl = agentsMaster = zk.value;
      this.progress.done(`Masters ready; ${(await this.leader(masterPorts, host)) ?? 'one'} leads (${secs()})`);
    } else {
      this.progress.update(`Starting master on ${masterUrl} …`);
      this.spawn('master', masterUrl, ['master', `--port=${o.port}`, `--work-dir=${join(this.workDir, 'master')}`, ...masterArgs]);
      const healthy = await this.waitUntil(async () => {
        const r = await getText(io.fetch, `${masterUrl}/master/health`, { timeoutMs: 2000 });
        return r.ok && r.value.status === 200;
      }, 'the master to answer /master/health');
      if (healthy !== undefined) return this.abort(healthy);
      this.progress.done(`Master ready at ${masterUrl} (${secs()})`);
    }

    const tables = await this.deps.loadTables();
    const agentTable = tables.ok ? tables.value.agent : {};
    const hasFlag = (name: string) => Object.keys(agentTable).some((k) => k.replace(/_/g, '-') === name);
    for (let i = 0; i < o.agents; i++) {
      const name = `agent-${i + 1}`;
      const dir = join(this.workDir, name);
      const args = ['agent', `--master=${agentsMaster}`, `--port=${agentPorts[i]}`, `--work-dir=${dir}`];
      if (hasFlag('runtime-dir')) args.push(`--runtime-dir=${join(dir, 'run')}`);
      this.spawn(name, `http://${new URL(masterUrl).hostname}:${agentPorts[i]}`, [...args, ...agentArgs]);
    }
    if (o.agents > 0) {
      let last = -1;
      const registered = await this.waitUntil(async () => {
        const s = await fetchMasterState(io.fetch, masterUrl);
        const n = s.ok ? countOurAgents(s.value, agentPorts) : 0;
        if (n !== last) this.progress.update(`Waiting for agents to register (${n}/${o.agents}) …`);
        last = n;
        return n >= o.agents;
      }, `${o.agents} agent(s) to register`);
      if (registered !== undefined) return this.abort(registered);
      this.progress.done(`${o.agents} agent${o.agents === 1 ? '' : 's'} registered (${secs()})`);
    }

    for (const c of extras) {
      this.progress.update(`Starting ${c.name} …`);
      // --ha: frameworks follow the leader through ZooKeeper rather than the first master.
      const argv = this.zkUrl ? c.argv.map((a) => (a === `--master=${masterUrl}` ? `--master=${this.zkUrl}` : a)) : c.argv;
      this.spawn(c.name, c.url, argv);
      const ready = await this.waitUntil(async () => {
        const s = await fetchMasterState(io.fetch, masterUrl);
        return s.ok && c.ready(s.value);
      }, `${c.name} to be ready`);
      if (ready !== undefined) return this.abort(ready);
      this.progress.done(`${c.name} ready at ${c.url} (${secs()})`);
    }

    const summary = this.summary(masterUrl, ctx);
    writeFileSync(join(this.workDir, 'cluster.json'), `${JSON.stringify(summary, null, 2)}\n`);
    if (o.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else io.stdout.write(this.banner(masterUrl, ctx));

    const why = await this.waitForEnd();
    if (why !== undefined) {
      this.progress.line(why);
      await this.stopAll();
      return 1;
    }
    this.progress.line('Stopping the cluster …');
    await this.stopAll();
    this.progress.line('Stopped.');
    return 0;
  }

  /**
   * Polls `check` until it holds. Returns undefined when it did, or why not: a child died,
   * the timeout passed, or the user interrupted.
   */
  private async waitUntil(check: () => Promise<boolean>, what: string): Promise<string | undefined> {
    const deadline = Date.now() + this.o.timeoutMs;
    for (;;) {
      const dead = this.started.find((s) => !s.child.running);
      if (dead) return await this.deathReport(dead);
      if (this.io.interrupt.aborted) return 'Interrupted';
      if (await check()) return undefined;
      if (Date.now() > deadline) {
        const logs = this.started.map((s) => `--- ${s.name} (${s.child.logFile}) ---\n${s.child.tail(10)}`).join('\n');
        return `Timed out after ${this.o.timeoutMs / 1000}s waiting for ${what}.\n${logs}`;
      }
      await this.io.sleep(this.pollMs, this.io.interrupt);
    }
  }

  private async deathReport(s: Started): Promise<string> {
    const exit = await s.child.exited;
    return `${s.name} (pid ${s.child.pid}) exited unexpectedly (${s.child.describeExit(exit)}). Last lines of ${s.child.logFile}:\n${indent(s.child.tail(20))}`;
  }

  private async abort(why: string): Promise<number> {
    this.progress.line(why);
    await this.stopAll();
    return why === 'Interrupted' ? 130 : 1;
  }

  /**
   * Resolves undefined on Ctrl-C/SIGTERM, or with a report when a child dies first. With --ha a
   * master that exits is not the end: it is restarted (as a supervisor restarts a Mesos master
   * that lost leadership) and contends again as a standby.
   */
  private async waitForEnd(): Promise<string | undefined> {
    const interrupted = new Promise<undefined>((r) => {
      if (this.io.interrupt.aborted) r(undefined);
      this.io.interrupt.addEventListener('abort', () => r(undefined), { once: true });
    });
    for (;;) {
      const watched = this.started.map((s) => s.child.exited.then(() => s));
      const first = await Promise.race([interrupted, ...watched]);
      if (first === undefined) return undefined;
      if (!this.o.ha || !isMaster(first)) return this.deathReport(first);
      const exit = await first.child.exited;
      this.progress.line(`${first.name} (pid ${first.child.pid}) exited (${first.child.describeExit(exit)}); restarting it (see ${first.child.logFile})`);
      await this.io.sleep(1000, this.io.interrupt);
      if (this.io.interrupt.aborted) return undefined;
      this.spawnCommand(first.name, first.url, first.command, first.argv);
    }
  }

  /**
   * Newest first (extras, agents, masters, ZooKeeper); each stage in parallel. Agents get SIGUSR1,
   * their full shutdown (every executor and task killed, unregistered): their SIGTERM is an exit
   * that leaves checkpointing frameworks' tasks running for a later agent, and nothing of a local
   * cluster may outlive it.
   */
  private async stopAll(): Promise<void> {
    const byStage = [
      this.started.filter((s) => !isMaster(s) && !isAgent(s) && s.name !== 'zookeeper'),
      this.started.filter(isAgent),
      this.started.filter(isMaster),
      this.started.filter((s) => s.name === 'zookeeper'),
    ];
    for (const group of byStage) await Promise.all(group.map((s) => s.child.stop(this.o.stopTimeoutMs, isAgent(s) ? 'SIGUSR1' : 'SIGTERM')));
  }

  private summary(masterUrl: string, ctx: LocalContext) {
    const entry = (s: Started) => ({ name: s.name, url: s.url, pid: s.child.pid, log: s.child.logFile });
    return {
      master: this.zkUrl ?? masterUrl,
      ...(this.zkUrl ? { masters: this.started.filter(isMaster).map(entry), zookeeper: this.zkUrl } : {}),
      agents: this.started.filter((s) => s.name.startsWith('agent-')).map(entry),
      processes: this.started.map(entry),
      work_dir: this.workDir,
      log_dir: this.logDir,
      extra: Object.fromEntries(this.deps.extensions.flatMap((e) => e.bannerLines?.(ctx) ?? [])),
    };
  }

  private banner(masterUrl: string, ctx: LocalContext): string {
    const agents = this.started.filter((s) => s.name.startsWith('agent-'));
    const masters = this.started.filter(isMaster);
    const rows: [string, string][] = [
      ...(this.zkUrl
        ? [
          ['ZooKeeper', this.zkUrl] as [string, string],
          ...masters.map((m, i): [string, string] => [i === 0 ? 'Masters' : '', `${m.url}  (${m.name}, pid ${m.child.pid})`]),
        ]
        : [['Master', masterUrl] as [string, string]]),
      ...agents.map((a, i): [string, string] => [i === 0 ? 'Agents' : '', `${a.url}  (${a.name}, pid ${a.child.pid})`]),
      ...this.started.filter((s) => !isMaster(s) && !isAgent(s) && s.name !== 'zookeeper').map((s): [string, string] => [s.name, s.url]),
      ...this.deps.extensions.flatMap((e) => e.bannerLines?.(ctx) ?? []).map(([k, v]): [string, string] => [k, v]),
      ['Work dir', this.workDir],
      ['Logs', this.logDir],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    const lines = rows.map(([k, v]) => `  ${k.padStart(width)}${k ? ':' : ' '} ${v}`);
    return [
      '',
      '==> Agora local cluster is running',
      '',
      ...lines,
      '',
      '  Try it:',
      `    export AGORA_MASTER=${this.zkUrl ?? masterUrl}`,
      '    agora execute --name hi -- echo hello',
      '    agora tasks --all',
      ...this.started.filter((s) => s.name === 'services').map((s) => `    agora app list --services=${s.url}        # Marathon /v2 (agora app deploy <file>)`),
      ...this.started.filter((s) => s.name === 'cron').map((s) => `    agora job list --cron=${s.url}            # Chronos /v1/scheduler (agora job add <file>)`),
      ...(this.zkUrl ? ['', '  Watch a failover: kill the leading master (the others redirect to it:', `    curl -si ${masterUrl}/master/redirect); a standby takes over, agents follow,`, '    and the killed master is restarted as a standby.'] : []),
      '',
      '==> Press Ctrl-C to stop the cluster.',
      '',
    ].join('\n') + '\n';
  }
}

export function countOurAgents(state: MasterState, ports: readonly number[]): number {
  const want = new Set(ports);
  return state.slaves.filter((a) => {
    if (a.active === false) return false;
    const url = agentUrl(a);
    const port = url ? Number(new URL(url).port) : a.port;
    return port !== undefined && want.has(port);
  }).length;
}

const indent = (text: string) => text.split('\n').map((l) => `    ${l}`).join('\n');
