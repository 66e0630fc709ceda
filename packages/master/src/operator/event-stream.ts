/**
 * The operator event stream (`SUBSCRIBE` on `/api/v1`): every subscriber gets SUBSCRIBED with a
 * full GET_STATE, then TASK_ADDED / TASK_UPDATED / AGENT_* / FRAMEWORK_* events as they happen,
 * and HEARTBEATs. Events are serialised once and written to every stream. At most
 * `maxSubscribers` streams are kept (the oldest is dropped beyond that, as Mesos does); a
 * subscriber that falls behind is disconnected by its writer's buffer limit.
 */
import { encodeJson, type master } from '@agora/protocol';
import { every, type Clock, type EventStream, type Timer } from '@agora/runtime';

export class OperatorEvents {
  private subscribers: EventStream[] = [];
  private heartbeat: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly heartbeatIntervalMs: number,
    private readonly maxSubscribers: number,
  ) {}

  get count(): number {
    return this.subscribers.length;
  }

  subscribe(stream: EventStream, subscribed: master.Event): void {
    this.subscribers.push(stream);
    while (this.subscribers.length > this.maxSubscribers) this.subscribers.shift()!.end();
    stream.send(encodeJson(subscribed));
    this.heartbeat ??= every(this.clock, this.heartbeatIntervalMs, () => this.publish({ type: 'HEARTBEAT' }));
  }

  publish(event: master.Event): void {
    if (this.subscribers.length === 0) return;
    const json = encodeJson(event);
    let closed = false;
    for (const s of this.subscribers) if (!s.send(json)) closed = true;
    if (closed) this.subscribers = this.subscribers.filter((s) => !s.closed);
    if (this.subscribers.length === 0) {
      this.heartbeat?.cancel();
      this.heartbeat = undefined;
    }
  }

  closeAll(): void {
    for (const s of this.subscribers) s.end();
    this.subscribers = [];
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
  }
}
