/**
 * Election without ZooKeeper: a single master (`--zk` not given) is elected as soon as it
 * contends, and everyone else knows its address up front (`--master=host:port`). Fencing still
 * applies: with a store, the contender claims the fencing epoch before it reports leadership, so
 * a second master started by mistake on the same store deposes the first one's writes.
 */
import { err, ok, type MasterInfo, type Result } from '@agora/protocol';
import type { StateStore, StoreError } from '../store.ts';
import { sameMaster } from './master-info.ts';
import { Once, type Contender, type ContenderState, type Detector, type Leadership } from './election.ts';

export function createStandaloneContender(opts: { store?: StateStore } = {}): Contender {
  let state: ContenderState = 'idle';
  const elected = new Once<Leadership>();
  const lost = new Once<string>();
  return {
    get state() {
      return state;
    },
    async contend(): Promise<Result<void, StoreError>> {
      if (state !== 'idle') throw new Error(`contend() on a contender that is ${state} (contenders are single-use)`);
      state = 'contending';
      let leadership: Leadership = {};
      if (opts.store) {
        const r = await opts.store.claimEpoch();
        if (!r.ok) {
          state = 'idle';
          return err(r.error);
        }
        leadership = { fence: r.value };
      }
      if (state !== 'contending') return ok(undefined); // withdrawn meanwhile
      state = 'elected';
      elected.fire(leadership);
      return ok(undefined);
    },
    onElected: (fn) => elected.add(fn),
    onLost: (fn) => lost.add(fn),
    async withdraw() {
      if (state !== 'lost') state = 'withdrawn';
    },
  };
}

/** A detector whose leader never changes. */
export function createStandaloneDetector(leader: MasterInfo): Detector {
  const waiters = new Set<(l: MasterInfo | undefined) => void>();
  let closed = false;
  return {
    leader,
    detect(previous) {
      if (closed || !sameMaster(previous, leader)) return Promise.resolve(leader);
      return new Promise((resolve) => waiters.add(resolve));
    },
    onChange: () => () => undefined,
    async close() {
      closed = true;
      for (const w of waiters) w(leader);
      waiters.clear();
    },
  };
}
