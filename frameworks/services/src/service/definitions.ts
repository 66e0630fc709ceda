/**
 * How an app spec becomes a stored definition: its version, whether the change replaces tasks
 * (`versionInfo.lastConfigChangeAt` moves only then), and cluster-unique service ports for
 * `port: 0`. Pure over the owner's state: called inside the serial section, writes nothing.
 */
import { appToJson } from '../model/app-json.ts';
import { SERVICE_PORT_RANGE } from '../model/defaults.ts';
import type { AppDefinition, AppSpec } from '../model/types.ts';
import { newConfigVersion, scalingVersion } from '../model/version.ts';
import type { LiveState } from './state.ts';

/** Fields whose change is applied without replacing tasks (Agora: label-only changes too). */
const NO_RESTART: readonly (keyof AppSpec)[] = [
  'instances', 'labels', 'upgradeStrategy', 'backoffSeconds', 'backoffFactor', 'maxLaunchDelaySeconds', 'killSelection', 'unreachableStrategy', 'dependencies',
];

/** Whether `a` and `b` differ only in fields that do not replace tasks. */
export function sameConfig(a: AppSpec, b: AppSpec): boolean {
  const strip = (s: AppSpec) => {
    const o: Record<string, unknown> = { ...appToJson(s) };
    for (const k of NO_RESTART) delete o[k];
    delete o.version;
    delete o.versionInfo;
    return JSON.stringify(o);
  };
  return strip(a) === strip(b);
}

/** Gives app-assigned service ports to `port: 0` definitions, keeping the previous ones. */
function withServicePorts(state: LiveState, spec: AppSpec, prev: AppDefinition | undefined): AppSpec {
  if (spec.requirePorts) return spec;
  const used = state.usedServicePorts(spec.id);
  let next = SERVICE_PORT_RANGE.min;
  const take = () => {
    while (used.has(next) && next < SERVICE_PORT_RANGE.max) next++;
    used.add(next);
    return next;
  };
  const portDefinitions = spec.portDefinitions.map((d, i) => {
    if (d.port !== 0) return d;
    const old = prev?.portDefinitions[i]?.port;
    return { ...d, port: old !== undefined && old !== 0 ? old : take() };
  });
  return { ...spec, portDefinitions };
}

/**
 * The definition `spec` becomes at `version`, replacing `prev`: a scaling version (tasks kept)
 * when only non-restarting fields changed, a new config version otherwise or when `restart`.
 */
export function define(state: LiveState, spec: AppSpec, prev: AppDefinition | undefined, version: string, restart = false): AppDefinition {
  const s = withServicePorts(state, spec, prev);
  const versionInfo = prev && !restart && sameConfig(prev, s) ? scalingVersion(prev.versionInfo, version) : newConfigVersion(version);
  return { ...s, version, versionInfo };
}
