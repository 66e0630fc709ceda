/**
 * Readiness checks, run by the framework (Marathon §1.3): for each running instance of an app
 * with a readiness check, GET `protocol://<agent ip>:<port named portName><path>` every
 * `intervalSeconds` until the status is one of `httpStatusCodesForReady`; then the instance is
 * ready and stays so. Probes run outside the owner's serial section; results come back through
 * `Services.markReady`. Readiness gates deployment progress, never liveness.
 */
import type { Clock } from '@agora/runtime';
import type { Instance } from '../core/instance.ts';
import type { AppDefinition, ReadinessCheck } from '../model/types.ts';

export interface ReadinessTarget {
  readonly instance: Instance;
  readonly app: AppDefinition;
}

/** The URL a readiness check probes, or undefined when its port cannot be found. */
export function readinessUrl(check: ReadinessCheck, app: AppDefinition, i: Instance): string | undefined {
  const index = app.portDefinitions.findIndex((d) => d.name === check.portName);
  const mIndex = app.container?.portMappings?.findIndex((m) => m.name === check.portName) ?? -1;
  const port = i.ports[index >= 0 ? index : mIndex];
  if (port === undefined) return undefined;
  return `${check.protocol.toLowerCase()}://${i.ip ?? i.host}:${port}${check.path}`;
}

export class ReadinessChecker {
  private readonly lastProbe = new Map<string, number>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly onReady: (instanceId: string) => void,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** Starts the probes that are due; forgets instances no longer listed. */
  run(targets: readonly ReadinessTarget[]): void {
    const now = this.clock.now();
    const live = new Set(targets.map((t) => t.instance.id));
    for (const id of this.lastProbe.keys()) if (!live.has(id)) this.lastProbe.delete(id);
    for (const { instance, app } of targets) {
      const check = app.readinessChecks[0];
      if (!check || this.inFlight.has(instance.id)) continue;
      const last = this.lastProbe.get(instance.id);
      if (last !== undefined && now - last < check.intervalSeconds * 1000) continue;
      const url = readinessUrl(check, app, instance);
      if (url === undefined) continue;
      this.lastProbe.set(instance.id, now);
      this.inFlight.add(instance.id);
      void this.fetchFn(url, { signal: AbortSignal.timeout(check.timeoutSeconds * 1000) })
        .then(async (res) => {
          await res.arrayBuffer().catch(() => undefined);
          if (check.httpStatusCodesForReady.includes(res.status)) this.onReady(instance.id);
        })
        .catch(() => undefined)
        .finally(() => this.inFlight.delete(instance.id));
    }
  }
}
