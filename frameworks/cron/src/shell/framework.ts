/**
 * The imperative shell: the cron engine as a framework on the SDK's scheduler driver.
 *
 * One async queue (`serial`) owns every engine call, so the engine sees one event at a time. The
 * order that makes runs exactly-once:
 *  1. the engine records an intent (QUEUED run, deterministic task ID) and the queue flushes it to
 *     the store; only persisted runs are launchable;
 *  2. on every SUBSCRIBED (first start, failover, re-subscription) nothing is launched until every
 *     active run has been reconciled explicitly with the master: a run the master never had is
 *     offered again under the same ID, one it had is adopted in its current state;
 *  3. a status update is persisted before `update()` returns, and the driver acknowledges it only
 *     then, so the master keeps reporting a finished task until its end is on disk.
 * Besides, every `reconciliationIntervalMs` (Chronos's --reconciliation_interval) the launched runs
 * are reconciled explicitly again, so a run whose update went missing (an agent or master that
 * lost it) is found out; unlike the reconciliation on SUBSCRIBED it does not hold launches back.
 * Offers are held (not declined) for `offerHoldMs` so that a run due in the next few seconds
 * starts at once, then declined; `revive` asks for more when work waits and none are held.
 */
import type { Offer, TaskStatus } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import { matchOffers, SchedulerDriver, buildCommandTask, type MasterDetector, type Scheduler, type SchedulerSubscribedInfo } from '@agora/sdk';
import type { CronEngine, Effects } from '../plan/engine.ts';
import type { Run } from '../plan/run.ts';
import type { CronStore } from '../store/cron-store.ts';
import { offerMeets } from './constraints.ts';
import type { CronMetrics } from './metrics.ts';
import { taskSpecFor } from './tasks.ts';

export interface FrameworkOptions {
  readonly engine: CronEngine;
  readonly store: CronStore;
  readonly clock: Clock;
  readonly master: string | MasterDetector;
  readonly frameworkId?: string;
  readonly frameworkName?: string;
  readonly role?: string;
  readonly user?: string;
  readonly failoverTimeoutSeconds?: number;
  /** How long an unused offer is kept for upcoming runs before it is declined (default 5 s). */
  readonly offerHoldMs?: number;
  /** Explicit reconciliation of the launched runs every so often (default 10 minutes). */
  readonly reconciliationIntervalMs?: number;
  readonly metrics?: CronMetrics;
  /** Called for each final failure (the failure webhook). */
  readonly onFailure?: (run: Run) => void;
  /** The framework was failed over or removed: this process must stop acting (Chronos exits). */
  readonly onFatal?: (message: string) => void;
  readonly log?: (line: string) => void;
  readonly fetch?: typeof fetch;
}

interface Held {
  readonly offer: Offer;
  readonly at: number;
}

const OFFER_CHUNK = 2;
/** A run launched this recently is left out of a periodic reconciliation: its launch may still be on its way to the master. */
const LAUNCH_GRACE_MS = 30_000;

export class CronFramework {
  readonly driver: SchedulerDriver;
  private queue: Promise<unknown> = Promise.resolve();
  private reconciling = new Map<string, string | undefined>();
  private reconciled = false;
  private held = new Map<string, Held>();
  private timer: Timer | undefined;
  private reconcileTimer: Timer | undefined;
  private periodicTimer: Timer | undefined;
  /** Task IDs asked about by the last periodic reconciliation and not answered yet. */
  private periodic = new Set<string>();
  /** Task IDs whose LAUNCH call has not been answered yet. */
  private launching = new Set<string>();
  private stopped = false;
  private lastRevive = 0;
  /** Fire-time skew samples (launch sent − scheduled), for the benchmark and /metrics. */
  readonly skews: number[] = [];

