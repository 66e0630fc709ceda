/**
 * A master's candidacy in ZooKeeper, the way Mesos registers: an EPHEMERAL|SEQUENTIAL znode
 * `<path>/json.info_<seq>` holding the MasterInfo as compact sorted JSON, in a session of its
 * own. The candidate with the lowest sequence leads.
 *
 * Leadership ends the moment this process can no longer be sure it holds the lowest node:
 * - the session expired (told by the server on reconnection), or went silent for the session
 *   timeout (our heartbeat deadline, which fires no later than the server could expire us);
 * - our node disappeared (deleted by an operator or by ZooKeeper with the session).
 * `onLost` fires once for any of these; the master must step down at once (Mesos exits). Writes
 * are fenced too, so a leader that learns late still cannot write: on election the contender
 * claims the store's fencing epoch, naming its znode, and every fenced write checks both.
 */
import type { MasterInfo, Result } from '@agora/protocol';
import { err, ok } from '@agora/protocol';
import { silentLogger, type Logger } from '@agora/runtime';
import type { FenceToken, StateStore, StoreError } from '../store.ts';
import { storeError } from '../store.ts';
import { CreateMode, ZK, ZkSession, zkError } from '../zookeeper/session.ts';
import type { ZkAuth } from '../zookeeper/url.ts';
import { Once, type Contender, type ContenderState, type Leadership } from './election.ts';
import { candidates, encodeMasterInfo, MEMBER_PREFIX, memberSequence } from './master-info.ts';

export interface ZooKeeperContenderOptions {
  /** `host:port,host:port`. */
  readonly servers: string;
  /** The group node, e.g. `/agora` (created if missing). */
  readonly path: string;
  readonly auth?: ZkAuth;
  /** Default 10 s (Mesos's `--zk_session_timeout`). */
  readonly sessionTimeoutMs?: number;
  /** What the node holds. */
  readonly info: MasterInfo;
  /** When given, leadership is only reported once the fencing epoch was claimed in this store. */
  readonly store?: StateStore;
  readonly log?: Logger;
}

export function createZooKeeperContender(opts: ZooKeeperContenderOptions): Contender {
  return new ZooKeeperContender(opts);
}

class ZooKeeperContender implements Contender {
  private current: ContenderState = 'idle';
  private readonly log: Logger;
  private readonly elected = new Once<Leadership>();
  private readonly lost = new Once<string>();
  private session: ZkSession | undefined;
  private node: string | undefined;
  private sequence: number | undefined;
  /** Serializes leadership checks; a check requested while one runs runs once more after it. */
  private checking = false;
  private recheck = false;

  constructor(private readonly opts: ZooKeeperContenderOptions) {
    this.log = opts.log ?? silentLogger;
  }

  get state(): ContenderState {
    return this.current;
  }

  onElected(fn: (leadership: Leadership) => void): void {
    this.elected.add(fn);
  }

  onLost(fn: (reason: string) => void): void {
    this.lost.add(fn);
  }

  async contend(): Promise<Result<void, StoreError>> {
    if (this.current !== 'idle') throw new Error(`contend() on a contender that is ${this.current} (contenders are single-use)`);
    this.current = 'contending';
    const opened = await ZkSession.open({
      servers: this.opts.servers,
      auth: this.opts.auth,
      sessionTimeoutMs: this.opts.sessionTimeoutMs ?? 10_000,
      // Step down after 2/3 of the session timeout without an answer: the server cannot expire
      // us before the full timeout, so the next leader is elected ≥ T/3 after we stepped down.
      localExpiry: 2 / 3,
      log: this.log,
    });
    if (!opened.ok) {
      this.current = 'idle';
      return opened;
    }
    const session = opened.value;
    const fail = async (e: StoreError) => {
      await session.close();
      if (this.current === 'contending') this.current = 'idle';
      return err(e);
    };
    if (this.current !== 'contending') return fail(storeError('CLOSED', 'withdrawn while contending'));
    const base = await session.ensurePath(this.opts.path);
    if (!base.ok) return fail(zkError(base.error, `cannot create ${this.opts.path}`));
    const created = await session.create(`${this.opts.path}/${MEMBER_PREFIX}`, encodeMasterInfo(this.opts.info), CreateMode.EPHEMERAL_SEQUENTIAL);
    if (!created.ok) return fail(zkError(created.error, `cannot join the group at ${this.opts.path}`));
    this.session = session;
    this.node = created.value;
    this.sequence = memberSequence(created.value.slice(created.value.lastIndexOf('/') + 1));
    this.log.info({ node: this.node, session: session.sessionId }, 'contending for leadership');
    session.onEnd((reason, message) => this.end(`ZooKeeper session ${reason}: ${message}`));
    // Watches survive reconnection, but re-checking on every reconnection costs one read and
    // covers anything missed while disconnected.
    session.onConnected(() => void (this.current === 'elected' ? this.watchOwnNode(session) : this.check()));
    void this.check();
    return ok(undefined);
  }

