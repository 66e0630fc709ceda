/**
 * A fake ZooKeeper for the in-process cluster: candidacies in order of arrival (the sequence of
 * `json.info_<seq>` nodes), the first live one leads, sessions expire on the shared FakeClock.
 * Only the coordination service is fake — masters go through their real election code
 * (`contend()` in packages/master/src/ha/election.ts): the elected contender claims the state
 * store's fencing epoch before it reports leadership, exactly as the ZooKeeper contender does,
 * and a lost candidacy makes the master abort.
 */
import { ok, type MasterInfo, type Result } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import type { Contender, ContenderState, Detector, Leadership, StateStore, StoreError } from '@agora/state';

type Listener<T> = (v: T) => void;

class FakeContender implements Contender {
  stateValue: ContenderState = 'idle';
  private electedFns: Array<Listener<Leadership>> = [];
  private lostFns: Array<Listener<string>> = [];
  private electedWith: Leadership | undefined;
  private lostWith: string | undefined;

  constructor(
    private readonly zk: FakeZooKeeper,
    readonly info: MasterInfo,
    readonly store: StateStore,
  ) {}

  get state(): ContenderState {
    return this.stateValue;
  }

  async contend(): Promise<Result<void, StoreError>> {
    if (this.stateValue !== 'idle') throw new Error(`contend() on a contender that is ${this.stateValue}`);
    this.stateValue = 'contending';
    this.zk.join(this);
    return ok(undefined);
  }

  onElected(fn: Listener<Leadership>): void {
    if (this.electedWith) fn(this.electedWith);
    else this.electedFns.push(fn);
  }

  onLost(fn: Listener<string>): void {
    if (this.lostWith !== undefined) fn(this.lostWith);
    else this.lostFns.push(fn);
  }

  async withdraw(): Promise<void> {
    this.stateValue = 'withdrawn';
    this.zk.leave(this);
  }

  elected(l: Leadership): void {
    if (this.stateValue !== 'contending') return;
    this.stateValue = 'elected';
    this.electedWith = l;
    for (const fn of this.electedFns.splice(0)) fn(l);
  }

  lost(reason: string): void {
    if (this.stateValue === 'withdrawn' || this.stateValue === 'lost') return;
    this.stateValue = 'lost';
    this.lostWith = reason;
    for (const fn of this.lostFns.splice(0)) fn(reason);
  }
}

export class FakeZooKeeper {
  private readonly queue: FakeContender[] = [];
  private leaderValue: FakeContender | undefined;
  private readonly watchers = new Set<Listener<MasterInfo | undefined>>();
  private readonly expiries = new Map<FakeContender, Timer>();
  /** Every leader ever elected, in order (two never overlap while both act: see the tests). */
  readonly history: string[] = [];

  constructor(
    private readonly clock: Clock,
    readonly sessionTimeoutMs: number,
  ) {}

  contender(info: MasterInfo, store: StateStore): Contender {
    return new FakeContender(this, info, store);
  }

  detector(): Detector {
    const current = () => this.leader;
    return {
      get leader() {
        return current();
      },
      detect: (previous) => new Promise((resolve) => {
        if (this.leader?.id !== previous?.id) return resolve(this.leader);
        const w = (l: MasterInfo | undefined) => {
          this.watchers.delete(w);
          resolve(l);
        };
        this.watchers.add(w);
      }),
      onChange: (fn) => {
        this.watchers.add(fn);
        return () => this.watchers.delete(fn);
      },
      close: async () => undefined,
    };
  }

  get leader(): MasterInfo | undefined {
    return this.leaderValue?.info;
  }

  join(c: FakeContender): void {
    this.queue.push(c);
    this.electNext();
  }

  leave(c: FakeContender): void {
    const i = this.queue.indexOf(c);
    if (i >= 0) this.queue.splice(i, 1);
    this.expiries.get(c)?.cancel();
    this.expiries.delete(c);
    if (this.leaderValue === c) {
      this.leaderValue = undefined;
      this.notify();
      this.electNext();
    }
  }

  /**
   * The session of `name`'s master ends now (a partition from ZooKeeper, or a SIGSTOP longer than
   * the session): its node goes, the master learns it lost its candidacy when `tell` is true (a
   * stopped process learns only when it resumes: call `tellLost` then), and the next one leads.
   */
  expire(masterId: string, tell = true): void {
    const c = this.queue.find((q) => q.info.id === masterId);
    if (!c) return;
    this.leave(c);
    if (tell) c.lost('ZooKeeper session expired');
    else this.silent.add(c);
  }

  private readonly silent = new Set<FakeContender>();

  /** A master whose session expired while it was stopped resumes and learns of it. */
  tellLost(masterId: string): void {
    for (const c of this.silent) {
      if (c.info.id !== masterId) continue;
      this.silent.delete(c);
      c.lost('ZooKeeper session expired (noticed on resume)');
    }
  }

  /** The master process died: its session expires after the session timeout. */
  processDied(masterId: string): void {
    const c = this.queue.find((q) => q.info.id === masterId);
    if (!c || this.expiries.has(c)) return;
    this.expiries.set(c, this.clock.setTimer(this.sessionTimeoutMs, () => {
      this.expiries.delete(c);
      this.leave(c);
    }));
  }

  private electNext(): void {
    if (this.leaderValue) return;
    const next = this.queue[0];
    if (!next) return;
    this.leaderValue = next;
    this.history.push(next.info.id);
    // The ZooKeeper contender claims the fencing epoch before it reports leadership.
    void next.store.claimEpoch().then((token) => {
      if (this.leaderValue !== next) return;
      if (!token.ok) {
        next.lost(`cannot claim the registry: ${token.error.message}`);
        return;
      }
      this.notify();
      next.elected({ fence: token.value, sequence: this.history.length });
    });
  }

  private notify(): void {
    for (const w of [...this.watchers]) w(this.leader);
  }
}
