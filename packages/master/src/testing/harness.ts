/**
 * A deterministic master for tests (Nomad's scheduler Harness, Mesos's paused clock): the real
 * Master and allocator under a FakeClock, agents speaking the real agent protocol over an
 * in-memory channel (whose interceptors can drop or delay messages by type), and schedulers whose
 * event streams are in memory. Nothing here is a stand-in for master logic; only the transports
 * are replaced.
 */
import {
  decode, internal, scheduler, validateSchedulerCall, type AgoraError, type FrameworkInfo, type Result, type TaskState, type TaskStatus,
} from '@agora/protocol';
import { Resources } from '@agora/resources';
import { FakeClock, MemoryChannelPair, MetricsRegistry, silentLogger, type EventStream } from '@agora/runtime';
import { AllocatorAdapter } from '../allocation/adapter.ts';
import { testConfig, type MasterConfig } from '../config.ts';
import { Master } from '../master.ts';
import { OperatorEvents } from '../operator/event-stream.ts';
import { acceptAgentChannel } from '../agents/channel.ts';
import { handleCall } from '../scheduler/calls.ts';
import { subscribe } from '../scheduler/subscribe.ts';
import { registerMasterMetrics } from '../metrics.ts';
import type { RegistryPort } from '../registrar/registrar.ts';

/** An in-memory subscription stream that decodes what the master writes. */
export class MemoryStream implements EventStream {
  readonly events: scheduler.Event[] = [];
  closed = false;
  constructor(private readonly onClose: () => void) {}
  send(json: string): boolean {
    if (this.closed) return false;
    const r = decode(scheduler.Event, JSON.parse(json));
    if (!r.ok) throw new Error(`master wrote an event that does not decode: ${r.error.path}: ${r.error.message}`);
    this.events.push(r.value);
    return true;
  }
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
  /** The client goes away (the connection drops). */
  disconnect(): void {
    this.end();
  }
}

export class FakeScheduler {
  stream: MemoryStream | undefined;
  streamId: string | undefined;
  frameworkId: string | undefined;
  constructor(private readonly h: Harness, public info: FrameworkInfo) {}

  get events(): scheduler.Event[] {
    return this.stream?.events ?? [];
  }

  /** SUBSCRIBE (or re-SUBSCRIBE with the known ID). */
  subscribe(suppressedRoles: string[] = []): void {
    const info = this.frameworkId ? { ...this.info, id: { value: this.frameworkId } } : this.info;
    const call: scheduler.Call = { type: 'SUBSCRIBE', subscribe: { framework_info: info, ...(suppressedRoles.length ? { suppressed_roles: suppressedRoles } : {}) } };
    if (this.frameworkId) call.framework_id = { value: this.frameworkId };
    subscribe(this.h.master, call, (headers, onClose) => {
      this.streamId = headers['Mesos-Stream-Id'];
      this.stream = new MemoryStream(onClose);
      return this.stream;
    });
    const sub = this.events.find((e) => e.type === 'SUBSCRIBED');
    if (sub) this.frameworkId = sub.subscribed!.framework_id.value;
  }

  /** Any call after SUBSCRIBE, through the same validation as the HTTP endpoint. */
  call(call: Omit<scheduler.Call, 'framework_id'>): Result<200 | 202, AgoraError | string> {
    const full: scheduler.Call = { ...call, framework_id: { value: this.frameworkId! } };
    const problem = validateSchedulerCall(full);
    if (problem) return { ok: false, error: problem };
    const fw = this.h.master.frameworks.get(this.frameworkId!);
    if (!fw) return { ok: false, error: 'Framework cannot be found' };
    if (!fw.connected) return { ok: false, error: 'Framework is not subscribed' };
    return handleCall(this.h.master, fw, full, { recovering: (id) => this.h.master.isRecovering(id) });
  }

  ofType<T extends scheduler.Event['type']>(type: T): scheduler.Event[] {
    return this.events.filter((e) => e.type === type);
  }

  offers() {
    return this.ofType('OFFERS').flatMap((e) => e.offers!.offers ?? []);
  }

  /** Offers not yet used, declined or rescinded. */
  liveOffers() {
    const rescinded = new Set(this.ofType('RESCIND').map((e) => e.rescind!.offer_id.value));
    return this.offers().filter((o) => !rescinded.has(o.id.value) && this.h.master.offers.has(o.id.value));
  }

  updates(taskId?: string): TaskStatus[] {
    return this.ofType('UPDATE').map((e) => e.update!.status).filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  lastState(taskId: string): TaskState | undefined {
    return this.updates(taskId).at(-1)?.state;
  }
}

export class FakeAgent {
  readonly received: internal.MasterMessage[] = [];
  pair: MemoryChannelPair<internal.MasterMessage, internal.AgentMessage>;
  id: string | undefined;
  /** Answer PINGs automatically (turn off to simulate a hung agent). */
  answerPings = true;

  constructor(private readonly h: Harness, readonly hostname: string, readonly port: number) {
    this.pair = this.connect();
  }

