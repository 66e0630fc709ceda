/**
 * TCP probe: can a connection to `host:port` be established? (Mesos's `mesos-tcp-connect`.)
 * The socket is destroyed as soon as the answer is known, and at once on abort.
 *
 * Outcomes: `ok({type: TCP, tcp: {succeeded}})` — `succeeded: false` for a refused or failed
 * connection (Mesos cannot tell those apart from other errors of its helper, and reports them
 * all as a failed connection); `err` only when aborted (a connection attempt that hangs until the
 * timeout has no result).
 */
import { connect, type Socket } from 'node:net';
import { err, ok } from '@agora/protocol';
import { ABORTED, type Probe, type ProbeOutcome } from '../probe.ts';

export function tcpProbe(host: string, port: number): Probe {
  return (signal) => tryConnect(host, port, signal);
}

function tryConnect(host: string, port: number, signal: AbortSignal): Promise<ProbeOutcome> {
  if (signal.aborted) return Promise.resolve(err(ABORTED));
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let done = false;
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish(err(ABORTED));
    const result = (succeeded: boolean): ProbeOutcome => ok({ type: 'TCP', tcp: { succeeded } });
    try {
      socket = connect({ host, port });
    } catch {
      // An impossible port (out of range) throws synchronously: no connection can be made.
      finish(result(false));
      return;
    }
    socket.once('connect', () => finish(result(true)));
    socket.on('error', () => finish(result(false)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
