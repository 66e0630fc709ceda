/**
 * Kills: marking instances as being killed (persisted before the KILL is sent, so a new leader
 * sends it again), expunging ended ones, and the kill endpoints. Functions over the owner, run
 * inside its serial section.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Instance } from '../core/instance.ts';
import { appLocked, type ApiError } from '../model/errors.ts';
import type { AppDefinition } from '../model/types.ts';
import { define } from './definitions.ts';
import { conflicts, deploy } from './deployments.ts';
import { mustWrite, type DeploymentResult, type Owner } from './owner.ts';

/** Marks `list` killed (first time only: the first request time is kept), then sends KILLs. */
export async function requestKills(o: Owner, list: readonly Instance[]): Promise<void> {
  const now = o.now;
  const marked = list.filter((i) => i.killRequestedAt === undefined).map((i) => ({ ...i, killRequestedAt: now }));
  await Promise.all(marked.map(async (i) => {
    mustWrite(await o.opts.repo.putInstance(i));
    o.state.instances.set(i.id, i);
  }));
  for (const i of list) {
    const grace = o.state.apps.get(i.appId)?.taskKillGracePeriodSeconds;
    void o.port?.kill(i.id, i.agentId, grace);
  }
}

/** Forgets an instance for good (store first). */
export async function expunge(o: Owner, i: Instance): Promise<void> {
  mustWrite(await o.opts.repo.deleteInstance(i.id));
  o.state.instances.delete(i.id);
  o.killRetried.delete(i.id);
}

/**
 * Kills instances (DELETE /v2/apps/{id}/tasks…, POST /v2/tasks/delete). With `scale`, their
 * apps' instance counts drop by as many (a deployment); without it they are replaced.
 */
export async function killInstances(o: Owner, ids: readonly string[], scale: boolean, force: boolean): Promise<Result<{ killed: Instance[]; deployment?: DeploymentResult }, ApiError>> {
  const found = ids.map((id) => o.state.instances.get(id)).filter((i): i is Instance => i !== undefined);
  let deployment: DeploymentResult | undefined;
  if (scale && found.length > 0) {
    const perApp = new Map<string, number>();
    for (const i of found) perApp.set(i.appId, (perApp.get(i.appId) ?? 0) + 1);
    const version = o.nextVersion();
    const changes: Record<string, AppDefinition> = {};
    for (const [appId, n] of perApp) {
      const prev = o.state.apps.get(appId);
      if (prev) changes[appId] = define(o.state, { ...prev, instances: Math.max(0, prev.instances - n) }, prev, version);
    }
    const blocking = conflicts(o, Object.keys(changes));
    if (blocking.length > 0 && !force) return err(appLocked(blocking.map((d) => d.id)));
    await requestKills(o, found);
    const d = await deploy(o, changes, true, version);
    if (!d.ok) return d;
    deployment = { deploymentId: d.value.id, version };
  } else {
    await requestKills(o, found);
  }
  return ok({ killed: found, ...(deployment ? { deployment } : {}) });
}
