/**
 * `network/ports`: every `--container-ports-watch-interval`, finds the TCP ports the container's
 * processes listen on (/proc/net/tcp{,6} sockets in LISTEN state, matched to the processes' open
 * socket inodes). A port outside the container's `ports` resources (with
 * `--check-agent-port-range-only`, only ports inside the agent's own ports range count) is logged;
 * with `--enforce-container-ports` it is a limitation (REASON_CONTAINER_LIMITATION) and the
 * container is destroyed, as in Mesos.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, Isolator, IsolatorContext, LaunchPrep, Limitation } from './isolator.ts';
import { inPorts, type ContainerLimits } from './limits.ts';

/** Listening sockets: inode → port. */
export function listeningSockets(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const port = parseInt(f[1]!.split(':')[1] ?? '', 16);
    if (Number.isFinite(port)) out.set(f[9]!, port);
  }
  return out;
}

function readListening(): Map<string, number> {
  const all = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const [inode, port] of listeningSockets(readFileSync(file, 'utf8'))) all.set(inode, port);
    } catch {
      // no IPv6
    }
  }
  return all;
}

function socketInodes(pid: number): string[] {
  const out: string[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.push(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

export interface PortsOptions {
  intervalMs: number;
  enforce: boolean;
  /** The agent's `ports` resource; with checkAgentRangeOnly, only ports inside it are checked. */
  agentPorts: Array<[number, number]>;
  checkAgentRangeOnly: boolean;
  logger: Logger;
}

export class NetworkPortsIsolator implements Isolator {
  readonly name = 'network/ports';
  private readonly allowed = new Map<string, Array<[number, number]>>();
  private readonly violations = new Map<string, number[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: IsolatorContext, private readonly opts: PortsOptions) {}

  async prepare(spec: ContainerSpec): Promise<Result<LaunchPrep | undefined, string>> {
    this.allowed.set(spec.containerId, spec.limits.ports);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.opts.intervalMs);
      this.timer.unref();
    }
    return ok(undefined);
  }

  async update(containerId: string, limits: ContainerLimits): Promise<Result<void, string>> {
    if (this.allowed.has(containerId)) this.allowed.set(containerId, limits.ports);
    return ok(undefined);
  }

  limitation(containerId: string): Limitation | undefined {
    const bad = this.violations.get(containerId);
    if (!this.opts.enforce || bad === undefined) return undefined;
    return { reason: 'REASON_CONTAINER_LIMITATION', message: `Container is listening on unallocated port(s): ${bad.join(', ')}` };
  }

  async cleanup(containerId: string): Promise<void> {
    this.allowed.delete(containerId);
    this.violations.delete(containerId);
    if (this.allowed.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One pass over every container (also called by tests). */
  check(): void {
    const listening = readListening();
    for (const [id, allowed] of this.allowed) {
      if (this.violations.has(id)) continue;
      const bad = new Set<number>();
      for (const pid of this.ctx.pids(id)) {
        for (const inode of socketInodes(pid)) {
          const port = listening.get(inode);
          if (port === undefined || inPorts(port, allowed)) continue;
          if (this.opts.checkAgentRangeOnly && !inPorts(port, this.opts.agentPorts)) continue;
          bad.add(port);
        }
      }
      if (bad.size === 0) continue;
      const ports = [...bad].sort((a, b) => a - b);
      this.violations.set(id, ports);
      this.opts.logger.warn({ containerId: id, ports, enforced: this.opts.enforce }, 'container is listening on ports it was not given');
    }
  }
}
