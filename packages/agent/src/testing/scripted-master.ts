/**
 * A scripted master for tests: each connection is a MemoryChannelPair on a FakeClock, so
 * registration, pings and partitions run deterministically. By default it answers REGISTER_AGENT
 * with AGENT_REGISTERED (agent ID `S1`) and REREGISTER_AGENT with AGENT_REREGISTERED.
 */
import { err, internal, ok } from '@agora/protocol';
import { MemoryChannelPair, type Channel, type Clock } from '@agora/runtime';
import type { Connector, MasterChannel } from '../master/link.ts';

type AgentMessage = internal.AgentMessage;
type MasterMessage = internal.MasterMessage;

export const MASTER_INFO = { id: 'master-1', ip: 16777343, port: 5050, hostname: '127.0.0.1' };

export class ScriptedMaster {
  readonly pairs: MemoryChannelPair<MasterMessage, AgentMessage>[] = [];
  readonly received: AgentMessage[] = [];
  connectAttempts = 0;
  /** When set, connection attempts fail with this error. */
  refuse: string | undefined;
  autoRegister = true;
  /** When set, every STATUS_UPDATE is acknowledged as it arrives. */
  autoAck = false;
  agentId = 'S1';
  pingTimeoutSeconds: number | undefined = 75;
  private end: Channel<AgentMessage, MasterMessage> | undefined;

  constructor(private readonly clock: Clock) {}

  readonly connect: Connector = async () => {
    this.connectAttempts++;
    if (this.refuse !== undefined) return err(this.refuse);
    const pair = new MemoryChannelPair<MasterMessage, AgentMessage>(this.clock, { a: internal.AgentMessage, b: internal.MasterMessage }, 0, { a: 'master', b: 'agent' });
    this.pairs.push(pair);
    const masterEnd = pair.a as Channel<AgentMessage, MasterMessage>;
    this.end = masterEnd;
    masterEnd.onMessage((m) => this.onMessage(masterEnd, m));
    return ok(pair.b as MasterChannel);
  };

  /** The current connection's pair (for interceptors and `sever`). */
  get pair(): MemoryChannelPair<MasterMessage, AgentMessage> {
    const p = this.pairs[this.pairs.length - 1];
    if (!p) throw new Error('no connection yet');
    return p;
  }

  get isConnected(): boolean {
    return this.end?.isOpen ?? false;
  }

  send(msg: MasterMessage): void {
    this.end?.send(msg);
  }

  ping(connected = true): void {
    this.send({ type: 'PING', ping: { connected } });
  }

  /** Messages of one type received so far. */
  of<T extends AgentMessage['type']>(type: T): AgentMessage[] {
    return this.received.filter((m) => m.type === type);
  }

  /** Status updates received, as `task:STATE`. */
  updates(): string[] {
    return this.of('STATUS_UPDATE').map((m) => `${m.status_update!.update.status.task_id.value}:${m.status_update!.update.status.state}`);
  }

  /** Acknowledges every status update received so far that has not been acknowledged. */
  ackAll(): number {
    let n = 0;
    for (const m of this.of('STATUS_UPDATE')) {
      const u = m.status_update!.update;
      const key = `${u.framework_id.value}/${u.status.task_id.value}/${u.uuid}`;
      if (this.acked.has(key)) continue;
      this.acked.add(key);
      this.send({ type: 'STATUS_UPDATE_ACKNOWLEDGEMENT', status_update_acknowledgement: { framework_id: u.framework_id, task_id: u.status.task_id, uuid: u.uuid! } });
      n++;
    }
    return n;
  }

  private readonly acked = new Set<string>();

  private onMessage(from: Channel<AgentMessage, MasterMessage>, m: AgentMessage): void {
    this.received.push(m);
    if (this.autoAck && m.type === 'STATUS_UPDATE') {
      const u = m.status_update!.update;
      this.acked.add(`${u.framework_id.value}/${u.status.task_id.value}/${u.uuid}`);
      from.send({ type: 'STATUS_UPDATE_ACKNOWLEDGEMENT', status_update_acknowledgement: { framework_id: u.framework_id, task_id: u.status.task_id, uuid: u.uuid! } });
    }
    if (!this.autoRegister) return;
    const reply = { agent_id: { value: this.agentId }, master_info: MASTER_INFO, total_ping_timeout_seconds: this.pingTimeoutSeconds };
    if (m.type === 'REGISTER_AGENT') from.send({ type: 'AGENT_REGISTERED', agent_registered: reply });
    if (m.type === 'REREGISTER_AGENT') from.send({ type: 'AGENT_REREGISTERED', agent_reregistered: { ...reply, agent_id: m.reregister_agent!.agent_info.id! } });
  }
}

/** Lets pending promise callbacks (the connector's) run. */
export const flush = () => new Promise<void>((r) => setImmediate(r));
