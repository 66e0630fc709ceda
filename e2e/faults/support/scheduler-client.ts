/**
 * A scheduler of the in-process cluster, speaking the v1 scheduler API to whichever master leads:
 * SUBSCRIBE opens an event stream whose events cross the faulty network, and every later call
 * goes through the checks of `POST /api/v1/scheduler` (leader 307/503, framework known 400,
 * subscribed 403, Mesos-Stream-Id 400) before the master's own `handleCall`. It records what it
 * hears; whether it acknowledges updates is up to the test (`autoAck`).
 */
import {
  decode, scheduler, validateSchedulerCall, type FrameworkInfo, type Offer, type TaskInfo, type TaskState, type TaskStatus,
} from '@agora/protocol';
import type { EventStream } from '@agora/runtime';
import { handleCall } from '../../../packages/master/src/scheduler/calls.ts';
import { subscribe } from '../../../packages/master/src/scheduler/subscribe.ts';
import type { Cluster } from './cluster.ts';
import type { MasterNode } from './master-node.ts';

/** The event stream as the scheduler's HTTP connection: events cross the network, the end is seen at once. */
class NetworkStream implements EventStream {
  closed = false;
  constructor(
    private readonly client: SchedulerClient,
    private readonly from: string,
    private readonly onClose: () => void,
  ) {}

  send(json: string): boolean {
    if (this.closed) return false;
    const event = JSON.parse(json) as Record<string, unknown>;
    const { copies, delayMs } = this.client.cluster.net.verdict(this.from, this.client.name, event);
    for (let i = 0; i < copies; i++) {
      this.client.cluster.clock.setTimer(delayMs, () => this.client.receive(this, JSON.parse(json)));
    }
    return true;
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.streamEnded(this);
    this.onClose();
  }

  /** The scheduler drops the connection (it died, or reconnects). */
  disconnect(): void {
    this.end();
  }
}

export type CallResult = { ok: true; status: 200 | 202 } | { ok: false; status: number; message: string };

export class SchedulerClient {
  readonly events: scheduler.Event[] = [];
  frameworkId: string | undefined;
  streamId: string | undefined;
  /** Acknowledge every update with a uuid as it arrives. */
  autoAck = true;
  private stream: NetworkStream | undefined;
  private connectedTo: MasterNode | undefined;
  /** ERROR events and ends of the stream, in order (what a driver would report as `error`/`disconnected`). */
  readonly errors: string[] = [];
  disconnections = 0;

  constructor(
    readonly cluster: Cluster,
    readonly name: string,
    public info: FrameworkInfo,
  ) {}

  get connected(): boolean {
    return this.stream !== undefined && !this.stream.closed;
  }

  /** SUBSCRIBE to the leader (re-SUBSCRIBE with the known framework ID); returns the HTTP-level outcome. */
  subscribe(): CallResult {
    const leader = this.cluster.leader;
    if (!leader) return { ok: false, status: 503, message: 'No leader elected' };
    if (this.stream && !this.stream.closed) this.stream.disconnect();
    const info = this.frameworkId ? { ...this.info, id: { value: this.frameworkId } } : this.info;
    const call: scheduler.Call = { type: 'SUBSCRIBE', subscribe: { framework_info: info } };
    if (this.frameworkId) call.framework_id = { value: this.frameworkId };
    if (this.cluster.net.verdict(this.name, leader.name, call as Record<string, unknown>).copies === 0) return { ok: false, status: 0, message: 'connection failed' };
    this.connectedTo = leader;
    subscribe(leader.master, call, (headers, onClose) => {
      this.streamId = headers['Mesos-Stream-Id'];
      this.stream = new NetworkStream(this, leader.name, onClose);
      return this.stream;
    });
    return { ok: true, status: 200 };
  }

