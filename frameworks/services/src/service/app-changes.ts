/**
 * App and group changes from the API (create, replace, bulk, restart, rollback, delete, group
 * apply) and the stored versions they read. Each builds the new definitions at one fresh version
 * and hands them to `deploy` (one deployment per request). Functions over the owner, run inside
 * its serial section; results are values (`Result<…, ApiError>`).
 */
import { err, ok, type Result } from '@agora/protocol';
import { planDeployment, type Deployment } from '../core/deployment.ts';
import { appToJson } from '../model/app-json.ts';
import { appExists, appNotFound, groupExists, type ApiError } from '../model/errors.ts';
import { isUnder } from '../model/path-id.ts';
import type { AppDefinition, AppSpec } from '../model/types.ts';
import { define } from './definitions.ts';
import { deploy } from './deployments.ts';
import { revive } from './offers.ts';
import { mustRead, type DeploymentResult, type Owner } from './owner.ts';

export async function createApp(o: Owner, spec: AppSpec, force: boolean): Promise<Result<{ app: AppDefinition; deployment: Deployment }, ApiError>> {
  if (o.state.apps.has(spec.id)) return err(appExists(spec.id));
  const version = o.nextVersion();
  const app = define(o.state, spec, undefined, version);
  o.opts.events.publish('api_post_event', { clientIp: '', uri: `/v2/apps${spec.id}`, appDefinition: appToJson(app) });
  const d = await deploy(o, { [app.id]: app }, force, version);
  return d.ok ? ok({ app, deployment: d.value }) : d;
}

/** Replace or create (PUT/PATCH); `created` tells which happened. */
export async function putApp(o: Owner, spec: AppSpec, force: boolean): Promise<Result<DeploymentResult & { created: boolean; app: AppDefinition }, ApiError>> {
  const prev = o.state.apps.get(spec.id);
  const version = o.nextVersion();
  const app = define(o.state, spec, prev, version);
  o.opts.events.publish('api_post_event', { clientIp: '', uri: `/v2/apps${spec.id}`, appDefinition: appToJson(app) });
  const d = await deploy(o, { [app.id]: app }, force, version);
  return d.ok ? ok({ deploymentId: d.value.id, version, created: prev === undefined, app }) : d;
}

/** Bulk create-or-update (PUT/PATCH /v2/apps with a list): one deployment for all. */
export async function putApps(o: Owner, specs: readonly AppSpec[], force: boolean): Promise<Result<DeploymentResult, ApiError>> {
  const version = o.nextVersion();
  const changes: Record<string, AppDefinition> = {};
  for (const spec of specs) changes[spec.id] = define(o.state, spec, o.state.apps.get(spec.id), version);
  const d = await deploy(o, changes, force, version);
  return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
}

export async function restartApp(o: Owner, id: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
  const prev = o.state.apps.get(id);
  if (!prev) return err(appNotFound(id));
  const version = o.nextVersion();
  const d = await deploy(o, { [id]: define(o.state, prev, prev, version, true) }, force, version);
  return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
}

/** Rollback to a stored version (PUT `{"version": ts}`). */
export async function rollbackApp(o: Owner, id: string, to: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
  const prev = o.state.apps.get(id);
  if (!prev) return err(appNotFound(id));
  const stored = mustRead(await o.opts.repo.version(id, to));
  if (!stored) return err({ status: 404, body: { message: `Version '${to}' of app '${id}' does not exist` } });
  const version = o.nextVersion();
  const d = await deploy(o, { [id]: define(o.state, stored, prev, version) }, force, version);
  return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
}

export async function deleteApp(o: Owner, id: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
  if (!o.state.apps.has(id)) return err(appNotFound(id));
  const version = o.nextVersion();
  const d = await deploy(o, { [id]: null }, force, version);
  return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
}

export interface GroupChangeOptions {
  readonly prune: boolean;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly mustNotExist?: boolean;
  readonly scaleBy?: number;
}

/**
 * Group changes (POST/PUT/DELETE /v2/groups): `specs` become the apps under `groupId`; with
 * `prune`, apps under the group that are not in `specs` are removed. One deployment for all.
 * `dryRun` returns the plan without storing or doing anything.
 */
export async function applyGroup(o: Owner, groupId: string, specs: readonly AppSpec[], opts: GroupChangeOptions): Promise<Result<{ deployment: Deployment; dryRun: boolean }, ApiError>> {
  const under = [...o.state.apps.values()].filter((a) => isUnder(a.id, groupId));
  if (opts.mustNotExist && under.length > 0) return err(groupExists(groupId));
  const version = o.nextVersion();
  const changes: Record<string, AppDefinition | null> = {};
  if (opts.scaleBy !== undefined) {
    for (const a of under) changes[a.id] = define(o.state, { ...a, instances: Math.round(a.instances * opts.scaleBy) }, a, version);
  } else {
    for (const spec of specs) changes[spec.id] = define(o.state, spec, o.state.apps.get(spec.id), version);
    if (opts.prune) for (const a of under) if (!(a.id in changes)) changes[a.id] = null;
  }
  if (opts.dryRun) {
    const original: Record<string, AppDefinition | null> = {};
    for (const id of Object.keys(changes)) original[id] = o.state.apps.get(id) ?? null;
    return ok({ deployment: planDeployment('dry-run', version, original, changes, o.now), dryRun: true });
  }
  const d = await deploy(o, changes, opts.force, version);
  return d.ok ? ok({ deployment: d.value, dryRun: false }) : d;
}

/** DELETE /v2/queue/{id}/delay: forget the app's backoff and ask for offers again. */
export async function resetDelay(o: Owner, appId: string): Promise<boolean> {
  if (!o.state.apps.has(appId)) return false;
  o.state.backoff.delete(appId);
  await revive(o);
  return true;
}
