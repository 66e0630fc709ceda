/**
 * Deployments as plans of steps (Marathon §1.5). A plan is the diff of the apps before and after
 * a change: StopApplication steps first (dependents before their dependencies), then
 * Start/Scale/Restart in dependency order, one step per dependency level. Apps whose step has not
 * begun keep converging to their previous spec (`effectiveApps`). An action is done when its app
 * has converged: every instance on the new config, the target count, all healthy (and ready),
 * nothing still being killed.
 *
 * Agora's additions: a progress deadline (no improvement in `healthy new − old` for
 * `progressDeadlineSeconds` fails the deployment, and with `autoRollback` reverts it) and canary
 * restarts that stop after `canaryInstances` new instances until promoted.
 */
import type { AppDefinition } from '../model/types.ts';
import type { AppTarget } from './reconcile.ts';
import { isHealthy, type Instance } from './instance.ts';

export type ActionKind = 'StartApplication' | 'StopApplication' | 'ScaleApplication' | 'RestartApplication';

export interface DeploymentAction {
  readonly action: ActionKind;
  readonly app: string;
}

export interface Deployment {
  readonly id: string;
  readonly version: string;
  readonly affectedApps: readonly string[];
  readonly steps: readonly { readonly actions: readonly DeploymentAction[] }[];
  /** Index of the step in progress (= steps.length when finished). */
  readonly currentStep: number;
  /** Specs before (null: did not exist) and after (null: removed). */
  readonly original: Readonly<Record<string, AppDefinition | null>>;
  readonly target: Readonly<Record<string, AppDefinition | null>>;
  readonly startedAt: number;
  readonly lastProgressAt: number;
  readonly bestProgress: number;
  readonly canaryPromoted: boolean;
  /** Set on the deployment that undoes another (DELETE /v2/deployments/{id}, auto-rollback). */
  readonly revertOf?: string;
}

function actionFor(before: AppDefinition | null, after: AppDefinition | null): ActionKind | undefined {
  if (before === null && after !== null) return 'StartApplication';
  if (before !== null && after === null) return 'StopApplication';
  if (before === null || after === null) return undefined;
  if (before.versionInfo.lastConfigChangeAt !== after.versionInfo.lastConfigChangeAt) return 'RestartApplication';
  if (before.instances !== after.instances) return 'ScaleApplication';
  return undefined;
}

/** Dependency level of each app among `ids` (deps outside the plan are ignored; cycles cut). */
function levels(ids: readonly string[], deps: (id: string) => readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const inPlan = new Set(ids);
  const visit = (id: string, seen: Set<string>): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const l = Math.max(-1, ...deps(id).filter((d) => inPlan.has(d)).map((d) => visit(d, seen))) + 1;
    out.set(id, l);
    return l;
  };
  for (const id of ids) visit(id, new Set());
  return out;
}

export function planDeployment(
  id: string, version: string, original: Record<string, AppDefinition | null>, target: Record<string, AppDefinition | null>, now: number,
): Deployment {
  const ids = [...new Set([...Object.keys(original), ...Object.keys(target)])].sort();
  const actions = ids.map((app) => ({ app, action: actionFor(original[app] ?? null, target[app] ?? null) })).filter((a): a is DeploymentAction => a.action !== undefined);
  const stops = actions.filter((a) => a.action === 'StopApplication');
  const rest = actions.filter((a) => a.action !== 'StopApplication');
  const steps: { actions: DeploymentAction[] }[] = [];
  const deps = (x: string) => target[x]?.dependencies ?? original[x]?.dependencies ?? [];
  if (stops.length > 0) {
    const lv = levels(stops.map((s) => s.app), deps);
    const max = Math.max(...lv.values());
    for (let l = max; l >= 0; l--) steps.push({ actions: stops.filter((s) => lv.get(s.app) === l) });
  }
  if (rest.length > 0) {
    const lv = levels(rest.map((s) => s.app), deps);
    const max = Math.max(...lv.values());
    for (let l = 0; l <= max; l++) steps.push({ actions: rest.filter((s) => lv.get(s.app) === l) });
  }
  return {
    id, version, affectedApps: ids, steps: steps.filter((s) => s.actions.length > 0), currentStep: 0, original: { ...original }, target: { ...target },
    startedAt: now, lastProgressAt: now, bestProgress: Number.NEGATIVE_INFINITY, canaryPromoted: false,
  };
}

/** The step index of an app in a deployment (-1 when it has no action). */
export function stepOf(d: Deployment, appId: string): number {
  return d.steps.findIndex((s) => s.actions.some((a) => a.app === appId));
}

export function isFinished(d: Deployment): boolean {
  return d.currentStep >= d.steps.length;
}

