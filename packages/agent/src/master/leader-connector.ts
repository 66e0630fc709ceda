/**
 * Dialing the master: a fixed address, or whichever master leads in ZooKeeper (`--master=zk://`).
 *
 * Contracts (Mesos's agent with a ZooKeeper detector):
 *  - With ZooKeeper, each connection attempt goes to the leader the detector sees at that moment;
 *    while it sees none (no master elected, or this agent is cut off from ZooKeeper) the attempt
 *    waits for one instead of failing, so the agent ignores masters until the leader is known.
 *  - When the leader changes (or disappears), the link drops its channel and registers again —
 *    with the new leader, which it re-registers with under its agent ID.
 *  - One detector (one ZooKeeper session) may serve many links (emulated agents share one).
 */
import { err, internal, type MasterInfo, type Result } from '@agora/protocol';
import { connectChannel, type Logger } from '@agora/runtime';
import { createMasterDetector, sameMaster, type Detector } from '@agora/state';
import type { Connector, MasterChannel, MasterLink } from './link.ts';
import type { MasterAddress } from './master-address.ts';

export interface MasterDialer {
  /** Opens a channel to the master (the leader, with ZooKeeper). */
  readonly connect: Connector;
  /** Makes `link` follow leadership changes (no-op for a fixed address). */
  follow(link: MasterLink): void;
  /** What to log as the master. */
  readonly description: string;
  close(): Promise<void>;
}

/** The agent channel's URL on a master that ZooKeeper names. */
export function channelUrlOf(info: MasterInfo): string {
  const host = info.address?.ip ?? info.address?.hostname ?? info.hostname ?? unpackIp(info.ip);
  return `ws://${host}:${info.address?.port ?? info.port}${internal.AGENT_CHANNEL_PATH}`;
}

const unpackIp = (ip: number): string => [ip & 255, (ip >>> 8) & 255, (ip >>> 16) & 255, (ip >>> 24) & 255].join('.');

const dial = (url: string): Promise<Result<MasterChannel, string>> => connectChannel<internal.MasterMessage, internal.AgentMessage>(url, internal.MasterMessage);

export function masterDialer(address: MasterAddress, opts: { logger: Logger; sessionTimeoutMs?: number }): Result<MasterDialer, string> {
  if (address.zk === undefined) {
    return { ok: true, value: { connect: () => dial(address.channelUrl), follow: () => {}, description: address.channelUrl, close: async () => {} } };
  }
  const detector = createMasterDetector(address.zk, { log: opts.logger, ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}) });
  if (!detector.ok) return err(detector.error);
  return { ok: true, value: zkDialer(detector.value, address.zk, opts.logger) };
}

export interface ZkDialerOptions {
  /**
   * Opens a channel to a URL (default: a WebSocket); emulated agents pass it through a Limiter.
   * `current()` says whether that URL still belongs to the leader: a dial that waited in a queue
   * past a leader change should not be made.
   */
  readonly dial?: (url: string, current: () => boolean) => Promise<Result<MasterChannel, string>>;
  /** How long one connection attempt keeps retrying a leader that does not answer. Default 20 s. */
  readonly patienceMs?: number;
}

/**
 * A dialer over any detector. A dial that fails does not fail the attempt at once: the leader's
 * znode outlives a crashed master by up to the session timeout, and a just-elected master
 * refuses agents for the moment it takes to claim the store. So the attempt waits for another
 * leader (or 0.5–1.5 s) and dials again, within `patienceMs`; only then does the link back off.
 */
export function zkDialer(detector: Detector, description: string, logger: Logger, opts: ZkDialerOptions = {}): MasterDialer {
  let closed = false;
  const links = new Set<MasterLink>();
  const open = opts.dial ?? dial;
  const patienceMs = opts.patienceMs ?? 20_000;
  let current: MasterInfo | undefined = detector.leader;
  const stopWatching = detector.onChange((leader) => {
    if (sameMaster(leader, current)) return;
    logger.info({ leader: leader?.pid ?? null }, leader ? 'new leading master detected' : 'no leading master; waiting for one');
    current = leader;
    // A link still connecting dials whoever leads when it tries; only established ones move.
    for (const link of links) {
      if (link.state === 'registered' || link.state === 'registering') link.reconnect(leader ? `a new master leads: ${leader.pid}` : 'no master leads');
    }
  });
  /** Resolves with the leader once it differs from `from`, or after `ms`. */
  const changeFrom = (from: MasterInfo, ms: number) =>
    new Promise<MasterInfo | undefined>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve(detector.leader);
      };
      const timer = setTimeout(done, ms);
      const off = detector.onChange((l) => {
        if (!sameMaster(l, from)) done();
      });
    });
  return {
    description,
    async connect() {
      const deadline = Date.now() + patienceMs;
      let leader = detector.leader ?? (await detector.detect());
      for (;;) {
        if (closed) return err('the agent is stopping');
        if (!leader) return err('no leading master detected');
        const target = leader;
        const r = await open(channelUrlOf(target), () => sameMaster(detector.leader, target));
        if (r.ok || Date.now() >= deadline || closed) return r;
        // Usually the leader is dead and its znode not yet expired: the next leader is what to wait
        // for. A live leader that refused (elected a moment ago) is tried again after 0.5–1.5 s.
        leader = (await changeFrom(target, 500 + Math.floor(Math.random() * 1000))) ?? (await detector.detect());
      }
    },
    follow(link) {
      links.add(link);
    },
    async close() {
      closed = true;
      links.clear();
      stopWatching();
      await detector.close();
    },
  };
}
