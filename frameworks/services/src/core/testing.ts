/** Fixtures for the core's tests: offers, app definitions and instances. */
import type { Offer } from '@agora/protocol';
import { parseAppBody } from '../model/app-json.ts';
import type { AppDefinition } from '../model/types.ts';
import type { Instance } from './instance.ts';

export function offer(n: number, opts: { cpus?: number; mem?: number; ports?: [number, number]; attrs?: Record<string, string>; role?: string; hostname?: string } = {}): Offer {
  const role = opts.role ?? '*';
  const [pb, pe] = opts.ports ?? [31000, 31099];
  return {
    id: { value: `o${n}` }, framework_id: { value: 'fw' }, agent_id: { value: `a${n}` }, hostname: opts.hostname ?? `host${n}`,
    allocation_info: { role },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: opts.cpus ?? 4 }, allocation_info: { role } },
      { name: 'mem', type: 'SCALAR', scalar: { value: opts.mem ?? 4096 }, allocation_info: { role } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 10000 }, allocation_info: { role } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: pb, end: pe }] }, allocation_info: { role } },
    ],
    attributes: Object.entries(opts.attrs ?? {}).map(([name, value]) => ({ name, type: 'TEXT' as const, text: { value } })),
    executor_ids: [],
  } as Offer;
}

export function appDef(json: Record<string, unknown>, version = '2026-01-01T00:00:00.000Z'): AppDefinition {
  const r = parseAppBody(JSON.stringify({ cmd: 'sleep 1000', cpus: 0.1, mem: 32, ...json }));
  if (!r.ok) throw new Error(JSON.stringify(r.error.body));
  return { ...r.value, version, versionInfo: { lastScalingAt: version, lastConfigChangeAt: version } };
}

let seq = 0;
export function instance(app: AppDefinition, over: Partial<Instance> = {}): Instance {
  seq++;
  return {
    id: `${app.id.slice(1)}.i${seq}`, appId: app.id, version: app.version, configVersion: app.versionInfo.lastConfigChangeAt,
    agentId: 'a1', host: 'host1', fields: { hostname: 'host1' }, ports: [], state: 'TASK_RUNNING', healthy: true, stagedAt: seq, ...over,
  };
}

export function ids(): () => string {
  let n = 0;
  return () => `u${++n}`;
}
