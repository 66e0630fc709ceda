/**
 * Whether this master serves requests or points elsewhere. A standalone master always leads.
 * With ZooKeeper (a later issue) a standby answers 307 with a protocol-relative Location to the
 * leader (path and query kept), or 503 when no leader is elected, and a freshly elected leader
 * answers 503 until it has recovered the registry.
 */
import type { FastifyReply, FastifyRequest } from '@agora/runtime';

export interface Leadership {
  /** Answers the request with 307/503 when this master is not the leader; true if it answered. */
  redirect(req: FastifyRequest, reply: FastifyReply): boolean;
  /** The leader has recovered and serves state-changing calls. */
  ready(): boolean;
  /** `//host:port` of the leader, if known. */
  leaderAddress(): string | undefined;
}

export function standalone(self: string): Leadership {
  return { redirect: () => false, ready: () => true, leaderAddress: () => self };
}