  private connect(): MemoryChannelPair<internal.MasterMessage, internal.AgentMessage> {
    const pair = new MemoryChannelPair<internal.MasterMessage, internal.AgentMessage>(
      this.h.clock,
      { a: internal.AgentMessage, b: internal.MasterMessage },
      0,
      { a: 'master', b: `${this.hostname}:${this.port}` },
    );
    acceptAgentChannel(this.h.master, pair.a);
    pair.b.onMessage((msg) => {
      this.received.push(msg);
      if (msg.type === 'AGENT_REGISTERED') this.id = msg.agent_registered!.agent_id.value;
      if (msg.type === 'PING' && this.answerPings) pair.b.send({ type: 'PONG' });
    });
    return pair;
  }

  /** Opens a new channel (after the old one broke), as a real agent does before re-registering. */
  reconnect(): void {
    if (this.pair.b.isOpen) this.pair.sever('reconnecting');
    this.pair = this.connect();
  }

  send(msg: internal.AgentMessage): void {
    this.pair.b.send(msg);
  }

  register(resources: string): void {
    this.send({
      type: 'REGISTER_AGENT',
      register_agent: { agent_info: { hostname: this.hostname, port: this.port, resources: parseResources(resources) }, version: '1.11.0', ip: '127.0.0.1' },
    });
    this.h.settle();
  }

  ofType<T extends internal.MasterMessage['type']>(type: T): internal.MasterMessage[] {
    return this.received.filter((m) => m.type === type);
  }

  /** REREGISTER_AGENT with the tasks (and their frameworks) the agent still runs, as after a master failover. */
  reregister(resources: string, tasks: Array<{ frameworkId: string; taskId: string; state?: TaskState; resources?: string }>, frameworks: FrameworkInfo[]): void {
    this.send({
      type: 'REREGISTER_AGENT',
      reregister_agent: {
        agent_info: { hostname: this.hostname, port: this.port, id: { value: this.id! }, resources: parseResources(resources) },
        version: '1.11.0',
        ip: '127.0.0.1',
        tasks: tasks.map((t) => ({
          name: t.taskId,
          task_id: { value: t.taskId },
          framework_id: { value: t.frameworkId },
          agent_id: { value: this.id! },
          state: t.state ?? 'TASK_RUNNING',
          resources: parseResources(t.resources ?? 'cpus:1;mem:128').map((r) => ({ ...r, allocation_info: { role: '*' } })),
        })),
        frameworks,
      },
    });
    this.h.settle();
  }

  /** Sends a status update for a task as an executor would, through the agent. */
  update(frameworkId: string, taskId: string, state: TaskState, uuid: string, extra: Partial<TaskStatus> = {}): void {
    this.send({
      type: 'STATUS_UPDATE',
      status_update: {
        update: {
          framework_id: { value: frameworkId },
          agent_id: { value: this.id! },
          status: { task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: this.h.clock.now() / 1000, ...extra },
          timestamp: this.h.clock.now() / 1000,
          uuid,
          latest_state: state,
        },
      },
    });
    this.h.settle();
  }
}


function parseResources(text: string) {
  const r = Resources.parse(text);
  if (!r.ok) throw new Error(r.error);
  return r.value.toProto('POST_REFINEMENT');
}

let uuidCounter = 0;

/** A 16-byte uuid in base64 that differs per call. */
export function testUuid(): string {
  const bytes = new Uint8Array(16);
  let n = ++uuidCounter;
  for (let i = 15; i >= 0 && n > 0; i--, n = Math.floor(n / 256)) bytes[i] = n % 256;
  return btoa(String.fromCharCode(...bytes));
}

export class Harness {
  readonly clock = new FakeClock();
  readonly master: Master;
  readonly metrics = new MetricsRegistry();
  private uuids = 0;

  /** `masterId`: the master's ID (IDs it hands out start with it); `registry`: a durable registry to write through. */
  constructor(config: Partial<MasterConfig> = {}, opts: { masterId?: string; registry?: RegistryPort } = {}) {
    const cfg = testConfig(config);
    this.master = new Master({
      config: cfg,
      clock: this.clock,
      allocator: new AllocatorAdapter({ allocationIntervalMs: cfg.allocationIntervalMs, minAllocatableResources: cfg.minAllocatable }, 42, silentLogger),
      uuid: () => `stream-${++this.uuids}`,
      log: silentLogger,
      metrics: this.metrics,
      masterInfo: { id: opts.masterId ?? 'M', ip: 16777343, port: 5050, hostname: 'localhost', pid: 'master@127.0.0.1:5050', version: '1.11.0' },
      events: new OperatorEvents(this.clock, cfg.heartbeatIntervalMs, cfg.maxOperatorSubscribers),
    });
    this.master.registry = opts.registry;
    registerMasterMetrics(this.metrics, this.master);
    this.master.startAllocationLoop();
  }

  /** Like `settle`, and lets registry writes (promises) complete in between. */
  async flush(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      this.settle();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Delivers in-flight messages and runs pending zero-delay work (coalesced allocation). */
  settle(): void {
    for (let i = 0; i < 10; i++) this.clock.advance(0);
  }

  advance(ms: number): void {
    this.clock.advance(ms);
    this.settle();
  }

  agent(resources = 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]', hostname = `host${this.master.agents.size + 1}`, port = 5051): FakeAgent {
    const a = new FakeAgent(this, hostname, port);
    a.register(resources);
    return a;
  }

  scheduler(info: Partial<FrameworkInfo> = {}): FakeScheduler {
    const s = new FakeScheduler(this, { user: 'root', name: 'test', failover_timeout: 0, checkpoint: false, ...info });
    s.subscribe();
    this.settle();
    return s;
  }
}
