/**
 * Leader election and detection: the interfaces masters (and HA frameworks) contend through and
 * agents, the SDK and the CLI detect through. ZooKeeper implementations live in `zookeeper-*.ts`,
 * the single-master ones in `standalone.ts`.
 */
import type { MasterInfo, Result } from '@agora/protocol';
import type { FenceToken, StoreError } from '../store.ts';

export interface Leadership {
  /** The store's fencing token, claimed on election when the contender was given a store. */
  readonly fence?: FenceToken;
  /** ZooKeeper: this contender's election znode (`<path>/json.info_<seq>`) and its sequence. */
  readonly node?: string;
  readonly sequence?: number;
}

export type ContenderState = 'idle' | 'contending' | 'elected' | 'lost' | 'withdrawn';

/**
 * One candidacy. `contend()` registers it; `onElected` fires once when it leads (after the
 * fencing epoch is claimed, if a store was given); `onLost` fires once when a candidacy that was
 * registered ends for any reason but `withdraw()` — the session expired or went silent longer
 * than the session timeout, the election node was deleted. A master must stop acting as leader at
 * once on `lost` (Mesos exits). A contender is single-use: contend again with a new one.
 * Listeners added after the fact are called at once.
 */
export interface Contender {
  readonly state: ContenderState;
  /** Registers the candidacy. A failure (`UNAVAILABLE`, `DENIED`) leaves the contender idle: retry. */
  contend(): Promise<Result<void, StoreError>>;
  onElected(fn: (leadership: Leadership) => void): void;
  onLost(fn: (reason: string) => void): void;
  /** Gives up the candidacy (and the leadership): the next contender is elected at once. */
  withdraw(): Promise<void>;
}

/**
 * Who leads, as seen from anywhere (masters, agents, the SDK, the CLI). While ZooKeeper cannot be
 * reached for longer than the session timeout the leader is `undefined` ("ignore masters until
 * the leader is known again").
 */
export interface Detector {
  readonly leader: MasterInfo | undefined;
  /** Resolves with the leader as soon as it differs from `previous` (at once if it already does). */
  detect(previous?: MasterInfo): Promise<MasterInfo | undefined>;
  /** Called on every change of leader; returns a function that removes the listener. */
  onChange(fn: (leader: MasterInfo | undefined) => void): () => void;
  close(): Promise<void>;
}

/** A listener list that remembers a fired-once value for late listeners. */
export class Once<T> {
  private fns: Array<(v: T) => void> = [];
  private fired: { value: T } | undefined;

  add(fn: (v: T) => void): void {
    if (this.fired) fn(this.fired.value);
    else this.fns.push(fn);
  }

  fire(value: T): void {
    if (this.fired) return;
    this.fired = { value };
    for (const fn of this.fns.splice(0)) fn(value);
  }
}
