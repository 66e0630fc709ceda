/**
 * An executor's subscription over HTTP: the RecordIO stream (one record per chunk) and the
 * agent's HEARTBEAT events on it.
 */
import { encodeJson, type executor } from '@agora/protocol';
import { every, type Clock, type FastifyReply, type Timer } from '@agora/runtime';
import { RecordIOWriter } from '@agora/runtime';
import type { ExecutorSink } from '../core/model.ts';

export class HttpExecutorSink implements ExecutorSink {
  private readonly writer: RecordIOWriter;
  private heartbeat: Timer | undefined;

  constructor(reply: FastifyReply, clock: Clock, heartbeatMs: number, onClosed: (sink: HttpExecutorSink) => void) {
    this.writer = new RecordIOWriter(reply, {}, {
      onClose: () => {
        this.heartbeat?.cancel();
        this.heartbeat = undefined;
        onClosed(this);
      },
    });
    this.heartbeat = every(clock, heartbeatMs, () => this.send({ type: 'HEARTBEAT' }));
  }

  get closed(): boolean {
    return this.writer.closed;
  }

  send(event: executor.Event): void {
    this.writer.send(encodeJson(event));
  }

  close(): void {
    this.writer.end();
  }
}
