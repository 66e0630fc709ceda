/**
 * One master of the in-process cluster: the real `Master` with its real allocator, metrics and
 * election path, on the cluster's FakeClock and its own handle on the shared state store (a
 * failover is a new master on the same store). Only its I/O is replaced: agents reach it through
 * `acceptAgentChannel` over the faulty network, schedulers through the same functions the HTTP
 * endpoint calls.
 */
import type { MasterInfo } from '@agora/protocol';
import { MetricsRegistry, silentLogger, type FakeClock } from '@agora/runtime';
import type { MemoryState, StateStore } from '@agora/state';
import { AllocatorAdapter } from '../../../packages/master/src/allocation/adapter.ts';
import { testConfig, type MasterConfig } from '../../../packages/master/src/config.ts';
import { contend } from '../../../packages/master/src/ha/election.ts';
import { ElectedLeadership } from '../../../packages/master/src/http/leadership.ts';
import { Master } from '../../../packages/master/src/master.ts';
import { registerMasterMetrics } from '../../../packages/master/src/metrics.ts';
import { OperatorEvents } from '../../../packages/master/src/operator/event-stream.ts';
import type { FakeZooKeeper } from './election.ts';

export class MasterNode {
  readonly master: Master;
  readonly metrics = new MetricsRegistry();
  readonly leadership: ElectedLeadership;
  readonly store: StateStore;
  /** Why this master aborted ("committing suicide"), if it did. */
  readonly aborts: string[] = [];
  private streams = 0;

  constructor(
    readonly name: string,
    clock: FakeClock,
    state: MemoryState,
    readonly zk: FakeZooKeeper,
    config: Partial<MasterConfig>,
  ) {
    const cfg = testConfig(config);
    const info: MasterInfo = { id: name, ip: 16777343, port: 5050, hostname: name, pid: `master@${name}:5050`, version: '1.11.0' };
    this.store = state.connect();
    this.master = new Master({
      config: cfg,
      clock,
      allocator: new AllocatorAdapter({ allocationIntervalMs: cfg.allocationIntervalMs, minAllocatableResources: cfg.minAllocatable }, 42, silentLogger),
      uuid: () => `${name}-stream-${++this.streams}`,
      log: silentLogger,
      metrics: this.metrics,
      masterInfo: info,
      events: new OperatorEvents(clock, cfg.heartbeatIntervalMs, cfg.maxOperatorSubscribers),
    });
    const stop = this.master.abort;
    this.master.abort = (reason) => {
      this.aborts.push(reason);
      stop(reason);
    };
    registerMasterMetrics(this.metrics, this.master);
    this.leadership = new ElectedLeadership(info);
  }

  /** Registers the candidacy through the master's own election code. */
  contend(): Promise<void> {
    return contend(this.master, this.leadership, { contender: this.zk.contender(this.master.info, this.store), detector: this.zk.detector(), store: this.store });
  }

  /** Leading and recovered: serves scheduler calls (else the HTTP endpoint answers 307/503). */
  get serving(): boolean {
    return !this.master.isStopped && this.leadership.state === 'leading';
  }

  get stopped(): boolean {
    return this.master.isStopped;
  }

  /** A master metric, as /metrics/snapshot reports it. */
  metric(name: string): number {
    const v = this.metrics.snapshot()[name];
    if (v === undefined) throw new Error(`no metric ${name}`);
    return v;
  }

  /** SIGKILL: every connection drops at once; the ZooKeeper session lingers for its timeout. */
  kill(): void {
    this.master.stop();
    this.zk.processDied(this.name);
  }
}
