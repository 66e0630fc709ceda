/**
 * Deployments: the one way apps change, and how running deployments move, finish, fail and are
 * reverted. Functions over the owner, run inside its serial section.
 *
 * Contract of `deploy`: 409 (a value) while a deployment holds one of the apps, unless `force`,
 * which cancels those deployments as they are; then the new definitions (and their versions) and
 * the plan are persisted, and only then does memory change and work start (one reconcile pass).
 * Every deploy is one group version (`/v2/groups/{id}/versions`).
 */
import { err, ok, type Result } from '@agora/protocol';
import { advance, isFinished, planDeployment, type Deployment } from '../core/deployment.ts';
import { appToJson } from '../model/app-json.ts';
import { appLocked, type ApiError } from '../model/errors.ts';
import type { AppDefinition } from '../model/types.ts';
import { define } from './definitions.ts';
import { mustWrite, type DeploymentResult, type Owner } from './owner.ts';

/** Deployments that hold any of `ids`. */
export function conflicts(o: Owner, ids: readonly string[]): Deployment[] {
  return [...o.state.deployments.values()].filter((d) => d.affectedApps.some((a) => ids.includes(a)));
}

/** Applies `changes` (null = remove the app) as one deployment at `version`. */
export async function deploy(o: Owner, changes: Record<string, AppDefinition | null>, force: boolean, version: string, revertOf?: string): Promise<Result<Deployment, ApiError>> {
  const { state, opts } = o;
  const ids = Object.keys(changes);
  const blocking = conflicts(o, ids);
  if (blocking.length > 0 && !force) return err(appLocked(blocking.map((d) => d.id)));
  for (const d of blocking) await dropDeployment(o, d, 'canceled');
  const original: Record<string, AppDefinition | null> = {};
  for (const id of ids) original[id] = state.apps.get(id) ?? null;
  let plan = planDeployment(opts.uuid(), version, original, changes, o.now);
  if (revertOf !== undefined) plan = { ...plan, revertOf };
  for (const [id, def] of Object.entries(changes)) mustWrite(def === null ? await opts.repo.deleteApp(id, version) : await opts.repo.putApp(def));
  await recordGroupVersion(o, changes, version);
  if (plan.steps.length > 0) {
    mustWrite(await opts.repo.putDeployment(plan));
    state.deployments.set(plan.id, plan);
  }
  for (const [id, def] of Object.entries(changes)) {
    if (def === null) {
      state.apps.delete(id);
      state.backoff.delete(id);
      state.queue.delete(id);
      opts.events.publish('app_terminated_event', { appId: id });
    } else {
      const prev = original[id];
      if (!prev || prev.versionInfo.lastConfigChangeAt !== def.versionInfo.lastConfigChangeAt) state.backoff.delete(id);
      state.apps.set(id, def);
    }
  }
  opts.events.publish('group_change_success', { groupId: '/', version });
  if (plan.steps.length > 0) opts.events.publish('deployment_info', { plan: planJson(plan), currentStep: plan.steps[0] });
  else opts.events.publish('deployment_success', { id: plan.id, plan: planJson(plan) });
  await o.step([]);
  return ok(plan);
}

/**
 * Records the app tree after `changes` in the group history (one group version per change,
 * dry runs excepted). A failed record is a gap in the history, not a failed change: it is logged.
 */
async function recordGroupVersion(o: Owner, changes: Record<string, AppDefinition | null>, version: string): Promise<void> {
  const apps: Record<string, string> = {};
  for (const a of o.state.apps.values()) if (!(a.id in changes)) apps[a.id] = a.version;
  for (const [id, def] of Object.entries(changes)) if (def !== null) apps[id] = def.version;
  const r = await o.opts.repo.recordGroupVersion({ version, apps });
  if (!r.ok) o.opts.log.warn({ version, error: r.error.message }, 'group version not recorded; rolling back to it will not be possible');
}