function canaryOf(d: Deployment, app: AppDefinition): number | undefined {
  const c = app.upgradeStrategy.canaryInstances;
  if (c === undefined || c <= 0 || d.canaryPromoted) return undefined;
  const a = d.steps[stepOf(d, app.id)]?.actions.find((x) => x.app === app.id);
  return a?.action === 'RestartApplication' ? c : undefined;
}

/**
 * What the reconciler converges to: each stored app, except that apps of a running deployment
 * whose step has not begun keep their previous spec (or do not exist yet), and canaries hold.
 */
export function effectiveApps(apps: ReadonlyMap<string, AppDefinition>, deployments: readonly Deployment[]): AppTarget[] {
  const out = new Map<string, AppTarget>();
  for (const [id, app] of apps) out.set(id, { app });
  for (const d of deployments) {
    for (const id of d.affectedApps) {
      const step = stepOf(d, id);
      if (step < 0) continue;
      if (step > d.currentStep) {
        const prev = d.original[id] ?? null;
        if (prev === null) out.delete(id);
        else out.set(id, { app: prev });
        continue;
      }
      const cur = out.get(id);
      if (cur) {
        const canary = canaryOf(d, cur.app);
        if (canary !== undefined) out.set(id, { app: cur.app, canary });
      }
    }
  }
  return [...out.values()];
}

/** Whether an app has converged to `app` (or, for null, has no instances left). */
export function converged(app: AppDefinition | null, instances: readonly Instance[]): boolean {
  if (app === null) return instances.length === 0;
  const checks = { healthChecks: app.healthChecks.length > 0, readinessChecks: app.readinessChecks.length > 0 };
  return instances.length === app.instances && instances.every((i) => i.configVersion === app.versionInfo.lastConfigChangeAt && isHealthy(i, checks));
}

/** `healthy new − old` summed over a deployment's apps: what the progress deadline watches. */
export function progressOf(d: Deployment, byApp: ReadonlyMap<string, readonly Instance[]>): number {
  let p = 0;
  for (const id of d.affectedApps) {
    const app = d.target[id] ?? null;
    const list = byApp.get(id) ?? [];
    if (app === null) {
      p -= list.length;
      continue;
    }
    const checks = { healthChecks: app.healthChecks.length > 0, readinessChecks: app.readinessChecks.length > 0 };
    for (const i of list) {
      if (i.configVersion === app.versionInfo.lastConfigChangeAt) p += isHealthy(i, checks) ? 1 : 0;
      else p -= 1;
    }
  }
  return p;
}

export type Advance =
  | { readonly kind: 'running'; readonly deployment: Deployment; readonly stepsDone: number }
  | { readonly kind: 'finished'; readonly deployment: Deployment }
  | { readonly kind: 'deadline'; readonly deployment: Deployment };

/** Moves a deployment forward given the live instances. */
export function advance(d: Deployment, byApp: ReadonlyMap<string, readonly Instance[]>, now: number): Advance {
  let cur = d;
  let stepsDone = 0;
  while (!isFinished(cur)) {
    const step = cur.steps[cur.currentStep]!;
    const canaryWaiting = step.actions.some((a) => a.action === 'RestartApplication' && canaryOf(cur, cur.target[a.app]!) !== undefined);
    if (canaryWaiting || !step.actions.every((a) => converged(cur.target[a.app] ?? null, byApp.get(a.app) ?? []))) break;
    cur = { ...cur, currentStep: cur.currentStep + 1 };
    stepsDone++;
  }
  if (isFinished(cur)) return { kind: 'finished', deployment: cur };
  const progress = progressOf(cur, byApp);
  if (progress > cur.bestProgress || stepsDone > 0) cur = { ...cur, bestProgress: Math.max(progress, cur.bestProgress), lastProgressAt: now };
  const deadlines = cur.affectedApps.map((id) => cur.target[id]?.upgradeStrategy.progressDeadlineSeconds).filter((x): x is number => x !== undefined);
  if (deadlines.length > 0 && now - cur.lastProgressAt > Math.min(...deadlines) * 1000) return { kind: 'deadline', deployment: cur };
  return { kind: 'running', deployment: cur, stepsDone };
}

/** Marathon's JSON for GET /v2/deployments. */
export function deploymentJson(d: Deployment): Record<string, unknown> {
  const step = d.steps[d.currentStep];
  return {
    id: d.id,
    version: d.version,
    affectedApps: d.affectedApps,
    affectedPods: [],
    steps: d.steps.map((s) => ({ actions: s.actions })),
    currentActions: (step?.actions ?? []).map((a) => ({ ...a, readinessCheckResults: [] })),
    currentStep: Math.min(d.currentStep + 1, d.steps.length),
    totalSteps: d.steps.length,
    ...(d.affectedApps.some((id) => (d.target[id]?.upgradeStrategy.canaryInstances ?? 0) > 0) ? { canary: { promoted: d.canaryPromoted } } : {}),
  };
}
