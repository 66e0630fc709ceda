/**
 * What Mesos tells the framework about tasks: status updates, (re)subscription, and readiness
 * results from the framework's own probes. Functions over the owner, run inside its serial
 * section. A status for a task the framework does not know is answered with KILL; a terminal
 * status expunges the instance (store first) and counts toward backoff unless we asked for it.
 */
import type { TaskStatus } from '@agora/protocol';
import { afterFailure } from '../core/backoff.ts';
import { conditionOf, countsForBackoff, isTerminal, type Instance } from '../core/instance.ts';
import { restarting } from './deployments.ts';
import { instanceEvent } from './events.ts';
import { expunge } from './kills.ts';
import { revive } from './offers.ts';
import { mustWrite, type Owner } from './owner.ts';

export async function statusUpdate(o: Owner, status: TaskStatus): Promise<void> {
  const { state: s, opts } = o;
  const id = status.task_id.value;
  const prev = s.instances.get(id);
  const now = o.now;
  if (!prev) {
    // Not ours (any more): a task we never recorded, or one already expunged. Kill it.
    if (!isTerminal(status.state)) {
      opts.log.info({ task: id, state: status.state }, 'killing a task this framework does not know');
      void o.port?.kill(id, status.agent_id?.value);
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
  opts.events.publish('status_update_event', {
    slaveId: prev.agentId, taskId: id, taskStatus: status.state, message: status.message ?? '', appId: prev.appId, host: prev.host,
    ipAddresses: [], ports: prev.ports, version: prev.version,
  });
  if (prev.state !== next.state) opts.events.publish('instance_changed_event', instanceEvent(next, conditionOf(next.state)));
  if (status.healthy !== undefined && status.healthy !== prev.healthy) {
    opts.events.publish('health_status_changed_event', { appId: prev.appId, instanceId: id, version: prev.version, alive: status.healthy });
  }
  if (isTerminal(status.state)) {
    if (countsForBackoff(status.state) && prev.killRequestedAt === undefined && app) {
      s.backoff.set(app.id, afterFailure(s.backoff.get(app.id), app, prev.configVersion, now));
      s.lastFailure.set(app.id, {
        appId: app.id, host: prev.host, message: status.message ?? '', state: status.state, taskId: id, timestamp: new Date(now).toISOString(), version: prev.version,
      });
    }
    if (status.healthy === false && prev.killRequestedAt === undefined) {
      opts.events.publish('unhealthy_instance_kill_event', { appId: prev.appId, taskId: id, instanceId: id, version: prev.version, reason: status.message ?? '', host: prev.host, slaveId: prev.agentId });
    }
    await expunge(o, prev);
    if (app && o.offerFlow.suppressed) await revive(o);
    o.kick();
    return;
  }
  if (prev.state !== next.state || prev.healthy !== next.healthy) mustWrite(await opts.repo.putInstance(next));
  s.instances.set(id, next);
  // Unhealthy or unreachable instances may need replacing: a full step; otherwise only progress.
  // During a restart a newly healthy instance lets an old one go: a full step too.
  if (next.healthy === false || next.state === 'TASK_UNREACHABLE' || restarting(o, prev.appId)) o.kick(true);
  else if (next.state === 'TASK_RUNNING' || next.healthy !== prev.healthy) o.kick(false);
}

/** After (re)subscribing: ask about every task we know, then about every task Mesos knows. */
export async function resubscribed(o: Owner, frameworkId: string): Promise<void> {
  const { state } = o;
  if (state.frameworkId !== frameworkId) {
    mustWrite(await o.opts.repo.setFrameworkId(frameworkId));
    state.frameworkId = frameworkId;
  }
  const known = [...state.instances.values()].map((i) => ({ taskId: i.id, agentId: i.agentId }));
  if (known.length > 0) await o.port?.reconcile(known);
  // Kills asked for before a failover may never have reached the master: ask again.
  for (const i of state.instances.values()) {
    if (i.killRequestedAt !== undefined) void o.port?.kill(i.id, i.agentId, state.apps.get(i.appId)?.taskKillGracePeriodSeconds);
  }
  await o.port?.reconcile([]);
  o.offerFlow.suppressed = false;
  await o.port?.revive();
  o.opts.events.publish('scheduler_registered_event', { frameworkId, master: '' });
}

/** A readiness check passed for an instance (it stays ready). */
export async function markReady(o: Owner, id: string): Promise<void> {
  const i = o.state.instances.get(id);
  if (!i || i.ready === true || i.state !== 'TASK_RUNNING') return;
  const next = { ...i, ready: true };
  mustWrite(await o.opts.repo.putInstance(next));
  o.state.instances.set(id, next);
  o.kick(restarting(o, i.appId));
}
