/**
 * The app as Marathon writes it (GET /v2/apps/{id}, versions, events), and the one entry point
 * from a request body to a validated spec. `appToJson` output reads back with `readApp` to the
 * same spec (round trip), which is how partial updates start from a stored app.
 */
import { err, ok, type Result } from '@agora/protocol';
import { constraintToJson } from './constraint.ts';
import { invalidJson, parseJsonBody, type ApiError } from './errors.ts';
import { Reader } from './json-read.ts';
import { mergePatch, normalizeApp } from './normalize-app.ts';
import { readApp, type AppPatch } from './read-app.ts';
import type { AppDefinition, AppSpec } from './types.ts';

/** Marathon's JSON for an app spec (every canonical field, defaults included). */
export function appToJson(app: AppSpec | AppDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: app.id,
    ...(app.cmd !== undefined ? { cmd: app.cmd } : {}),
    ...(app.args !== undefined ? { args: app.args } : {}),
    ...(app.user !== undefined ? { user: app.user } : {}),
    env: app.env,
    instances: app.instances,
    cpus: app.cpus,
    mem: app.mem,
    disk: app.disk,
    gpus: app.gpus,
    executor: app.executor,
    constraints: app.constraints.map(constraintToJson),
    fetch: app.fetch,
    storeUrls: app.storeUrls,
    backoffSeconds: app.backoffSeconds,
    backoffFactor: app.backoffFactor,
    maxLaunchDelaySeconds: app.maxLaunchDelaySeconds,
    ...(app.container ? { container: app.container } : {}),
    healthChecks: app.healthChecks,
    readinessChecks: app.readinessChecks,
    ...(app.check ? { check: checkJson(app) } : {}),
    dependencies: app.dependencies,
    upgradeStrategy: app.upgradeStrategy,
    labels: app.labels,
    ...(app.acceptedResourceRoles ? { acceptedResourceRoles: app.acceptedResourceRoles } : {}),
    role: app.role,
    killSelection: app.killSelection,
    unreachableStrategy: app.unreachableStrategy,
    ...(app.taskKillGracePeriodSeconds !== undefined ? { taskKillGracePeriodSeconds: app.taskKillGracePeriodSeconds } : {}),
    secrets: app.secrets,
    networks: app.networks,
    portDefinitions: app.portDefinitions,
    requirePorts: app.requirePorts,
    ...(app.tty !== undefined ? { tty: app.tty } : {}),
    ...(app.executorResources ? { executorResources: app.executorResources } : {}),
    ...(app.resourceLimits ? { resourceLimits: app.resourceLimits } : {}),
  };
  if ('version' in app) {
    out.version = app.version;
    out.versionInfo = app.versionInfo;
  }
  return out;
}

function checkJson(app: AppSpec): Record<string, unknown> {
  const c = app.check!;
  return {
    ...(c.http ? { http: c.http } : {}),
    ...(c.tcp ? { tcp: c.tcp } : {}),
    ...(c.exec ? { exec: { command: { shell: c.exec.command } } } : {}),
    intervalSeconds: c.intervalSeconds,
    timeoutSeconds: c.timeoutSeconds,
    delaySeconds: c.delaySeconds,
  };
}

/** Reads a parsed JSON value as an app patch; shape errors are 422 "Invalid JSON". */
export function readAppPatch(value: unknown, path = '/'): Result<AppPatch, ApiError> {
  const r = new Reader();
  const patch = readApp(r, value, path);
  if (!r.ok || patch === undefined) return err(invalidJson(r.issues.length > 0 ? r.issues : [{ path, message: 'error.expected.jsobject' }]));
  return ok(patch);
}

/** The stored spec as a patch (the starting point of partial updates). */
export function specAsPatch(spec: AppSpec): AppPatch {
  const r = readAppPatch(JSON.parse(JSON.stringify(appToJson(spec))));
  if (!r.ok) throw new Error(`bug: stored app ${spec.id} does not read back: ${JSON.stringify(r.error.body)}`);
  return r.value;
}

export interface ParseAppOptions {
  /** The id from the URL (PUT /v2/apps/{id}): used when the body has none. */
  readonly id?: string;
  /** Partial update over this stored spec. */
  readonly base?: AppSpec;
}

/** Request body text → validated spec, or Marathon's 400/422 error value. */
export function parseAppBody(text: string, opts: ParseAppOptions = {}): Result<AppSpec, ApiError> {
  const json = parseJsonBody(text);
  if (!json.ok) return err(json.error);
  const patch = readAppPatch(json.value);
  if (!patch.ok) return patch;
  let p = patch.value;
  if (opts.id !== undefined && p.id === undefined) p = { ...p, id: opts.id };
  if (opts.base) p = mergePatch(specAsPatch(opts.base), p);
  return normalizeApp(p);
}
