/**
 * A TCP proxy that can cut one client off from ZooKeeper while everyone else stays connected:
 * the network partition of the HA tests, without root or network namespaces.
 *
 * One listening port per target server; give the client `proxy.connectString` instead of the
 * ensemble's. `cut()` black-holes traffic (bytes are swallowed in both directions and new
 * connections are accepted and left silent), which is what a partition looks like to a client:
 * silence, not a reset. The server then expires the session after its timeout, and the client
 * notices by its own heartbeat deadline. `heal()` drops the black-holed connections (their byte
 * streams lost data and cannot be resumed) and forwards new ones again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ProxyTarget {
  readonly host?: string;
  readonly port: number;
}

interface Pair {
  readonly client: Socket;
  readonly upstream?: Socket;
}

export class PartitionProxy {
  private readonly pairs = new Set<Pair>();
  private holes = new Set<Socket>();
  private isCut = false;
  /** Bytes still to forward to clients before the connection carrying them is reset (one-shot). */
  private resetBudget: number | undefined;

  private constructor(
    private readonly listeners: Server[],
    readonly ports: readonly number[],
  ) {}

  /** Listens on one free 127.0.0.1 port per target. */
  static async start(targets: readonly ProxyTarget[]): Promise<PartitionProxy> {
    const listeners: Server[] = [];
    const ports: number[] = [];
    // The proxy object must exist before connections arrive; they are routed through `self`.
    const self: { proxy?: PartitionProxy } = {};
    for (const t of targets) {
      const server = createServer((client) => self.proxy!.accept(client, t));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      listeners.push(server);
      ports.push((server.address() as { port: number }).port);
    }
    self.proxy = new PartitionProxy(listeners, ports);
    return self.proxy;
  }

  /** `127.0.0.1:p1,127.0.0.1:p2,…`, for the client that is to be partitioned. */
  get connectString(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  get cutOff(): boolean {
    return this.isCut;
  }

  private accept(client: Socket, target: ProxyTarget): void {
    client.on('error', () => undefined);
    if (this.isCut) {
      this.blackHole(client);
      return;
    }
    const upstream = connect({ host: target.host ?? '127.0.0.1', port: target.port });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (this.resetBudget === undefined) {
        client.write(chunk);
        return;
      }
      if (chunk.length <= this.resetBudget) {
        this.resetBudget -= chunk.length;
        client.write(chunk);
        return;
      }
      // Forward exactly the budget, then reset both sides mid-stream.
      const head = chunk.subarray(0, this.resetBudget);
      this.resetBudget = undefined;
      client.write(head, () => {
        client.destroy();
        upstream.destroy();
      });
    });
    const done = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', done);
    upstream.once('close', done);
  }

  private blackHole(s: Socket): void {
    this.holes.add(s);
    s.on('data', () => undefined); // swallow
    s.once('close', () => this.holes.delete(s));
  }

  /**
   * Resets the connection that carries the next `bytes` bytes from server to client right after
   * forwarding them (a connection dropped in the middle of a reply). One-shot.
   */
  resetAfter(bytes: number): void {
    this.resetBudget = bytes;
  }

  /** Partitions the client: from now on nothing gets through, in either direction. */
  cut(): void {
    if (this.isCut) return;
    this.isCut = true;
    for (const p of [...this.pairs]) {
      this.pairs.delete(p);
      p.client.unpipe();
      p.upstream?.unpipe();
      p.client.removeAllListeners('close');
      p.upstream?.removeAllListeners('close');
      // The server side stops hearing from the client (its session will expire); the client
      // side stays open and silent.
      p.upstream?.destroy();
      this.blackHole(p.client);
    }
  }

  /** Ends the partition: silent connections are dropped and the client may connect again. */
  heal(): void {
    if (!this.isCut) return;
    this.isCut = false;
    for (const s of this.holes) s.destroy();
    this.holes = new Set();
  }

  /** Closes the listeners and every connection. */
  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    for (const s of this.holes) s.destroy();
    await Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
  }
}
