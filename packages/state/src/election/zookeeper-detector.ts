/**
 * Follows the leader in ZooKeeper, as Mesos's detectors (and mesos-dns, mesos-go) do: the group's
 * `json.info_*` child with the lowest sequence leads, and its data is the leader's MasterInfo.
 *
 * - Watches the group's children (and the group node's existence while it is missing), so a
 *   change is seen within one round trip.
 * - While disconnected the last leader stands; once the session ends (expired, or silent for the
 *   session timeout) the leader becomes `undefined` — "no leader known", which makes agents ignore
 *   all masters — and a new session is opened, retrying until `close()`.
 * - A leader node whose data is not a MasterInfo is reported as no leader (and logged): the
 *   lowest node leads, so skipping it would follow the wrong master.
 */
import type { MasterInfo } from '@agora/protocol';
import { silentLogger, type Logger } from '@agora/runtime';
import { ZK, ZkSession } from '../zookeeper/session.ts';
import type { ZkAuth } from '../zookeeper/url.ts';
import type { Detector } from './election.ts';
import { candidates, decodeMasterInfo, sameMaster } from './master-info.ts';

export interface ZooKeeperDetectorOptions {
  readonly servers: string;
  readonly path: string;
  readonly auth?: ZkAuth;
  /** Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Pause between attempts to reach ZooKeeper. Default 250 ms, doubling to the session timeout. */
  readonly retryMs?: number;
  readonly log?: Logger;
}

/** Starts following at once (in the background); `leader` is undefined until known. */
export function createZooKeeperDetector(opts: ZooKeeperDetectorOptions): Detector {
  const d = new ZooKeeperDetector(opts);
  void d.run();
  return d;
}

class ZooKeeperDetector implements Detector {
  private current: MasterInfo | undefined;
  private currentNode: string | undefined;
  private readonly listeners = new Set<(leader: MasterInfo | undefined) => void>();
  /** `detect()` calls waiting for a change; answered on the next change or on close. */
  private readonly waiters = new Set<(leader: MasterInfo | undefined) => void>();
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private session: ZkSession | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private refreshing = false;
  private again = false;

  constructor(private readonly opts: ZooKeeperDetectorOptions) {
    this.log = opts.log ?? silentLogger;
    this.timeoutMs = opts.sessionTimeoutMs ?? 10_000;
  }

  get leader(): MasterInfo | undefined {
    return this.current;
  }

  detect(previous?: MasterInfo): Promise<MasterInfo | undefined> {
    if (this.closed || !sameMaster(this.current, previous)) return Promise.resolve(this.current);
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  onChange(fn: (leader: MasterInfo | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private setLeader(info: MasterInfo | undefined, node: string | undefined): void {
    if (node === this.currentNode && sameMaster(info, this.current)) return;
    this.current = info;
    this.currentNode = node;
    this.log.info({ leader: info?.pid ?? info?.id, node }, info ? 'leading master detected' : 'no leading master');
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const fn of waiting) fn(info);
    for (const fn of [...this.listeners]) fn(info);
  }

  /** One session after another until closed. */
  async run(): Promise<void> {
    let pause = this.opts.retryMs ?? 250;
    while (!this.closed) {
      const r = await ZkSession.open({ servers: this.opts.servers, auth: this.opts.auth, sessionTimeoutMs: this.timeoutMs, log: this.log });
      if (this.closed) {
        if (r.ok) await r.value.close();
        return;
      }
      if (!r.ok) {
        this.log.warn({ error: r.error.message }, 'cannot reach ZooKeeper to detect the leader; retrying');
        this.setLeader(undefined, undefined);
        await this.sleep(pause);
        pause = Math.min(pause * 2, this.timeoutMs);
        continue;
      }
      pause = this.opts.retryMs ?? 250;
      const session = r.value;
      this.session = session;
      const ended = new Promise<void>((resolve) => session.onEnd(() => resolve()));
      session.onConnected(() => void this.refresh(session));
      void this.refresh(session);
      await ended;
      this.session = undefined;
      if (!this.closed) this.setLeader(undefined, undefined);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async refresh(session: ZkSession): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.again = false;
        await this.refreshOnce(session);
      } while (this.again && !session.ended && !this.closed);
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshOnce(session: ZkSession): Promise<void> {
    if (session.ended || this.closed) return;
    const watch = () => void this.refresh(session);
    const children = await session.getChildren(this.opts.path, watch);
    if (!children.ok) {
      if (children.error.code !== ZK.NO_NODE) return; // disconnected: the reconnection refreshes
      this.setLeader(undefined, undefined);
      // Wake up when the group node appears.
      const e = await session.exists(this.opts.path, watch);
      if (e.ok && e.value !== undefined) this.again = true;
      return;
    }
    const lowest = candidates(children.value)[0];
    if (!lowest) {
      this.setLeader(undefined, undefined);
      return;
    }
    const node = `${this.opts.path}/${lowest.name}`;
    const data = await session.getData(node);
    if (!data.ok) {
      if (data.error.code === ZK.NO_NODE) this.again = true; // gone meanwhile: the next lowest leads
      return;
    }
    const info = decodeMasterInfo(data.value.data);
    if (!info.ok) {
      this.log.error({ node, error: info.error }, 'the leading master node does not hold a MasterInfo');
      this.setLeader(undefined, node);
      return;
    }
    this.setLeader(info.value, node);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    await this.session?.close();
    for (const fn of this.waiters) fn(this.current);
    this.waiters.clear();
    this.listeners.clear();
  }
}
