/**
 * A framework for e2e tests, on the public SDK only: it records every event, holds offers, and
 * lets a test wait for a task to reach a state. What it launches are real tasks on real agents.
 */
import type { FrameworkInfo, InverseOffer, Offer, TaskInfo, TaskState, TaskStatus } from '@agora/protocol';
import { buildCommandTask, SchedulerDriver, type CommandTaskSpec, type Scheduler } from '@agora/sdk';
import { waitFor } from './processes.ts';

export class TestFramework {
  readonly driver: SchedulerDriver;
  offers: Offer[] = [];
  readonly offerLog: Array<{ at: number; offer: Offer }> = [];
  readonly updates: TaskStatus[] = [];
  readonly errors: string[] = [];
  readonly failures: Array<{ agentId?: string; executorId?: string }> = [];
  rescinded = 0;
  /** INVERSE_OFFERS received (maintenance), and the IDs of those rescinded. */
  readonly inverseOffers: InverseOffer[] = [];
  readonly rescindedInverseOffers: string[] = [];

  constructor(masterUrl: string, info: Partial<FrameworkInfo> & { name: string }) {
    const scheduler: Scheduler = {
      offers: (_d, offers) => {
        const now = Date.now();
        for (const o of offers) this.offerLog.push({ at: now, offer: o });
        this.offers.push(...offers);
      },
      rescind: (id) => {
        this.rescinded++;
        this.offers = this.offers.filter((o) => o.id.value !== id.value);
      },
      inverseOffers: (_d, offers) => {
        this.inverseOffers.push(...offers);
      },
      rescindInverseOffer: (id) => {
        this.rescindedInverseOffers.push(id.value);
      },
      update: (_d, status) => {
        this.updates.push(status);
      },
      failure: (agentId, executorId) => {
        this.failures.push({ ...(agentId ? { agentId: agentId.value } : {}), ...(executorId ? { executorId: executorId.value } : {}) });
      },
      error: (message) => {
        this.errors.push(message);
      },
    };
    this.driver = new SchedulerDriver({ master: masterUrl, framework: { user: 'root', ...info }, scheduler });
  }

  start(): this {
    this.driver.start();
    return this;
  }

  get id(): string {
    return this.driver.frameworkId!;
  }

  async subscribed(): Promise<void> {
    await waitFor('the framework to subscribe', () => (this.driver.state === 'subscribed' ? true : undefined), 30_000);
  }

  /** Waits for (and removes) an offer, optionally from a given agent. */
  async takeOffer(agentId?: string, timeoutMs = 30_000): Promise<Offer> {
    return waitFor('an offer', () => {
      const i = this.offers.findIndex((o) => !agentId || o.agent_id.value === agentId);
      if (i < 0) return undefined;
      return this.offers.splice(i, 1)[0];
    }, timeoutMs);
  }

  /** Launches command tasks on an offer (the rest of the offer is declined without a filter). */
  async launch(offer: Offer, specs: Array<Omit<CommandTaskSpec, 'resources'> & { resources?: CommandTaskSpec['resources'] }>): Promise<TaskInfo[]> {
    const tasks = specs.map((s) => {
      const res = s.resources ?? { cpus: 0.1, mem: 32 };
      const resources = Object.entries(res).map(([name, value]) => ({ name, type: 'SCALAR' as const, scalar: { value: value as number } }));
      return buildCommandTask({ ...s, resources: res }, offer.agent_id, resources);
    });
    const r = await this.driver.launch(offer, tasks, { refuse_seconds: 0 });
    if (!r.ok) throw new Error(`launch failed: ${JSON.stringify(r.error)}`);
    return tasks;
  }

  statesOf(taskId: string): TaskState[] {
    return this.updates.filter((u) => u.task_id.value === taskId).map((u) => u.state);
  }

  lastUpdate(taskId: string): TaskStatus | undefined {
    return this.updates.filter((u) => u.task_id.value === taskId).at(-1);
  }

  async waitForState(taskId: string, state: TaskState, timeoutMs = 30_000): Promise<TaskStatus> {
    return waitFor(`task ${taskId} to reach ${state} (seen: ${this.statesOf(taskId).join(', ') || 'nothing'})`, () =>
      this.updates.find((u) => u.task_id.value === taskId && u.state === state), timeoutMs);
  }

  async stop(): Promise<void> {
    await this.driver.stop();
  }

  async teardown(): Promise<void> {
    await this.driver.teardown();
  }
}