  constructor(private readonly o: FrameworkOptions) {
    const scheduler: Scheduler = {
      subscribed: (_d, info) => this.onSubscribed(info),
      offers: async (_d, offers) => {
        await this.serial(() => this.onOffers(offers));
      },
      rescind: (id) => {
        this.held.delete(id.value);
      },
      update: async (_d, status) => {
        await this.serial(() => this.onUpdate(status));
      },
      disconnected: () => {
        this.reconciled = false;
        this.held.clear();
      },
      error: (message) => {
        this.log(`framework error: ${message}`);
        this.o.onFatal?.(message);
      },
    };
    this.driver = new SchedulerDriver({
      master: o.master,
      framework: {
        name: o.frameworkName ?? 'agora-cron',
        roles: [o.role ?? '*'],
        capabilities: [{ type: 'MULTI_ROLE' }],
        failover_timeout: o.failoverTimeoutSeconds ?? 604_800,
        checkpoint: true,
        ...(o.frameworkId ? { id: { value: o.frameworkId } } : {}),
        ...(o.user ? { user: o.user } : {}),
      },
      scheduler,
      clock: o.clock,
      ...(o.fetch ? { fetch: o.fetch } : {}),
      onRetry: (reason, ms) => this.log(`master: ${reason}; retrying in ${ms} ms`),
    });
  }

  get isReconciled(): boolean {
    return this.reconciled;
  }

  /** Whether an explicit reconciliation (on SUBSCRIBED, or a periodic one) awaits answers. */
  get reconciliationInProgress(): boolean {
    return !this.reconciled || this.periodic.size > 0;
  }

