/**
 * How a master becomes (and stops being) the leader.
 *
 *  - With ZooKeeper: the master contends (`Contender`, an ephemeral sequential `json.info_<seq>`
 *    node holding its MasterInfo) and watches who leads (`Detector`) so that, as a standby, it can
 *    redirect. Once elected — the contender has claimed the store's fencing epoch — it reads the
 *    registry through the fenced store, applies it (ha/recovery.ts), and only then serves. When
 *    the candidacy is lost (session expired or silent, node deleted) it aborts at once: Mesos's
 *    "Lost leadership... committing suicide!"; a supervisor restarts it as a fresh contender.
 *  - Standalone with a durable registry (file store): the master claims the epoch itself and
 *    recovers before it serves.
 *
 * Every registry write carries the fencing token, so a deposed leader that has not noticed yet
 * (it was SIGSTOPped, say) cannot change the registry: its first write fails and it aborts.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Contender, Detector, FenceToken, StateStore } from '@agora/state';
import type { ElectedLeadership } from '../http/leadership.ts';
import type { Master } from '../master.ts';
import { Registrar } from '../registrar/registrar.ts';
import { applyRecovery } from './recovery.ts';

export interface ElectionDeps {
  readonly contender: Contender;
  readonly detector: Detector;
  /** The registry's store (the contender claims its fencing epoch on election); none with `--registry=in_memory`. */
  readonly store: StateStore | undefined;
  /** Delay between attempts to register the candidacy while ZooKeeper cannot be reached. */
  readonly retryMs?: number;
}

/** Registers the candidacy (retrying while ZooKeeper is unreachable) and leads when elected. */
export async function contend(m: Master, leadership: ElectedLeadership, deps: ElectionDeps): Promise<void> {
  m.leading = false;
  m.recovered = false;
  leadership.leader = deps.detector.leader;
  deps.detector.onChange((leader) => {
    leadership.leader = leader;
  });
  deps.contender.onLost((reason) => {
    if (!m.isStopped) m.abort(`Lost leadership... committing suicide! (${reason})`);
  });
  deps.contender.onElected((l) => {
    if (deps.store && !l.fence) {
      m.abort('elected without a fencing token (the contender was not given the store)');
      return;
    }
    void becomeLeader(m, leadership, deps.store && l.fence ? { store: deps.store, fence: l.fence } : undefined);
  });
  for (;;) {
    if (m.isStopped) return;
    const r = await deps.contender.contend();
    if (r.ok) return;
    m.log.warn({ error: r.error.message }, 'cannot contend for leadership yet; retrying');
    await new Promise((resolve) => m.clock.setTimer(deps.retryMs ?? 1000, () => resolve(undefined)));
  }
}

/** A standalone master with a durable registry: it is the only writer, and says so to the store. */
export async function leadAlone(m: Master, store: StateStore): Promise<Result<void, string>> {
  const token = await store.claimEpoch();
  if (!token.ok) return err(`cannot claim the registry: ${token.error.code}: ${token.error.message}`);
  return recoverRegistry(m, store, token.value);
}

async function becomeLeader(m: Master, leadership: ElectedLeadership, registry: { store: StateStore; fence: FenceToken } | undefined): Promise<void> {
  if (m.isStopped) return;
  leadership.state = 'recovering';
  m.log.info({ epoch: registry?.fence.epoch, node: registry?.fence.leaderNode }, 'elected leader; recovering the registry');
  const r = registry ? await recoverRegistry(m, registry.store, registry.fence) : noRegistry(m);
  if (m.isStopped) return;
  if (!r.ok) {
    m.abort(r.error);
    return;
  }
  leadership.state = 'leading';
}

/** `--registry=in_memory`: nothing to recover; every agent that comes is new or unknown. */
function noRegistry(m: Master): Result<void, string> {
  m.leading = true;
  m.electedTime = m.clock.now();
  m.markRecovered();
  m.startAllocationLoop();
  return ok(undefined);
}

async function recoverRegistry(m: Master, store: StateStore, fence: FenceToken): Promise<Result<void, string>> {
  m.leading = true;
  m.recovered = false;
  m.electedTime = m.clock.now();
  const registrar = new Registrar(store.fenced(fence));
  const started = m.clock.now();
  const contents = await registrar.recover();
  if (!contents.ok) return err(`registry recovery failed: ${contents.error}`);
  m.log.info({ agents: contents.value.agents.size, ms: m.clock.now() - started }, 'registry read');
  if (m.isStopped) return ok(undefined);
  m.registry = registrar;
  applyRecovery(m, contents.value);
  m.startAllocationLoop();
  return ok(undefined);
}
