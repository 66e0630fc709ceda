/**
 * A real ZooKeeper ensemble (Debian's `zookeeper` 3.8 package) for tests and `agora local --ha`:
 * one or three servers on free 127.0.0.1 ports, each in its own directory under a temp dir,
 * started as `java … QuorumPeerMain zoo.cfg` (what `zkServer.sh start-foreground` runs) and
 * stopped by PID. Readiness is the `srvr` four-letter word reporting a `Mode:` (standalone,
 * leader or follower), which a server only does once it serves clients.
 *
 * The JVMs die with the process that started them (`setpriv --pdeathsig KILL`, and a SIGKILL by
 * PID on exit), so a crashed test run leaves no servers behind.
 *
 * Tuned for tests: `tickTime` 250 ms (session timeouts from 500 ms up to 60 s), no admin server,
 * all four-letter words allowed, small log preallocation, and `forceSync=no` unless asked
 * (durability across a machine crash is not what these tests exercise; process crashes are).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const LOGGER_JAR = '/usr/share/java/slf4j-simple.jar';
const JAVA = '/usr/bin/java';

export interface ZooKeeperEnsembleOptions {
  /** 1 (standalone) or 3 (a quorum of 2). Default 1. */
  readonly size?: 1 | 3;
  /** Parent directory for the ensemble's directory. Default: the OS temp dir. */
  readonly baseDir?: string;
  /** ZooKeeper's tick (session timeouts must lie in [2, 240] ticks). Default 250 ms. */
  readonly tickTimeMs?: number;
  /** fsync the transaction log. Default false (see above). */
  readonly forceSync?: boolean;
  /** How long `start` waits for the ensemble to serve. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Keep the directory (configs, data, logs) after `stop()`. Default false. */
  readonly keepDir?: boolean;
}

export interface ZooKeeperServer {
  /** 1-based server id (`myid`). */
  readonly id: number;
  readonly clientPort: number;
  readonly dir: string;
  readonly logFile: string;
  /** The JVM's PID while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
}

const isAlive = (p: ChildProcess | undefined): p is ChildProcess => p !== undefined && p.exitCode === null && p.signalCode === null;

/**
 * Every JVM this process started and has not yet seen exit, and every ensemble directory not yet
 * removed: killed and removed if this process exits without stopping them.
 */
const live = new Set<ChildProcess>();
const dirsToRemove = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) if (c.pid !== undefined) try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
    for (const d of dirsToRemove) rmSync(d, { recursive: true, force: true });
  });
}
function trackForExit(p: ChildProcess): void {
  installExitHook();
  live.add(p);
  p.once('exit', () => live.delete(p));
}

