/**
 * The services framework's owner: one instance holds the live state and is the only thing that
 * changes it. Every operation (API call, offer batch, status update, tick) runs in `serial`, one
 * at a time, so nothing acts on state read before an await. Persist first, then act: app
 * definitions, versions and deployments are written before a deployment starts, instance intents
 * before their LAUNCH, kill requests before their KILL.
 *
 * The work itself lives in modules named for their concern, as functions over this owner (the
 * `Owner` contract in owner.ts): app-changes (API changes to apps and groups), group-versions
 * (group history reads and rollback), deployments (deploy, progress, revert), kills, offers (the reconcile pass, revive/suppress), task-updates
 * (status updates, resubscription, readiness). This class keeps the state, the queue, the Mesos
 * port and the coalescing of follow-up work, and wraps each operation in `serial`.
 *
 * API operations return values (`Result<…, ApiError>`); the HTTP layer only formats them.
 */
import { err, ok, type Offer, type Result, type TaskStatus } from '@agora/protocol';
import type { Deployment } from '../core/deployment.ts';
import type { Instance } from '../core/instance.ts';
import { appToJson } from '../model/app-json.ts';
import type { ApiError } from '../model/errors.ts';
import type { AppDefinition, AppSpec } from '../model/types.ts';
import { versionAt } from '../model/version.ts';
import * as changes from './app-changes.ts';
import { advanceDeployments, cancelDeployment, promote } from './deployments.ts';
import { groupVersion, groupVersions, rollbackGroup } from './group-versions.ts';
import { killInstances } from './kills.ts';
import { step } from './offers.ts';
import { mustRead, type DeploymentResult, type OfferFlow, type Owner, type ServicesOptions } from './owner.ts';
import type { MesosPort } from './mesos-port.ts';
import { ReadinessChecker } from './readiness.ts';
import { LiveState } from './state.ts';
import { markReady, resubscribed, statusUpdate } from './task-updates.ts';

export type { DeploymentResult, ServicesOptions } from './owner.ts';
export { sameConfig } from './definitions.ts';

export class Services implements Owner {
  readonly state = new LiveState();
  port: MesosPort | undefined;
  closed = false;
  readonly offerFlow: OfferFlow = { suppressed: false, lastRevive: 0 };
  readonly killRetried = new Map<string, number>();
  readonly readiness: ReadinessChecker;
  private queueTail: Promise<unknown> = Promise.resolve();
  private lastVersion = 0;
  private kicked = false;
  private kickFull = false;
  private gen = 0;

