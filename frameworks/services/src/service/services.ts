/**
 * The services framework's owner: one instance holds the live state and is the only thing that
 * changes it. Every operation (API call, offer batch, status update, tick) runs in `serial`, one
 * at a time, so nothing acts on state read before an await. Persist first, then act: app
 * definitions, versions and deployments are written before a deployment starts, instance intents
 * before their LAUNCH, kill requests before their KILL.
 *
 * API operations return values (`Result<…, ApiError>`); the HTTP layer only formats them.
 */
import { err, ok, type Offer, type Result, type TaskStatus } from '@agora/protocol';
import type { Clock, Logger } from '@agora/runtime';
import { afterFailure } from '../core/backoff.ts';
import { advance, effectiveApps, isFinished, planDeployment, type Deployment } from '../core/deployment.ts';
import { conditionOf, countsForBackoff, isTerminal, type Instance } from '../core/instance.ts';
import { reconcile } from '../core/reconcile.ts';
import { appToJson } from '../model/app-json.ts';
import { SERVICE_PORT_RANGE } from '../model/defaults.ts';
import { appExists, appLocked, appNotFound, groupExists, type ApiError } from '../model/errors.ts';
import { isUnder } from '../model/path-id.ts';
import type { AppDefinition, AppSpec } from '../model/types.ts';
import { newConfigVersion, scalingVersion, versionAt } from '../model/version.ts';
import type { Repository } from '../store/repository.ts';
import type { EventBus } from './events.ts';
import type { MesosPort } from './mesos-port.ts';
import { ReadinessChecker } from './readiness.ts';
import { LiveState } from './state.ts';

export interface ServicesOptions {
  readonly repo: Repository;
  readonly clock: Clock;
  readonly uuid: () => string;
  readonly events: EventBus;
  readonly log: Logger;
  /** Instances not running after this long are killed and replaced (Marathon: 5 min). */
  readonly launchTimeoutMs?: number;
  /** Instances launched but not yet running, at most (see `reconcile`). */
  readonly launchWindow?: number;
  /** Instances placed on one offer per pass, at most. */
  readonly maxInstancesPerOffer?: number;
}

export interface DeploymentResult {
  readonly deploymentId: string;
  readonly version: string;
}

/** Fields whose change is applied without replacing tasks (Agora: label-only changes too). */
const NO_RESTART: readonly (keyof AppSpec)[] = [
  'instances', 'labels', 'upgradeStrategy', 'backoffSeconds', 'backoffFactor', 'maxLaunchDelaySeconds', 'killSelection', 'unreachableStrategy', 'dependencies',
];

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

export class Services {
  readonly state = new LiveState();
  private port: MesosPort | undefined;
  private queueTail: Promise<unknown> = Promise.resolve();
  private lastVersion = 0;
  private suppressed = false;
  private closed = false;
  private kicked = false;
  private kickFull = false;
  private gen = 0;
  private lastRevive = 0;
  private readonly killRetried = new Map<string, number>();

  private readonly readiness: ReadinessChecker;

  constructor(private readonly opts: ServicesOptions) {
    this.readiness = new ReadinessChecker(opts.clock, (id) => void this.markReady(id).catch((e: unknown) => opts.log.error({ err: e }, 'readiness update failed')));
  }

  /** A readiness check passed for an instance. */
  markReady(id: string): Promise<void> {
    return this.serial(async () => {
      const i = this.state.instances.get(id);
      if (!i || i.ready === true || i.state !== 'TASK_RUNNING') return;
      const next = { ...i, ready: true };
      const w = await this.opts.repo.putInstance(next);
      if (!w.ok) throw new Error(`state store write failed: ${w.error.message}`);
      this.state.instances.set(id, next);
      this.kick(this.restarting(i.appId));
    });
  }

  get now(): number {
    return this.opts.clock.now();
  }

  /**
   * Bumped after every serial operation: any state change happens inside one, so a view computed
   * at one generation stays valid until the next (GET /v2/apps caches on it).
   */
  get generation(): number {
    return this.gen;
  }