  start(): void {
    this.driver.start();
    this.arm();
    this.armPeriodic();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.reconcileTimer?.cancel();
    this.periodicTimer?.cancel();
    await this.driver.stop();
    await this.queue.catch(() => undefined);
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  /** Runs `fn` after everything queued before it; persists what it changed; carries out effects. */
  serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      // Every engine call goes through here, so occurrences missed by any of them are counted once.
      const missedBefore = this.o.engine.missedRecorded;
      const value = await fn();
      this.o.metrics?.missed(this.o.engine.missedRecorded - missedBefore);
      await this.flush();
      if (isEffects(value)) this.carryOut(value);
      await this.launchQueued();
      return value;
    });
    this.queue = next.catch((e: unknown) => this.log(`cron: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
    return next;
  }

  private async flush(): Promise<void> {
    const e = this.o.engine;
    const dirty = e.takeDirty();
    if (dirty.runs.size + dirty.jobs.size + dirty.history.size + dirty.deletedRuns.size + dirty.deletedJobs.size === 0) return;
    for (;;) {
      const r = await this.o.store.flush(dirty, e);
      if (r.ok) return;
      if (r.error.code === 'FENCED') {
        // A newer leader owns the store: this daemon must stop acting at once.
        this.o.onFatal?.(`deposed: ${r.error.message}`);
        throw new Error('fenced');
      }
      // The store is unreachable: nothing may be launched on unpersisted intents, so wait and retry.
      this.log(`store: ${r.error.message}; retrying`);
      await new Promise<void>((resolve) => this.o.clock.setTimer(500, resolve));
      if (this.stopped) throw new Error('stopped with unpersisted changes');
    }
  }

  private carryOut(fx: Effects): void {
    for (const k of fx.kill) {
      void this.driver.kill(k.taskId, k.agentId).then((r) => {
        if (!r.ok) this.log(`kill ${k.taskId}: ${r.error.kind} ${r.error.status ?? ''}`);
      });
    }
    for (const run of fx.failed) this.o.onFailure?.(run);
    this.o.metrics?.finalFailure(fx.failed.length);
  }

  // ───────────── subscription and reconciliation ─────────────

  private async onSubscribed(info: SchedulerSubscribedInfo): Promise<void> {
    if (info.frameworkId !== this.o.frameworkId) {
      const saved = await this.o.store.saveFrameworkId(info.frameworkId);
      if (!saved.ok) this.log(`store: cannot save the framework ID: ${saved.error.message}`);
    }
    this.reconciled = false;
    this.periodic.clear();
    this.reconciling = new Map([...this.o.engine.runs.values()].filter((r) => r.state !== 'WAITING').map((r) => [r.taskId, r.agentId]));
    this.log(`subscribed as ${info.frameworkId}; reconciling ${this.reconciling.size} task(s)`);
    this.sendReconcile();
  }

  private sendReconcile(): void {
    this.reconcileTimer?.cancel();
    if (this.reconciling.size === 0) {
      this.reconciled = true;
      this.arm(0);
      return;
    }
    const tasks = [...this.reconciling].map(([taskId, agentId]) => ({ taskId, ...(agentId ? { agentId } : {}) }));
    void this.driver.reconcile(tasks);
    // The master stays silent about tasks on agents still recovering: ask again.
    this.reconcileTimer = this.o.clock.setTimer(3000, () => this.sendReconcile());
  }

  private armPeriodic(): void {
    if (this.stopped) return;
    this.periodicTimer = this.o.clock.setTimer(this.o.reconciliationIntervalMs ?? 600_000, () => {
      this.reconcileLaunched();
      this.armPeriodic();
    });
  }

  /**
   * Asks the master about every launched run (not ones whose launch is still on its way). The
   * answers are ordinary updates with REASON_RECONCILIATION: the engine applies a state it had
   * not heard of, and re-offers a run the master never had, as after SUBSCRIBED.
   */
  reconcileLaunched(): void {
    if (this.stopped || !this.reconciled) return; // the SUBSCRIBED reconciliation is under way, or no subscription
    const now = this.o.clock.now();
    const tasks = [...this.o.engine.runs.values()]
      .filter((r) => (r.state === 'STAGING' || r.state === 'RUNNING') && !this.launching.has(r.taskId) && now - (r.launchedAt ?? 0) >= LAUNCH_GRACE_MS)
      .map((r) => ({ taskId: r.taskId, ...(r.agentId ? { agentId: r.agentId } : {}) }));
    this.periodic = new Set(tasks.map((t) => t.taskId));
    if (tasks.length === 0) return;
    this.log(`periodic reconciliation of ${tasks.length} launched run(s)`);
    this.o.metrics?.periodicReconciliation();
    void this.driver.reconcile(tasks);
  }

  // ───────────── updates ─────────────

  private onUpdate(status: TaskStatus): Effects {
    const taskId = status.task_id.value;
    const reconciliation = status.reason === 'REASON_RECONCILIATION';
    const engine = this.o.engine;
    const before = engine.runs.get(taskId);
    this.periodic.delete(taskId);
    const fx = engine.onStatus({
      taskId,
      state: status.state,
      ...(status.message !== undefined ? { message: status.message } : {}),
      ...(status.agent_id ? { agentId: status.agent_id.value } : {}),
      reconciliation,
    }, this.o.clock.now());
    if (before && this.o.metrics) this.countEnd(before);
    if (this.reconciling.delete(taskId) && this.reconciling.size === 0 && !this.reconciled) {
      this.reconciled = true;
      this.reconcileTimer?.cancel();
      this.log('reconciliation complete');
      this.arm(0);
    }
    return fx;
  }

  /** Metrics for one update: how the run ended, if it did. */
  private countEnd(before: Run): void {
    const engine = this.o.engine;
    const now = engine.runs.get(before.taskId);
    if (now === undefined || now.state !== before.state) {
      const ended = now ?? [...(engine.history.get(before.job) ?? [])].reverse().find((r) => r.taskId === before.taskId);
      if (ended) this.o.metrics!.runEnded(ended);
    }
  }

  // ───────────── time ─────────────

  private arm(delay?: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    const now = this.o.clock.now();
    const wake = delay ?? Math.min(Math.max(0, this.o.engine.nextWake() - now), 1000);
    this.timer = this.o.clock.setTimer(wake, () => {
      void this.serial(() => this.tick()).then(() => this.arm(), () => this.arm());
    });
  }

  /** Wakes the loop now (a job was added or run by the API). */
  poke(): void {
    this.arm(0);
  }

  private tick(): Effects {
    const now = this.o.clock.now();
    const fx = this.o.engine.tick(now);
    const holdMs = this.o.offerHoldMs ?? 5000;
    // Offers are kept while something is due within the hold window (frequent jobs start at once).
    const soon = this.o.engine.nextWake() - now <= holdMs;
    for (const [id, h] of this.held) {
      if (!soon && now - h.at >= holdMs) {
        this.held.delete(id);
        void this.driver.decline([h.offer], { refuse_seconds: 1 });
      }
    }
    return fx;
  }

  /** After a flush: launch what is launchable on held offers; ask for offers if none are held. */
  private async launchQueued(): Promise<void> {
    if (!this.reconciled || this.stopped) return;
    const runs = this.o.engine.launchable();
    if (runs.length === 0) return;
    if (this.held.size === 0) {
      const now = this.o.clock.now();
      if (now - this.lastRevive >= 1000) {
        this.lastRevive = now;
        void this.driver.revive();
      }
      return;
    }
    const offers = [...this.held.values()].map((h) => h.offer);
    this.held.clear();
    await this.place(offers, runs);
  }

  private async onOffers(offers: Offer[]): Promise<void> {
    const now = this.o.clock.now();
    if (!this.reconciled) {
      await this.driver.decline(offers, { refuse_seconds: 1 });
      return;
    }
    for (const offer of offers) this.held.set(offer.id.value, { offer, at: now });
  }

  private async place(offers: Offer[], runs: Run[]): Promise<void> {
    const engine = this.o.engine;
    const items = runs.flatMap((run) => {
      const job = engine.jobs.get(run.job);
      return job ? [{ run, job: job.spec, resources: { cpus: job.spec.cpus, mem: job.spec.mem, ...(job.spec.disk > 0 ? { disk: job.spec.disk } : {}) } }] : [];
    });
    const now = this.o.clock.now();
    const launches: { offer: Offer; tasks: ReturnType<typeof buildCommandTask>[]; runs: Run[] }[] = [];
    const left = [...offers];
    let pending = items;
    // Constraints partition the items: place each group on the offers that meet it.
    while (pending.length > 0) {
      const key = JSON.stringify(pending[0]!.job.constraints);
      let group = pending.filter((i) => JSON.stringify(i.job.constraints) === key);
      pending = pending.filter((i) => JSON.stringify(i.job.constraints) !== key);
      const usable = left.filter((o) => offerMeets(o, group[0]!.job.constraints));
      // First fit over a few offers at a time: a tick usually places a handful of runs, and
      // parsing every held offer for each of them would cost more than the launch.
      for (let i = 0; i < usable.length && group.length > 0; i += OFFER_CHUNK) {
        const m = matchOffers(usable.slice(i, i + OFFER_CHUNK), group);
        if (!m.ok) {
          this.log(`offers: ${m.error}`);
          break;
        }
        for (const { offer, placed } of m.value.byOffer.values()) {
          left.splice(left.indexOf(offer), 1);
          const tasks = placed.map((p) => buildCommandTask(taskSpecFor(p.item.job, p.item.run, this.o.user), offer.agent_id, p.resources));
          launches.push({ offer, tasks, runs: placed.map((p) => p.item.run) });
        }
        group = m.value.unplaced;
      }
    }
    for (const l of launches) {
      const sandboxBase = sandboxUrl(l.offer, this.driver.frameworkId);
      for (const r of l.runs) {
        engine.markLaunched(r.taskId, l.offer.agent_id.value, sandboxBase?.(r.taskId), now);
        this.skews.push(now - r.scheduledAt);
        this.o.metrics?.launched(r.attempt, now - r.scheduledAt);
        if (this.skews.length > 100_000) this.skews.splice(0, 50_000);
      }
    }
    // Unused offers stay held for runs due soon.
    for (const o of left) this.held.set(o.id.value, { offer: o, at: now });
    await this.flush();
    // Not awaited: the serial queue (ticks, updates) must not wait for the master's answers.
    for (const l of launches) for (const r of l.runs) this.launching.add(r.taskId);
    void Promise.all(launches.map(async (l) => {
      const r = await this.driver.launch(l.offer, l.tasks, { refuse_seconds: 0 });
      for (const run of l.runs) this.launching.delete(run.taskId);
      if (!r.ok) {
        // The outcome is unknown: ask the master; "never heard of it" puts the run back in the queue.
        this.log(`launch on ${l.offer.agent_id.value} failed (${r.error.kind} ${r.error.status ?? ''}); reconciling`);
        void this.driver.reconcile(l.runs.map((run) => ({ taskId: run.taskId, agentId: l.offer.agent_id.value })));
      }
    }));
  }

}

function isEffects(v: unknown): v is Effects {
  return typeof v === 'object' && v !== null && Array.isArray((v as Effects).kill) && Array.isArray((v as Effects).failed);
}

/** The agent files API link to a command task's stdout (the executor ID is the task ID). */
function sandboxUrl(offer: Offer, frameworkId: string | undefined): ((taskId: string) => string) | undefined {
  const a = offer.url?.address;
  if (!a || !frameworkId) return undefined;
  const host = a.ip ?? a.hostname ?? offer.hostname;
  const scheme = offer.url?.scheme ?? 'http';
  return (taskId) => `${scheme}://${host}:${a.port}/files/read?path=${encodeURIComponent(`/frameworks/${frameworkId}/executors/${taskId}/runs/latest/stdout`)}&offset=0`;
}
