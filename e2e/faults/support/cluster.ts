/**
 * The in-process cluster for fault scenarios (fault-scenarios.md §1.8–1.9): N masters sharing one
 * state store and a fake ZooKeeper, M agent hosts with real checkpoint directories, schedulers on
 * the v1 API — all on ONE FakeClock, every message through one FaultyNetwork. A scenario runs in
 * milliseconds and the same way every time.
 *
 *   const c = await Cluster.start({ masters: 2, agents: 2 });
 *   const s = c.scheduler('s1', { checkpoint: true, failover_timeout: 3600 });
 *   await c.settle();
 *   s.launch(['t1']); await c.settle();
 *   c.leader!.kill(); await c.advance(15_000);     // a standby leads after the session timeout
 *   ...
 *   await c.close();
 */
import { internal, ok, type FrameworkInfo } from '@agora/protocol';
import { FakeClock, MemoryChannelPair } from '@agora/runtime';
import { MemoryState } from '@agora/state';
import { acceptAgentChannel } from '../../../packages/master/src/agents/channel.ts';
import type { MasterConfig } from '../../../packages/master/src/config.ts';
import type { Connector, MasterChannel } from '../../../packages/agent/src/master/link.ts';
import { AgentNode } from './agent-node.ts';
import { FakeZooKeeper } from './election.ts';
import { MasterNode } from './master-node.ts';
import { SchedulerClient } from './scheduler-client.ts';
import { FaultyNetwork, type Link } from './transport.ts';

export interface ClusterOptions {
  masters?: number;
  agents?: number;
  /** Each agent's resources. */
  resources?: string;
  master?: Partial<MasterConfig>;
  zkSessionTimeoutMs?: number;
}

export const DEFAULT_RESOURCES = 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]';

export class Cluster {
  readonly clock = new FakeClock();
  readonly state = new MemoryState();
  readonly net: FaultyNetwork;
  readonly zk: FakeZooKeeper;
  readonly masters: MasterNode[] = [];
  readonly agents: AgentNode[] = [];
  readonly schedulers: SchedulerClient[] = [];
  private readonly masterConfig: Partial<MasterConfig>;

  private constructor(opts: ClusterOptions) {
    this.net = new FaultyNetwork(this.clock, (name) => this.masters.some((m) => m.name === name));
    this.zk = new FakeZooKeeper(this.clock, opts.zkSessionTimeoutMs ?? 10_000);
    this.masterConfig = opts.master ?? {};
    // Agents follow the leader as the ZooKeeper dialer makes them (master/leader-connector.ts):
    // on every change of leader, established links drop their channel and register again.
    this.zk.detector().onChange((leader) => {
      for (const a of this.agents) {
        if (a.zkCut || !a.life) continue;
        const state = a.life.link.state;
        if (state === 'registered' || state === 'registering') a.life.link.reconnect(leader ? `a new master leads: ${leader.id}` : 'no master leads');
      }
    });
  }

  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const c = new Cluster(opts);
    for (let i = 0; i < (opts.masters ?? 1); i++) await c.addMaster();
    await c.settle();
    for (let i = 0; i < (opts.agents ?? 1); i++) await c.addAgent(opts.resources);
    await c.until(() => c.agents.every((a) => a.registered), 60_000, 'agents to register');
    return c;
  }

  /** The master that leads and has recovered (serves calls), if any. */
  get leader(): MasterNode | undefined {
    return this.masters.find((m) => m.serving);
  }

  /** Starts a master process (a fresh one: masters keep nothing but the shared store). */
  async addMaster(config: Partial<MasterConfig> = {}): Promise<MasterNode> {
    const m = new MasterNode(`m${this.masters.length + 1}`, this.clock, this.state, this.zk, { ...this.masterConfig, ...config });
    this.masters.push(m);
    void m.contend();
    await this.settle();
    return m;
  }

  async addAgent(resources = DEFAULT_RESOURCES): Promise<AgentNode> {
    const name = `agent${this.agents.length + 1}`;
    const a = new AgentNode(name, resources, this.clock, this.connector(name));
    this.agents.push(a);
    const r = await a.start();
    if (!r.ok) throw new Error(r.error);
    await this.settle();
    return a;
  }

  /** The agent's way to the leader: a new channel through the faulty network, or "cannot connect". */
  private connector(name: string): Connector {
    return async () => {
      // An agent cut off from ZooKeeper ignores masters until it learns the leader again.
      if (this.agents.find((a) => a.name === name)?.zkCut) return { ok: false, error: 'no leader known (cut off from ZooKeeper)' };
      const leader = this.zk.leader && this.masters.find((m) => m.name === this.zk.leader!.id && !m.stopped);
      if (!leader) return { ok: false, error: 'no leading master reachable' };
      const pair = new MemoryChannelPair<internal.MasterMessage, internal.AgentMessage>(
        this.clock, { a: internal.AgentMessage, b: internal.MasterMessage }, 0, { a: leader.name, b: name },
      );
      this.net.attach({ master: leader.name, peer: name, pair } as Link);
      acceptAgentChannel(leader.master, pair.a);
      return ok(pair.b as MasterChannel);
    };
  }

  scheduler(name: string, info: Partial<FrameworkInfo> = {}): SchedulerClient {
    const s = new SchedulerClient(this, name, { user: 'root', name, failover_timeout: 0, checkpoint: false, ...info });
    this.schedulers.push(s);
    s.subscribe();
    return s;
  }

  /** Lets in-flight messages, zero-delay timers and promise chains (registry writes, connects) run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 12; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      this.clock.advance(0);
    }
  }

  /** Moves time forward in steps, settling in between, so timers and the work they start interleave. */
  async advance(ms: number, stepMs = 500): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.clock.advance(step);
      left -= step;
      await this.settle();
    }
  }

  /** Advances until `cond` holds (or fails after `maxMs` of cluster time). */
  async until(cond: () => boolean, maxMs = 600_000, what = 'condition', stepMs = 500): Promise<number> {
    const start = this.clock.now();
    await this.settle();
    while (!cond()) {
      if (this.clock.now() - start > maxMs) throw new Error(`timed out after ${maxMs} ms of cluster time waiting for ${what}`);
      await this.advance(stepMs, stepMs);
    }
    return this.clock.now() - start;
  }

  async close(): Promise<void> {
    for (const a of this.agents) {
      a.kill();
      a.remove();
    }
    for (const m of this.masters) m.master.stop();
  }
}