/** A new deployment back to the definitions `d` started from (apps it created are removed). */
export async function revert(o: Owner, d: Deployment): Promise<Result<Deployment, ApiError>> {
  const version = o.nextVersion();
  const changes: Record<string, AppDefinition | null> = {};
  for (const id of d.affectedApps) {
    const before = d.original[id] ?? null;
    changes[id] = before === null ? null : define(o.state, before, o.state.apps.get(id), version);
  }
  return deploy(o, changes, true, version, d.id);
}

export async function dropDeployment(o: Owner, d: Deployment, why: 'canceled' | 'reverted' | 'finished' | 'failed'): Promise<void> {
  mustWrite(await o.opts.repo.deleteDeployment(d.id));
  o.state.deployments.delete(d.id);
  if (why === 'finished') o.opts.events.publish('deployment_success', { id: d.id, plan: planJson(d) });
  else o.opts.events.publish('deployment_failed', { id: d.id, plan: planJson(d), reason: why });
}

/**
 * Moves every running deployment forward: finished ones are dropped, ones past their progress
 * deadline fail (and are reverted with `autoRollback`), completed steps are persisted.
 */
export async function advanceDeployments(o: Owner): Promise<void> {
  const byApp = o.state.byApp();
  for (const d of [...o.state.deployments.values()]) {
    const r = advance(d, byApp, o.now);
    if (r.kind === 'finished' || isFinished(r.deployment)) {
      await dropDeployment(o, r.deployment, 'finished');
    } else if (r.kind === 'deadline') {
      o.opts.log.warn({ deployment: d.id }, 'deployment missed its progress deadline');
      await dropDeployment(o, r.deployment, 'failed');
      const rollback = d.affectedApps.some((id) => d.target[id]?.upgradeStrategy.autoRollback === true);
      if (rollback && d.revertOf === undefined) await revert(o, d);
    } else if (r.deployment !== d) {
      if (r.stepsDone > 0) {
        mustWrite(await o.opts.repo.putDeployment(r.deployment));
        o.opts.events.publish('deployment_step_success', { plan: planJson(r.deployment), currentStep: r.deployment.steps[r.deployment.currentStep] });
      }
      o.state.deployments.set(d.id, r.deployment);
    }
  }
}

/** Whether a running deployment replaces this app's instances (old ones are still to be killed). */
export function restarting(o: Owner, appId: string): boolean {
  for (const d of o.state.deployments.values()) {
    if (d.steps.some((st) => st.actions.some((a) => a.app === appId && a.action === 'RestartApplication'))) return true;
  }
  return false;
}

/** DELETE /v2/deployments/{id}: revert (default) or just stop (`force`). */
export async function cancelDeployment(o: Owner, id: string, force: boolean): Promise<Result<DeploymentResult | undefined, ApiError>> {
  const d = o.state.deployments.get(id);
  if (!d) return err({ status: 404, body: { message: `DeploymentPlan ${id} does not exist` } });
  await dropDeployment(o, d, force ? 'canceled' : 'reverted');
  if (force) return ok(undefined);
  const r = await revert(o, d);
  return r.ok ? ok({ deploymentId: r.value.id, version: r.value.version }) : r;
}

/** Agora: lets a canary deployment replace the rest of the instances. */
export async function promote(o: Owner, id: string): Promise<Result<void, ApiError>> {
  const d = o.state.deployments.get(id);
  if (!d) return err({ status: 404, body: { message: `DeploymentPlan ${id} does not exist` } });
  const next = { ...d, canaryPromoted: true };
  mustWrite(await o.opts.repo.putDeployment(next));
  o.state.deployments.set(id, next);
  await o.step([]);
  return ok(undefined);
}

/** A deployment plan as Marathon's events carry it. */
export function planJson(d: Deployment): Record<string, unknown> {
  return {
    id: d.id, version: d.version,
    original: { id: '/', apps: Object.values(d.original).filter((a) => a !== null).map((a) => appToJson(a!)) },
    target: { id: '/', apps: Object.values(d.target).filter((a) => a !== null).map((a) => appToJson(a!)) },
    steps: d.steps,
  };
}