  /** A call other than SUBSCRIBE, with this client's stream ID. */
  call(call: Omit<scheduler.Call, 'framework_id'>, streamId = this.streamId): CallResult {
    const leader = this.cluster.leader;
    if (!leader) return { ok: false, status: 503, message: 'No leader elected' };
    const full = { ...call, framework_id: { value: this.frameworkId ?? '' } } as scheduler.Call;
    if (this.cluster.net.verdict(this.name, leader.name, full as Record<string, unknown>).copies === 0) return { ok: false, status: 0, message: 'connection failed' };
    const problem = validateSchedulerCall(full);
    if (problem) return { ok: false, status: 400, message: problem };
    const m = leader.master;
    const fw = m.frameworks.get(full.framework_id!.value);
    if (!fw) return { ok: false, status: 400, message: 'Framework cannot be found' };
    if (!fw.connected) return { ok: false, status: 403, message: 'Framework is not subscribed' };
    if (streamId !== fw.streamId) return { ok: false, status: 400, message: `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}` };
    const r = handleCall(m, fw, full, { recovering: (id) => m.isRecovering(id) });
    return r.ok ? { ok: true, status: r.value } : { ok: false, status: 400, message: r.error.message };
  }

  /** @internal An event arrives on a stream (ignored if that stream is no longer ours). */
  receive(from: NetworkStream, raw: unknown): void {
    if (from !== this.stream) return;
    const r = decode(scheduler.Event, raw);
    if (!r.ok) throw new Error(`undecodable event: ${r.error.message}`);
    const e = r.value;
    this.events.push(e);
    if (e.type === 'SUBSCRIBED') this.frameworkId = e.subscribed!.framework_id.value;
    if (e.type === 'ERROR') this.errors.push(e.error!.message);
    if (e.type === 'UPDATE' && this.autoAck) this.ack(e.update!.status);
  }

  /** @internal */
  streamEnded(s: NetworkStream): void {
    if (s !== this.stream) return;
    this.disconnections++;
  }

  /** The scheduler process dies (or its connection breaks): the master sees the stream close. */
  disconnect(): void {
    this.stream?.disconnect();
    this.stream = undefined;
  }

  ack(status: TaskStatus): CallResult | undefined {
    if (status.uuid === undefined || !status.agent_id) return undefined;
    return this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  }

  ofType(type: scheduler.Event['type']): scheduler.Event[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Offers still usable on the current master. */
  liveOffers(): Offer[] {
    const m = this.connectedTo?.master;
    return this.ofType('OFFERS').flatMap((e) => e.offers!.offers ?? []).filter((o) => m?.offers.has(o.id.value));
  }

  updates(taskId?: string): TaskStatus[] {
    return this.ofType('UPDATE').map((e) => e.update!.status).filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  /** `STATE` or `STATE:REASON` of every update for a task, in order. */
  history(taskId: string, withReason = true): string[] {
    return this.updates(taskId).map((s) => (withReason && s.reason ? `${s.state}:${s.reason}` : s.state));
  }

  lastState(taskId: string): TaskState | undefined {
    return this.updates(taskId).at(-1)?.state;
  }

  /** Launches command tasks on an offer (of `agentId`'s, if given). */
  launch(taskIds: string[], opts: { agentId?: string; offer?: Offer; command?: string } = {}): { offer: Offer; tasks: TaskInfo[]; result: CallResult } {
    const offer = opts.offer ?? this.liveOffers().find((o) => opts.agentId === undefined || o.agent_id.value === opts.agentId);
    if (!offer) throw new Error(`${this.name}: no live offer${opts.agentId ? ` on ${opts.agentId}` : ''}`);
    const tasks = taskIds.map((id): TaskInfo => ({
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      command: { shell: true, value: opts.command ?? 'sleep 1000' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
      ],
    }));
    const result = this.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } } });
    return { offer, tasks, result };
  }

  kill(taskId: string, agentId?: string): CallResult {
    return this.call({ type: 'KILL', kill: { task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) } });
  }

  reconcile(tasks: Array<{ taskId: string; agentId?: string }> = []): CallResult {
    return this.call({ type: 'RECONCILE', reconcile: { tasks: tasks.map((t) => ({ task_id: { value: t.taskId }, ...(t.agentId ? { agent_id: { value: t.agentId } } : {}) })) } });
  }

  teardown(): CallResult {
    return this.call({ type: 'TEARDOWN' });
  }
}
