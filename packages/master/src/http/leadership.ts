/**
 * Whether this master serves requests or points elsewhere (Mesos `Master::Http::redirect`).
 *
 *  - A standalone master always leads.
 *  - With ZooKeeper a standby answers 307 with a protocol-relative `Location: //host:port<path>`
 *    (path and query kept) to the leader it detects, or 503 "No leader elected" when it knows
 *    none; an elected master answers 503 "Master has not finished recovery" until it has read
 *    the registry (`ready()`); a master that lost leadership answers 503 until it exits.
 */
import type { MasterInfo } from '@agora/protocol';
import type { FastifyReply, FastifyRequest } from '@agora/runtime';

export interface Leadership {
  /** Answers the request with 307/503 when this master is not the leader; true if it answered. */
  redirect(req: FastifyRequest, reply: FastifyReply): boolean;
  /** The leader has recovered and serves state-changing calls. */
  ready(): boolean;
  /** `//host:port` of the leader, if known (a leader names itself). */
  leaderAddress(): string | undefined;
}

export function standalone(self: string): Leadership {
  return { redirect: () => false, ready: () => true, leaderAddress: () => self };
}

/** `//host:port` of a master, as Mesos writes Location headers (its hostname, else its IP). */
export function masterAddress(info: MasterInfo): string {
  const host = info.hostname ?? info.address?.hostname ?? info.address?.ip ?? unpackIp(info.ip);
  return `//${host}:${info.address?.port ?? info.port}`;
}

const unpackIp = (ip: number): string => [ip & 255, (ip >>> 8) & 255, (ip >>> 16) & 255, (ip >>> 24) & 255].join('.');

export type ElectionState = 'standby' | 'recovering' | 'leading' | 'deposed';

/** The leadership of a master contending through ZooKeeper; `state` and `leader` are set by ha/election.ts. */
export class ElectedLeadership implements Leadership {
  state: ElectionState = 'standby';
  /** The leader the detector sees (possibly this master). */
  leader: MasterInfo | undefined;

  constructor(private readonly self: MasterInfo) {}

  redirect(req: FastifyRequest, reply: FastifyReply): boolean {
    if (this.state === 'leading' || this.state === 'recovering') return false;
    const target = this.state === 'deposed' ? undefined : this.leaderAddress();
    if (target === undefined) {
      reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('No leader elected');
    } else {
      reply.code(307).header('location', `${target}${req.url}`).send();
    }
    return true;
  }

  ready(): boolean {
    return this.state === 'leading';
  }

  leaderAddress(): string | undefined {
    if (this.state === 'leading' || this.state === 'recovering') return masterAddress(this.self);
    if (this.state === 'deposed') return undefined;
    // A standby that still sees itself as leader (its node not yet gone) must not point at itself.
    if (!this.leader || this.leader.id === this.self.id) return undefined;
    return masterAddress(this.leader);
  }
}