class Member implements ZooKeeperServer {
  proc: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  paused = false;

  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly dir: string,
    private readonly javaArgs: string[],
  ) {}

  get logFile(): string {
    return join(this.dir, 'zookeeper.log');
  }
  get pid(): number | undefined {
    return isAlive(this.proc) ? this.proc.pid : undefined;
  }
  get running(): boolean {
    return isAlive(this.proc);
  }

  start(): void {
    if (isAlive(this.proc)) return;
    const fd = openSync(this.logFile, 'a');
    const useSetpriv = existsSync('/usr/bin/setpriv');
    const [cmd, args] = useSetpriv ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', JAVA, ...this.javaArgs]] : [JAVA, this.javaArgs];
    const proc = spawn(cmd, args, { cwd: this.dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.proc = proc;
    this.paused = false;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    trackForExit(proc);
  }

  async signal(sig: NodeJS.Signals, wait: boolean): Promise<void> {
    const p = this.proc;
    if (!isAlive(p) || p.pid === undefined) return;
    if (sig === 'SIGSTOP') this.paused = true;
    if (sig === 'SIGCONT') this.paused = false;
    // A stopped JVM cannot act on SIGTERM; let it run so it can exit.
    if (this.paused && sig === 'SIGTERM') process.kill(p.pid, 'SIGCONT');
    process.kill(p.pid, sig);
    if (wait) await this.exited;
  }
}

export class ZooKeeperEnsemble {
  private stopped = false;

  private constructor(
    readonly dir: string,
    private readonly members: Member[],
    private readonly keepDir: boolean,
  ) {}

  /** Starts the servers and waits until every one serves clients. */
  static async start(opts: ZooKeeperEnsembleOptions = {}): Promise<ZooKeeperEnsemble> {
    if (!existsSync(ZOOKEEPER_JAR)) throw new Error(`ZooKeeper is not installed (${ZOOKEEPER_JAR} missing; apt-get install zookeeper)`);
    // A port found free can be taken by another process before the JVM binds it; the server
    // then exits at once. Such a start is tried again on new ports (twice at most).
    for (let attempt = 1; ; attempt++) {
      try {
        return await ZooKeeperEnsemble.startOnce(opts);
      } catch (e) {
        if (attempt >= 3 || !(e instanceof ExitedEarly)) throw e;
      }
    }
  }

  private static async startOnce(opts: ZooKeeperEnsembleOptions): Promise<ZooKeeperEnsemble> {
    const size = opts.size ?? 1;
    const tick = opts.tickTimeMs ?? 250;
    const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'agora-zk-'));
    const ports = await freePorts(size * 3);
    const client = (i: number) => ports[i * 3]!;
    const servers: string[] = size === 1 ? [] : Array.from({ length: size }, (_, i) => `server.${i + 1}=127.0.0.1:${ports[i * 3 + 1]}:${ports[i * 3 + 2]}`);
    const members: Member[] = [];
    for (let i = 0; i < size; i++) {
      const sdir = join(dir, `server${i + 1}`);
      mkdirSync(join(sdir, 'data'), { recursive: true });
      writeFileSync(join(sdir, 'data', 'myid'), `${i + 1}\n`);
      const cfg = [
        `tickTime=${tick}`,
        `initLimit=${Math.ceil(10_000 / tick)}`,
        `syncLimit=${Math.ceil(2_500 / tick)}`,
        `dataDir=${join(sdir, 'data')}`,
        `clientPort=${client(i)}`,
        'clientPortAddress=127.0.0.1',
        'maxClientCnxns=0',
        `maxSessionTimeout=${Math.max(60_000, tick * 20)}`,
        'admin.enableServer=false',
        '4lw.commands.whitelist=*',
        'preAllocSize=4096',
        'snapCount=100000',
        ...servers,
      ];
      writeFileSync(join(sdir, 'zoo.cfg'), `${cfg.join('\n')}\n`);
      const javaArgs = [
        '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xms32m', '-Xmx256m', '-Xss512k',
        `-Dzookeeper.forceSync=${opts.forceSync ? 'yes' : 'no'}`,
        // Quorum connections to a dead peer give up quickly, so elections after a kill are fast.
        '-Dzookeeper.cnxTimeout=500',
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
        '-cp', `${ZOOKEEPER_JAR}:${LOGGER_JAR}`,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(sdir, 'zoo.cfg'),
      ];
      members.push(new Member(i + 1, client(i), sdir, javaArgs));
    }
    const ensemble = new ZooKeeperEnsemble(dir, members, opts.keepDir ?? false);
    if (!opts.keepDir) {
      installExitHook();
      dirsToRemove.add(dir);
    }
    for (const m of members) m.start();
    try {
      await ensemble.waitServing(undefined, opts.startTimeoutMs ?? 30_000);
    } catch (e) {
      const logs = members.map((m) => `--- server ${m.id} (${m.logFile}):\n${tail(m.logFile, 15)}`).join('\n');
      const exited = members.some((m) => !m.running);
      await ensemble.stop();
      const message = `${(e as Error).message}\n${logs}`;
      throw exited ? new ExitedEarly(message) : new Error(message);
    }
    return ensemble;
  }

  get servers(): readonly ZooKeeperServer[] {
    return this.members;
  }

  /** `127.0.0.1:p1,127.0.0.1:p2,…` (all servers, running or not). */
  get connectString(): string {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  }

  /** `zk://127.0.0.1:p1,…/<path>` (path without the leading `/` is fine too). */
  url(path: string): string {
    return `zk://${this.connectString}${path.startsWith('/') ? path : `/${path}`}`;
  }

  private member(id: number): Member {
    const m = this.members[id - 1];
    if (!m) throw new Error(`no ZooKeeper server ${id} (ids are 1..${this.members.length})`);
    return m;
  }

  /** SIGKILLs server `id` (a crash); resolves once it has exited. */
  async kill(id: number): Promise<void> {
    await this.member(id).signal('SIGKILL', true);
  }

  /** SIGTERMs server `id`; resolves once it has exited. */
  async stopServer(id: number): Promise<void> {
    const m = this.member(id);
    const t = setTimeout(() => void m.signal('SIGKILL', false), 5_000);
    await m.signal('SIGTERM', true);
    clearTimeout(t);
  }

  /** Starts server `id` again (same ports, same data) and waits until it serves. */
  async restart(id: number, timeoutMs = 30_000): Promise<void> {
    const m = this.member(id);
    if (m.running) await this.kill(id);
    m.start();
    await this.waitServing([id], timeoutMs);
  }

  /**
   * SIGSTOPs server `id`: its sockets stay open and it answers nothing (a hung or partitioned
   * server). Resolves once the kernel reports it stopped (a signal is not instant under load).
   */
  async pause(id: number): Promise<void> {
    const m = this.member(id);
    await m.signal('SIGSTOP', false);
    await waitProcState(m.pid, (st) => st === 'T' || st === 't', 'stopped');
  }

  /** SIGCONTs a paused server; resolves once it runs again. */
  async resume(id: number): Promise<void> {
    const m = this.member(id);
    await m.signal('SIGCONT', false);
    await waitProcState(m.pid, (st) => st !== 'T' && st !== 't', 'running');
  }

  /** The `srvr` answer's `Mode:` of server `id` (`standalone`, `leader`, `follower`), or undefined if it does not serve. */
  async mode(id: number): Promise<string | undefined> {
    const m = this.member(id);
    if (!m.running || m.paused) return undefined;
    const text = await fourLetterWord(m.clientPort, 'srvr', 1_000).catch(() => '');
    return /^Mode: (\w+)/m.exec(text)?.[1];
  }

  /** Waits until the given servers (default: all running ones) serve clients. */
  async waitServing(ids?: number[], timeoutMs = 30_000): Promise<void> {
    const want = ids ?? this.members.filter((m) => m.running).map((m) => m.id);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const modes = await Promise.all(want.map((id) => this.mode(id)));
      if (modes.every((m) => m !== undefined)) return;
      for (const id of want) {
        if (!this.member(id).running) throw new Error(`ZooKeeper server ${id} exited while starting (see ${this.member(id).logFile})`);
      }
      if (performance.now() > deadline) {
        throw new Error(`ZooKeeper servers ${want.join(',')} not serving after ${timeoutMs} ms (modes: ${modes.map(String).join(',')})`);
      }
      await sleep(50);
    }
  }

  /** Kills every server by PID and removes the directory (unless `keepDir`). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.members.map((m) => m.signal('SIGKILL', true)));
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
    dirsToRemove.delete(this.dir);
  }
}

class ExitedEarly extends Error {}

/** Sends a four-letter word (`ruok`, `srvr`, `mntr`, `cons`, …) and returns the answer. */
export function fourLetterWord(port: number, word: string, timeoutMs = 2_000, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to '${word}' from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** `count` distinct ports that were free on 127.0.0.1 a moment ago (all held open while choosing). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Polls /proc/<pid>/stat until the process state satisfies `ok` (at most 2 s). */
async function waitProcState(pid: number | undefined, ok: (state: string) => boolean, what: string): Promise<void> {
  if (pid === undefined) return;
  const deadline = performance.now() + 2_000;
  for (;;) {
    let state: string | undefined;
    try {
      // The state follows the command name, which is in parentheses and may contain spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return; // gone
    }
    if (ok(state)) return;
    if (performance.now() > deadline) throw new Error(`ZooKeeper pid ${pid} not ${what} after 2 s (state ${state})`);
    await sleep(2);
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