  constructor(readonly opts: ServicesOptions) {
    this.readiness = new ReadinessChecker(opts.clock, (id) => void this.markReady(id).catch((e: unknown) => opts.log.error({ err: e }, 'readiness update failed')));
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

  nextVersion(): string {
    const t = Math.max(this.now, this.lastVersion + 1);
    this.lastVersion = t;
    return versionAt(t);
  }

  // ───────────── API operations (each one serial operation) ─────────────

  createApp(spec: AppSpec, force: boolean): Promise<Result<{ app: AppDefinition; deployment: Deployment }, ApiError>> {
    return this.serial(() => changes.createApp(this, spec, force));
  }

  /** Replace or create (PUT/PATCH); `created` tells which happened. */
  putApp(spec: AppSpec, force: boolean): Promise<Result<DeploymentResult & { created: boolean; app: AppDefinition }, ApiError>> {
    return this.serial(() => changes.putApp(this, spec, force));
  }

  /** Bulk create-or-update (PUT/PATCH /v2/apps with a list): one deployment for all. */
  putApps(specs: readonly AppSpec[], force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(() => changes.putApps(this, specs, force));
  }

  restartApp(id: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(() => changes.restartApp(this, id, force));
  }

  /** Rollback to a stored version (PUT `{"version": ts}`). */
  rollbackApp(id: string, to: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(() => changes.rollbackApp(this, id, to, force));
  }

  deleteApp(id: string, force: boolean): Promise<Result<DeploymentResult, ApiError>> {
    return this.serial(() => changes.deleteApp(this, id, force));
  }

  /** See `app-changes.ts#applyGroup`. */
  applyGroup(groupId: string, specs: readonly AppSpec[], opts: changes.GroupChangeOptions): Promise<Result<{ deployment: Deployment; dryRun: boolean }, ApiError>> {
    return this.serial(() => changes.applyGroup(this, groupId, specs, opts));
  }

  /** PUT /v2/groups/{id} `{"version": ts}`: the group as it was at `to` (see group-versions.ts). */
  rollbackGroup(groupId: string, to: string, opts: { force: boolean; dryRun: boolean }): Promise<Result<{ deployment: Deployment; dryRun: boolean }, ApiError>> {
    return this.serial(() => rollbackGroup(this, groupId, to, opts));
  }

  /** Versions of a group, newest first (store reads; no state changes). */
  groupVersions(groupId: string): Promise<Result<string[], ApiError>> {
    return groupVersions(this, groupId);
  }

  /** The apps below a group at one of its versions (store reads; no state changes). */
  groupVersion(groupId: string, version: string): Promise<Result<AppDefinition[], ApiError>> {
    return groupVersion(this, groupId, version);
  }

  /**
   * Kills instances (DELETE /v2/apps/{id}/tasks…, POST /v2/tasks/delete). With `scale`, their
   * apps' instance counts drop by as many (a deployment); without it they are replaced.
   */
  killInstances(ids: readonly string[], scale: boolean, force: boolean): Promise<Result<{ killed: Instance[]; deployment?: DeploymentResult }, ApiError>> {
    return this.serial(() => killInstances(this, ids, scale, force));
  }

  /** DELETE /v2/deployments/{id}: revert (default) or just stop (`force`). */
  cancelDeployment(id: string, force: boolean): Promise<Result<DeploymentResult | undefined, ApiError>> {
    return this.serial(() => cancelDeployment(this, id, force));
  }

  /** Agora: lets a canary deployment replace the rest of the instances. */
  promote(id: string): Promise<Result<void, ApiError>> {
    return this.serial(() => promote(this, id));
  }

  /** DELETE /v2/queue/{id}/delay. */
  resetDelay(appId: string): Promise<boolean> {
    return this.serial(() => changes.resetDelay(this, appId));
  }

  /** Stored versions of an app, newest first (a store read; no state changes). */
  async versions(id: string): Promise<string[]> {
    return mustRead(await this.opts.repo.versions(id));
  }

  async version(id: string, version: string): Promise<Record<string, unknown> | undefined> {
    const v = mustRead(await this.opts.repo.version(id, version));
    return v ? appToJson(v) : undefined;
  }

  // ───────────── the loop: offers, ticks, status updates ─────────────

  /** Offers from Mesos. */
  offers(offers: readonly Offer[]): Promise<void> {
    return this.serial(() => step(this, offers));
  }

  /** Periodic work without offers: kills, deployments, timers. */
  tick(): Promise<void> {
    return this.serial(() => step(this, []));
  }

  step(offers: readonly Offer[]): Promise<void> {
    return step(this, offers);
  }

  /**
   * Coalesces many status updates into one piece of work soon after them: a full step when
   * something ended (it may need replacing), else only moving deployments forward (an instance
   * became running, healthy or ready), which is much cheaper with thousands of instances.
   */
  kick(full = true): void {
    this.kickFull ||= full;
    if (this.kicked || this.closed) return;
    this.kicked = true;
    this.opts.clock.setTimer(100, () => {
      this.kicked = false;
      const fullStep = this.kickFull;
      this.kickFull = false;
      const work = fullStep ? this.tick() : this.serial(() => advanceDeployments(this));
      void work.catch((e: unknown) => this.opts.log.error({ err: e }, 'services step failed'));
    });
  }

  /** A status update from Mesos. */
  update(status: TaskStatus): Promise<void> {
    return this.serial(() => statusUpdate(this, status));
  }

  /** After (re)subscribing: ask about every task we know, then about every task Mesos knows. */
  resubscribed(frameworkId: string): Promise<void> {
    return this.serial(() => resubscribed(this, frameworkId));
  }

  /** A readiness check passed for an instance. */
  markReady(id: string): Promise<void> {
    return this.serial(() => markReady(this, id));
  }
}