  /** Runs `fn` after every earlier operation; the only place state changes. */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queueTail.then(fn).finally(() => void this.gen++);
    this.queueTail = run.catch(() => undefined);
    return run;
  }

  /** Loads the stored state (on election, before subscribing). */
  async load(): Promise<Result<void, string>> {
    const snap = await this.opts.repo.load();
    if (!snap.ok) return err(`cannot load state: ${snap.error.message}`);
    return this.serial(() => {
      const s = this.state;
      s.apps.clear();
      s.deployments.clear();
      s.instances.clear();
      s.frameworkId = snap.value.frameworkId;
      for (const a of snap.value.apps) s.apps.set(a.id, a);
      for (const d of snap.value.deployments) s.deployments.set(d.id, d);
      for (const i of snap.value.instances) s.instances.set(i.id, i);
      return ok(undefined);
    });
  }

  attach(port: MesosPort | undefined): void {
    this.port = port;
  }

  close(): void {
    this.closed = true;
    this.port = undefined;
  }

  private nextVersion(): string {
    const t = Math.max(this.now, this.lastVersion + 1);
    this.lastVersion = t;
    return versionAt(t);
  }

  // ───────────── app operations ─────────────

  /** Gives app-assigned service ports to `port: 0` definitions, keeping the previous ones. */
  private withServicePorts(spec: AppSpec, prev: AppDefinition | undefined): AppSpec {
    if (spec.requirePorts) return spec;
    const used = this.state.usedServicePorts(spec.id);
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

  private define(spec: AppSpec, prev: AppDefinition | undefined, version: string, restart = false): AppDefinition {
    const s = this.withServicePorts(spec, prev);
    const versionInfo = prev && !restart && sameConfig(prev, s) ? scalingVersion(prev.versionInfo, version) : newConfigVersion(version);
    return { ...s, version, versionInfo };
  }

  /** Deployments that hold any of `ids`. */
  private conflicts(ids: readonly string[]): Deployment[] {
    return [...this.state.deployments.values()].filter((d) => d.affectedApps.some((a) => ids.includes(a)));
  }

  /**
   * The one way apps change: 409 while a deployment holds one of them (unless `force`, which
   * cancels those deployments as they are), then persist definitions and the plan, then act.
   */
  private async deploy(changes: Record<string, AppDefinition | null>, force: boolean, version: string, revertOf?: string): Promise<Result<Deployment, ApiError>> {
    const ids = Object.keys(changes);
    const blocking = this.conflicts(ids);
    if (blocking.length > 0 && !force) return err(appLocked(blocking.map((d) => d.id)));
    for (const d of blocking) await this.dropDeployment(d, 'canceled');
    const original: Record<string, AppDefinition | null> = {};
    for (const id of ids) original[id] = this.state.apps.get(id) ?? null;
    let plan = planDeployment(this.opts.uuid(), version, original, changes, this.now);
    if (revertOf !== undefined) plan = { ...plan, revertOf };
    for (const [id, def] of Object.entries(changes)) {
      const r = def === null ? await this.opts.repo.deleteApp(id) : await this.opts.repo.putApp(def);
      if (!r.ok) throw new Error(`state store write failed: ${r.error.message}`);
    }
    if (plan.steps.length > 0) {
      const r = await this.opts.repo.putDeployment(plan);
      if (!r.ok) throw new Error(`state store write failed: ${r.error.message}`);
      this.state.deployments.set(plan.id, plan);
    }
    for (const [id, def] of Object.entries(changes)) {
      if (def === null) {
        this.state.apps.delete(id);
        this.state.backoff.delete(id);
        this.state.queue.delete(id);
        this.opts.events.publish('app_terminated_event', { appId: id });
      } else {
        const prev = original[id];
        if (!prev || prev.versionInfo.lastConfigChangeAt !== def.versionInfo.lastConfigChangeAt) this.state.backoff.delete(id);
        this.state.apps.set(id, def);
      }
    }
    this.opts.events.publish('group_change_success', { groupId: '/', version });
    if (plan.steps.length > 0) this.opts.events.publish('deployment_info', { plan: planJson(plan), currentStep: plan.steps[0] });
    else this.opts.events.publish('deployment_success', { id: plan.id, plan: planJson(plan) });
    await this.step([]);
    return ok(plan);
  }

  createApp(spec: AppSpec, force: boolean): Promise<Result<{ app: AppDefinition; deployment: Deployment }, ApiError>> {
    return this.serial(async () => {
      if (this.state.apps.has(spec.id)) return err(appExists(spec.id));
      const version = this.nextVersion();
      const app = this.define(spec, undefined, version);
      this.opts.events.publish('api_post_event', { clientIp: '', uri: `/v2/apps${spec.id}`, appDefinition: appToJson(app) });
      const d = await this.deploy({ [app.id]: app }, force, version);
      return d.ok ? ok({ app, deployment: d.value }) : d;
    });
  }

  /** Replace or create (PUT/PATCH); `created` tells which happened. */
  putApp(spec: AppSpec, force: boolean): Promise<Result<DeploymentResult & { created: boolean; app: AppDefinition }, ApiError>> {
    return this.serial(async () => {
      const prev = this.state.apps.get(spec.id);
      const version = this.nextVersion();
      const app = this.define(spec, prev, version);
      this.opts.events.publish('api_post_event', { clientIp: '', uri: `/v2/apps${spec.id}`, appDefinition: appToJson(app) });
      const d = await this.deploy({ [app.id]: app }, force, version);
      return d.ok ? ok({ deploymentId: d.value.id, version, created: prev === undefined, app }) : d;
    });
  }

  /** Bulk create-or-update (PUT/PATCH /v2/apps with a list): one deployment for all. */
  putApps(specs: readonly AppSpec[], force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(async () => {
      const version = this.nextVersion();
      const changes: Record<string, AppDefinition> = {};
      for (const spec of specs) changes[spec.id] = this.define(spec, this.state.apps.get(spec.id), version);
      const d = await this.deploy(changes, force, version);
      return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
    });
  }

  restartApp(id: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(async () => {
      const prev = this.state.apps.get(id);
      if (!prev) return err(appNotFound(id));
      const version = this.nextVersion();
      const d = await this.deploy({ [id]: this.define(prev, prev, version, true) }, force, version);
      return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
    });
  }

  /** Rollback to a stored version (PUT `{"version": ts}`). */
  rollbackApp(id: string, to: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(async () => {
      const prev = this.state.apps.get(id);
      if (!prev) return err(appNotFound(id));
      const stored = await this.opts.repo.version(id, to);
      if (!stored.ok) throw new Error(`state store read failed: ${stored.error.message}`);
      if (!stored.value) return err({ status: 404, body: { message: `Version '${to}' of app '${id}' does not exist` } });
      const version = this.nextVersion();
      const d = await this.deploy({ [id]: this.define(stored.value, prev, version) }, force, version);
      return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
    });
  }

  deleteApp(id: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(async () => {
      if (!this.state.apps.has(id)) return err(appNotFound(id));
      const version = this.nextVersion();
      const d = await this.deploy({ [id]: null }, force, version);
      return d.ok ? ok({ deploymentId: d.value.id, version }) : d;
    });
  }

  /**
   * Kills instances (DELETE /v2/apps/{id}/tasks…, POST /v2/tasks/delete). With `scale`, their
   * apps' instance counts drop by as many (a deployment); without it they are replaced.
   */
  killInstances(ids: readonly string[], scale: boolean, force: boolean): Promise<Result<{ killed: Instance[]; deployment?: DeploymentResult }, ApiError>> {
    return this.serial(async () => {
      const found = ids.map((id) => this.state.instances.get(id)).filter((i): i is Instance => i !== undefined);
      let deployment: DeploymentResult | undefined;
      if (scale && found.length > 0) {
        const perApp = new Map<string, number>();
        for (const i of found) perApp.set(i.appId, (perApp.get(i.appId) ?? 0) + 1);
        const version = this.nextVersion();
        const changes: Record<string, AppDefinition> = {};
        for (const [appId, n] of perApp) {
          const prev = this.state.apps.get(appId);
          if (prev) changes[appId] = this.define({ ...prev, instances: Math.max(0, prev.instances - n) }, prev, version);
        }
        const blocking = this.conflicts(Object.keys(changes));
        if (blocking.length > 0 && !force) return err(appLocked(blocking.map((d) => d.id)));
        await this.requestKills(found);
        const d = await this.deploy(changes, true, version);
        if (!d.ok) return d;
        deployment = { deploymentId: d.value.id, version };
      } else {
        await this.requestKills(found);
      }
      return ok({ killed: found, ...(deployment ? { deployment } : {}) });
    });
  }

  /** DELETE /v2/deployments/{id}: revert (default) or just stop (`force`). */
  cancelDeployment(id: string, force: boolean): Promise<Result<DeploymentResult | undefined, ApiError>> {
    return this.serial(async () => {
      const d = this.state.deployments.get(id);
      if (!d) return err({ status: 404, body: { message: `DeploymentPlan ${id} does not exist` } });
      await this.dropDeployment(d, force ? 'canceled' : 'reverted');
      if (force) return ok(undefined);
      const r = await this.revert(d);
      return r.ok ? ok({ deploymentId: r.value.id, version: r.value.version }) : r;
    });
  }

  /** Agora: lets a canary deployment replace the rest of the instances. */
  promote(id: string): Promise<Result<void, ApiError>> {
    return this.serial(async () => {
      const d = this.state.deployments.get(id);
      if (!d) return err({ status: 404, body: { message: `DeploymentPlan ${id} does not exist` } });
      const next = { ...d, canaryPromoted: true };
      const w = await this.opts.repo.putDeployment(next);
      if (!w.ok) throw new Error(`state store write failed: ${w.error.message}`);
      this.state.deployments.set(id, next);
      await this.step([]);
      return ok(undefined);
    });
  }

  /** DELETE /v2/queue/{id}/delay. */
  resetDelay(appId: string): Promise<boolean> {
    return this.serial(async () => {
      if (!this.state.apps.has(appId)) return false;
      this.state.backoff.delete(appId);
      await this.revive();
      return true;
    });
  }

  private async revert(d: Deployment): Promise<Result<Deployment, ApiError>> {
    const version = this.nextVersion();
    const changes: Record<string, AppDefinition | null> = {};
    for (const id of d.affectedApps) {
      const before = d.original[id] ?? null;
      const cur = this.state.apps.get(id);
      changes[id] = before === null ? null : this.define(before, cur, version);
    }
    return this.deploy(changes, true, version, d.id);
  }

  private async dropDeployment(d: Deployment, why: 'canceled' | 'reverted' | 'finished' | 'failed'): Promise<void> {
    const r = await this.opts.repo.deleteDeployment(d.id);
    if (!r.ok) throw new Error(`state store write failed: ${r.error.message}`);
    this.state.deployments.delete(d.id);
    if (why === 'finished') this.opts.events.publish('deployment_success', { id: d.id, plan: planJson(d) });
    else this.opts.events.publish('deployment_failed', { id: d.id, plan: planJson(d), reason: why });
  }

  private async requestKills(list: readonly Instance[]): Promise<void> {
    const now = this.now;
    const marked = list.filter((i) => i.killRequestedAt === undefined).map((i) => ({ ...i, killRequestedAt: now }));
    await Promise.all(marked.map(async (i) => {
      const w = await this.opts.repo.putInstance(i);
      if (!w.ok) throw new Error(`state store write failed: ${w.error.message}`);
      this.state.instances.set(i.id, i);
    }));
    for (const i of list) {
      const grace = this.state.apps.get(i.appId)?.taskKillGracePeriodSeconds;
      void this.port?.kill(i.id, i.agentId, grace);
    }
  }

  private async expunge(i: Instance): Promise<void> {
    const r = await this.opts.repo.deleteInstance(i.id);
    if (!r.ok) throw new Error(`state store write failed: ${r.error.message}`);
    this.state.instances.delete(i.id);
    this.killRetried.delete(i.id);
  }

  private async revive(): Promise<void> {
    if (!this.port) return;
    this.suppressed = false;
    this.lastRevive = this.now;
    await this.port.revive();
  }

  /**
   * Group changes (POST/PUT/DELETE /v2/groups): `specs` become the apps under `groupId`; with
   * `prune`, apps under the group that are not in `specs` are removed. One deployment for all.
   * `dryRun` returns the plan without storing or doing anything.
   */
  applyGroup(groupId: string, specs: readonly AppSpec[], opts: { prune: boolean; force: boolean; dryRun: boolean; mustNotExist?: boolean; scaleBy?: number }): Promise<Result<{ deployment: Deployment; dryRun: boolean }, ApiError>> {
    return this.serial(async () => {
      const under = [...this.state.apps.values()].filter((a) => isUnder(a.id, groupId));
      if (opts.mustNotExist && under.length > 0) return err(groupExists(groupId));
      const version = this.nextVersion();
      const changes: Record<string, AppDefinition | null> = {};
      if (opts.scaleBy !== undefined) {
        for (const a of under) changes[a.id] = this.define({ ...a, instances: Math.round(a.instances * opts.scaleBy) }, a, version);
      } else {
        for (const spec of specs) changes[spec.id] = this.define(spec, this.state.apps.get(spec.id), version);
        if (opts.prune) for (const a of under) if (!(a.id in changes)) changes[a.id] = null;
      }
      if (opts.dryRun) {
        const original: Record<string, AppDefinition | null> = {};
        for (const id of Object.keys(changes)) original[id] = this.state.apps.get(id) ?? null;
        return ok({ deployment: planDeployment('dry-run', version, original, changes, this.now), dryRun: true });
      }
      const d = await this.deploy(changes, opts.force, version);
      return d.ok ? ok({ deployment: d.value, dryRun: false }) : d;
    });
  }

  /** Stored versions of an app, newest first. */
  async versions(id: string): Promise<string[]> {
    const r = await this.opts.repo.versions(id);
    if (!r.ok) throw new Error(`state store read failed: ${r.error.message}`);
    return r.value;
  }

  async version(id: string, version: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.opts.repo.version(id, version);
    if (!r.ok) throw new Error(`state store read failed: ${r.error.message}`);
    return r.value ? appToJson(r.value) : undefined;
  }

  // ───────────── the loop: offers, ticks, status updates ─────────────

  /** Offers from Mesos. */
  offers(offers: readonly Offer[]): Promise<void> {
    return this.serial(() => this.step(offers));
  }

  /**
   * Coalesces many status updates into one piece of work soon after them: a full step when
   * something ended (it may need replacing), else only moving deployments forward (an instance
   * became running, healthy or ready), which is much cheaper with thousands of instances.
   */
  private kick(full = true): void {
    this.kickFull ||= full;
    if (this.kicked || this.closed) return;
    this.kicked = true;
    this.opts.clock.setTimer(100, () => {
      this.kicked = false;
      const fullStep = this.kickFull;
      this.kickFull = false;
      const work = fullStep ? this.tick() : this.serial(() => this.advanceDeployments());
      void work.catch((e: unknown) => this.opts.log.error({ err: e }, 'services step failed'));
    });
  }

  /** Periodic work without offers: kills, deployments, timers. */
  tick(): Promise<void> {
    return this.serial(() => this.step([]));
  }

  private async step(offers: readonly Offer[]): Promise<void> {
    const s = this.state;
    const now = this.now;
    const out = reconcile({
      apps: effectiveApps(s.apps, [...s.deployments.values()]),
      instances: [...s.instances.values()],
      offers, now, backoff: s.backoff, newId: this.opts.uuid,
      ...(this.opts.launchTimeoutMs !== undefined ? { launchTimeoutMs: this.opts.launchTimeoutMs } : {}),
      ...(this.opts.launchWindow !== undefined ? { launchWindow: this.opts.launchWindow } : {}),
      ...(this.opts.maxInstancesPerOffer !== undefined ? { maxInstancesPerOffer: this.opts.maxInstancesPerOffer } : {}),
    });
    const port = this.port;
    // Intents first: a LAUNCH is sent only for instances already in the store.
    const launchable = port && !this.closed ? out.launches : [];
    const writes = await Promise.all(launchable.map((l) => this.opts.repo.putInstance(l.instance)));
    const byOffer = new Map<string, { offer: Offer; tasks: typeof out.launches }>();
    launchable.forEach((l, n) => {
      if (!writes[n]!.ok) return;
      s.instances.set(l.instance.id, l.instance);
      const slot = byOffer.get(l.offer.id.value) ?? { offer: l.offer, tasks: [] };
      slot.tasks.push(l);
      byOffer.set(l.offer.id.value, slot);
    });
    if (port) {
      for (const { offer, tasks } of byOffer.values()) {
        // A LAUNCH that failed in transit: ask the master, whose answer (TASK_LOST/UNKNOWN for a
        // task it never saw) expunges the intent and the instance is replaced.
        void port.launch(offer, tasks.map((t) => t.task)).then((sent) => {
          if (!sent) void port.reconcile(tasks.map((t) => ({ taskId: t.instance.id, agentId: t.instance.agentId })));
        });
        for (const t of tasks) this.opts.events.publish('instance_changed_event', instanceEvent(t.instance, 'Created'));
      }
      const unused = offers.filter((o) => !byOffer.has(o.id.value));
      // Short filters while instances are wanted (shortest while only the launch window holds them).
      void port.decline(unused, out.windowFull ? 0.2 : out.queue.length > 0 ? 1 : 30);
    }
    // Kills not confirmed within 30 s are sent again (at most every 30 s per instance).
    if (port && offers.length === 0) {
      for (const i of s.instances.values()) {
        if (i.killRequestedAt !== undefined && now - i.killRequestedAt > 30_000 && now - (this.killRetried.get(i.id) ?? 0) > 30_000) {
          this.killRetried.set(i.id, now);
          void port.kill(i.id, i.agentId);
        }
      }
    }
    const expunged = out.kills.filter((k) => k.reason === 'unreachable-expunged').map((k) => k.instance);
    await this.requestKills(out.kills.filter((k) => k.reason !== 'unreachable-expunged').map((k) => k.instance));
    for (const i of expunged) {
      void port?.kill(i.id, i.agentId);
      await this.expunge(i);
    }
    // Queue view for /v2/queue (kept across offer-less ticks).
    const wanting = new Set(out.queue.map((q) => q.appId));
    for (const q of out.queue) {
      const prev = s.queue.get(q.appId);
      if (offers.length === 0 && prev) s.queue.set(q.appId, { ...prev, count: q.count, delayed: q.delayed });
      else s.queue.set(q.appId, { ...q, since: prev?.since ?? now, ...(q.unusedOffers > 0 ? { lastUnusedOfferAt: now } : prev?.lastUnusedOfferAt !== undefined ? { lastUnusedOfferAt: prev.lastUnusedOfferAt } : {}) });
    }
    for (const id of [...s.queue.keys()]) if (!wanting.has(id)) s.queue.delete(id);
    if (port && !this.closed) {
      const demand = out.queue.some((q) => !q.delayed);
      // Revive when demand appears, and again while it lasts without offers (declined offers
      // are filtered for a while; a revive clears the filters).
      if (demand && (this.suppressed || (offers.length === 0 && now - this.lastRevive > 5000))) await this.revive();
      else if (!demand && !this.suppressed && s.queue.size === 0 && offers.length > 0) {
        this.suppressed = true;
        void port.suppress();
      }
    }
    await this.advanceDeployments();
    if (port && !this.closed) {
      const targets = [];
      for (const i of s.instances.values()) {
        const app = s.apps.get(i.appId);
        if (app && app.readinessChecks.length > 0 && i.state === 'TASK_RUNNING' && i.ready !== true && i.killRequestedAt === undefined) targets.push({ instance: i, app });
      }
      this.readiness.run(targets);
    }
  }

  private async advanceDeployments(): Promise<void> {
    const byApp = this.state.byApp();
    for (const d of [...this.state.deployments.values()]) {
      const r = advance(d, byApp, this.now);
      if (r.kind === 'finished' || isFinished(r.deployment)) {
        await this.dropDeployment(r.deployment, 'finished');
      } else if (r.kind === 'deadline') {
        this.opts.log.warn({ deployment: d.id }, 'deployment missed its progress deadline');
        await this.dropDeployment(r.deployment, 'failed');
        const rollback = d.affectedApps.some((id) => d.target[id]?.upgradeStrategy.autoRollback === true);
        if (rollback && d.revertOf === undefined) await this.revert(d);
      } else if (r.deployment !== d) {
        if (r.stepsDone > 0) {
          const w = await this.opts.repo.putDeployment(r.deployment);
          if (!w.ok) throw new Error(`state store write failed: ${w.error.message}`);
          this.opts.events.publish('deployment_step_success', { plan: planJson(r.deployment), currentStep: r.deployment.steps[r.deployment.currentStep] });
        }
        this.state.deployments.set(d.id, r.deployment);
      }
    }
  }

  /** Whether a running deployment replaces this app's instances (old ones are still to be killed). */
  private restarting(appId: string): boolean {
    for (const d of this.state.deployments.values()) {
      if (d.steps.some((st) => st.actions.some((a) => a.app === appId && a.action === 'RestartApplication'))) return true;
    }
    return false;
  }

  /** A status update from Mesos. */
  update(status: TaskStatus): Promise<void> {
    return this.serial(async () => {
      const s = this.state;
      const id = status.task_id.value;
      const prev = s.instances.get(id);
      const now = this.now;
      if (!prev) {
        // Not ours (any more): a task we never recorded, or one already expunged. Kill it.
        if (!isTerminal(status.state)) {
          this.opts.log.info({ task: id, state: status.state }, 'killing a task this framework does not know');
          void this.port?.kill(id, status.agent_id?.value);
        }
        return;
      }
      const next: Instance = {
        ...prev,
        state: status.state,
        ...(status.healthy !== undefined ? { healthy: status.healthy } : {}),
        ...(status.state === 'TASK_RUNNING' && prev.startedAt === undefined ? { startedAt: now } : {}),
        ...(status.state === 'TASK_UNREACHABLE' ? { unreachableSince: prev.unreachableSince ?? now } : {}),
        ...(status.message !== undefined ? { message: status.message } : {}),
      };
      if (status.state !== 'TASK_UNREACHABLE' && next.unreachableSince !== undefined) delete (next as { unreachableSince?: number }).unreachableSince;
      const app = s.apps.get(prev.appId);
      this.opts.events.publish('status_update_event', {
        slaveId: prev.agentId, taskId: id, taskStatus: status.state, message: status.message ?? '', appId: prev.appId, host: prev.host,
        ipAddresses: [], ports: prev.ports, version: prev.version,
      });
      if (prev.state !== next.state) this.opts.events.publish('instance_changed_event', instanceEvent(next, conditionOf(next.state)));
      if (status.healthy !== undefined && status.healthy !== prev.healthy) {
        this.opts.events.publish('health_status_changed_event', { appId: prev.appId, instanceId: id, version: prev.version, alive: status.healthy });
      }
      if (isTerminal(status.state)) {
        if (countsForBackoff(status.state) && prev.killRequestedAt === undefined && app) {
          s.backoff.set(app.id, afterFailure(s.backoff.get(app.id), app, prev.configVersion, now));
          s.lastFailure.set(app.id, {
            appId: app.id, host: prev.host, message: status.message ?? '', state: status.state, taskId: id, timestamp: new Date(now).toISOString(), version: prev.version,
          });
        }
        if (status.healthy === false && prev.killRequestedAt === undefined) {
          this.opts.events.publish('unhealthy_instance_kill_event', { appId: prev.appId, taskId: id, instanceId: id, version: prev.version, reason: status.message ?? '', host: prev.host, slaveId: prev.agentId });
        }
        await this.expunge(prev);
        if (app && this.suppressed) await this.revive();
        this.kick();
        return;
      }
      if (prev.state !== next.state || prev.healthy !== next.healthy) {
        const w = await this.opts.repo.putInstance(next);
        if (!w.ok) throw new Error(`state store write failed: ${w.error.message}`);
      }
      s.instances.set(id, next);
      // Unhealthy or unreachable instances may need replacing: a full step; otherwise only progress.
      // During a restart a newly healthy instance lets an old one go: a full step too.
      if (next.healthy === false || next.state === 'TASK_UNREACHABLE' || this.restarting(prev.appId)) this.kick(true);
      else if (next.state === 'TASK_RUNNING' || next.healthy !== prev.healthy) this.kick(false);
    });
  }

  /** After (re)subscribing: ask about every task we know, then about every task Mesos knows. */
  resubscribed(frameworkId: string): Promise<void> {
    return this.serial(async () => {
      if (this.state.frameworkId !== frameworkId) {
        const w = await this.opts.repo.setFrameworkId(frameworkId);
        if (!w.ok) throw new Error(`state store write failed: ${w.error.message}`);
        this.state.frameworkId = frameworkId;
      }
      const known = [...this.state.instances.values()].map((i) => ({ taskId: i.id, agentId: i.agentId }));
      if (known.length > 0) await this.port?.reconcile(known);
      // Kills asked for before a failover may never have reached the master: ask again.
      for (const i of this.state.instances.values()) {
        if (i.killRequestedAt !== undefined) void this.port?.kill(i.id, i.agentId, this.state.apps.get(i.appId)?.taskKillGracePeriodSeconds);
      }
      await this.port?.reconcile([]);
      this.suppressed = false;
      await this.port?.revive();
      this.opts.events.publish('scheduler_registered_event', { frameworkId, master: '' });
    });
  }
}

function instanceEvent(i: Instance, condition: string): Record<string, unknown> {
  return { instanceId: i.id, condition, runSpecId: i.appId, agentId: i.agentId, host: i.host, runSpecVersion: i.version };
}

function planJson(d: Deployment): Record<string, unknown> {
  return {
    id: d.id, version: d.version,
    original: { id: '/', apps: Object.values(d.original).filter((a) => a !== null).map((a) => appToJson(a!)) },
    target: { id: '/', apps: Object.values(d.target).filter((a) => a !== null).map((a) => appToJson(a!)) },
    steps: d.steps,
  };
}