  /** Re-reads the group; leads if our node is the lowest candidate, loses if it is gone. */
  private async check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        await this.checkOnce();
      } while (this.recheck && this.current === 'contending');
    } finally {
      this.checking = false;
    }
  }

  private async checkOnce(): Promise<void> {
    const session = this.session;
    if (!session || this.current !== 'contending') return;
    const children = await session.getChildren(this.opts.path, () => void this.check());
    if (!children.ok) {
      // Transient (disconnected): the reconnection triggers another check; an ended session ends us.
      if (children.error.code === ZK.NO_NODE) this.end(`the group node ${this.opts.path} was deleted`);
      return;
    }
    const mine = this.node!.slice(this.node!.lastIndexOf('/') + 1);
    const members = candidates(children.value);
    if (!members.some((m) => m.name === mine)) {
      this.end(`our election node ${this.node} is gone`);
      return;
    }
    if (members[0]!.name !== mine) return; // a lower candidate leads; its deletion wakes us
    await this.becomeLeader(session);
  }

  private async becomeLeader(session: ZkSession): Promise<void> {
    let fence: FenceToken | undefined;
    if (this.opts.store) {
      for (let attempt = 0; ; attempt++) {
        if (this.current !== 'contending' || session.ended) return;
        const r = await this.opts.store.claimEpoch({ leaderNode: this.node! });
        if (r.ok) {
          fence = r.value;
          break;
        }
        if (r.error.code === 'FENCED' || r.error.code === 'CLOSED' || r.error.code === 'DENIED') {
          this.end(`cannot claim the store: ${r.error.message}`);
          return;
        }
        // UNAVAILABLE: the store's own ZooKeeper session is reconnecting; keep trying while we hold the node.
        this.log.warn({ attempt, error: r.error.message }, 'claiming the fencing epoch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
    if (this.current !== 'contending' || session.ended) return;
    this.current = 'elected';
    const leadership: Leadership = {
      ...(fence ? { fence } : {}),
      node: this.node!,
      ...(this.sequence !== undefined ? { sequence: this.sequence } : {}),
    };
    this.log.info({ node: this.node, epoch: fence?.epoch }, 'elected leader');
    this.elected.fire(leadership);
    // Keep watching our own node: its deletion (by an operator) ends the leadership too.
    void this.watchOwnNode(session);
  }

  private async watchOwnNode(session: ZkSession): Promise<void> {
    if (this.current !== 'elected') return;
    const r = await session.exists(this.node!, () => void this.watchOwnNode(session));
    if (r.ok && r.value === undefined) this.end(`our election node ${this.node} was deleted`);
  }

  private end(reason: string): void {
    if (this.current === 'withdrawn' || this.current === 'lost' || this.current === 'idle') return;
    const wasLeader = this.current === 'elected';
    this.current = 'lost';
    this.log.warn({ node: this.node, wasLeader }, `candidacy lost: ${reason}`);
    void this.session?.close();
    this.lost.fire(reason);
  }

  async withdraw(): Promise<void> {
    if (this.current === 'withdrawn' || this.current === 'lost') return;
    this.current = 'withdrawn';
    // Closing the session deletes our ephemeral node at once: the next candidate takes over.
    await this.session?.close();
  }
}
