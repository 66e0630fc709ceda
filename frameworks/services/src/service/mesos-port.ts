/**
 * What the services framework asks of Mesos, as a narrow port. `driverPort` adapts the SDK's
 * SchedulerDriver; call failures are logged and left to reconciliation (a LAUNCH that never
 * reached the master comes back as TASK_LOST/UNKNOWN on the next reconcile).
 */
import type { Offer, TaskInfo } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { CallResult, SchedulerDriver } from '@agora/sdk';

export interface MesosPort {
  launch(offer: Offer, tasks: TaskInfo[]): Promise<boolean>;
  decline(offers: readonly Offer[], refuseSeconds: number): Promise<void>;
  kill(taskId: string, agentId: string | undefined, gracePeriodSeconds?: number): Promise<void>;
  reconcile(tasks: readonly { taskId: string; agentId?: string }[]): Promise<void>;
  revive(): Promise<void>;
  suppress(): Promise<void>;
}

export function driverPort(driver: SchedulerDriver, log: Logger): MesosPort {
  const check = (what: string) => (r: CallResult) => {
    if (!r.ok) log.warn({ call: what, error: r.error.kind, status: r.error.status }, 'scheduler call failed');
    return r.ok;
  };
  // SUPPRESS and REVIVE must reach the master in the order they were decided: sent concurrently,
  // a REVIVE overtaken by an earlier SUPPRESS leaves the framework suppressed while it waits.
  let flow: Promise<unknown> = Promise.resolve();
  const ordered = (f: () => Promise<CallResult>, what: string) => {
    const next = flow.then(f).then(check(what));
    flow = next.catch(() => undefined);
    return next;
  };
  return {
    launch: (offer, tasks) => driver.launch(offer, tasks).then(check('LAUNCH')),
    decline: async (offers, refuse) => {
      if (offers.length > 0) await driver.decline([...offers], { refuse_seconds: refuse }).then(check('DECLINE'));
    },
    kill: async (taskId, agentId, grace) => {
      await driver.kill(taskId, agentId, grace !== undefined ? { grace_period: { nanoseconds: Math.round(grace * 1e9) } } : undefined).then(check('KILL'));
    },
    reconcile: async (tasks) => {
      await driver.reconcile(tasks.map((t) => (t.agentId !== undefined ? { taskId: t.taskId, agentId: t.agentId } : { taskId: t.taskId }))).then(check('RECONCILE'));
    },
    revive: async () => void (await ordered(() => driver.revive(), 'REVIVE')),
    suppress: async () => void (await ordered(() => driver.suppress(), 'SUPPRESS')),
  };
}
