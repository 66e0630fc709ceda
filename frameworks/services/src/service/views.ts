/**
 * Marathon's JSON views of live state: AppInfo (with counts and embeds), Task, queue entries.
 */
import { isHealthy, type Instance } from '../core/instance.ts';
import { appToJson } from '../model/app-json.ts';
import type { AppDefinition } from '../model/types.ts';
import type { LiveState } from './state.ts';

export function taskJson(i: Instance, app: AppDefinition | undefined): Record<string, unknown> {
  return {
    id: i.id,
    appId: i.appId,
    host: i.host,
    ports: i.ports,
    servicePorts: app ? app.portDefinitions.map((d) => d.port) : [],
    slaveId: i.agentId,
    state: i.state,
    stagedAt: new Date(i.stagedAt).toISOString(),
    ...(i.startedAt !== undefined ? { startedAt: new Date(i.startedAt).toISOString() } : {}),
    version: i.version,
    ipAddresses: [{ ipAddress: i.host, protocol: 'IPv4' }],
    localVolumes: [],
    role: app?.role ?? '*',
    ...(app && app.healthChecks.length > 0 && i.healthy !== undefined
      ? { healthCheckResults: [{ alive: i.healthy, consecutiveFailures: i.healthy ? 0 : 1, firstSuccess: null, lastSuccess: null, lastFailure: null, lastFailureCause: null, instanceId: i.id }] }
      : {}),
  };
}

export function counts(app: AppDefinition, list: readonly Instance[]): Record<string, number> {
  const checks = { healthChecks: app.healthChecks.length > 0, readinessChecks: false };
  const hc = app.healthChecks.length > 0;
  return {
    tasksStaged: list.filter((i) => i.state === 'TASK_STAGING' || i.state === 'TASK_STARTING').length,
    tasksRunning: list.filter((i) => i.state === 'TASK_RUNNING').length,
    tasksHealthy: hc ? list.filter((i) => isHealthy(i, checks)).length : 0,
    tasksUnhealthy: hc ? list.filter((i) => i.state === 'TASK_RUNNING' && i.healthy === false).length : 0,
  };
}

/** AppInfo: the app plus counts and deployments, and what `embed` asks for. */
export function appInfo(state: LiveState, app: AppDefinition, embed: ReadonlySet<string>, list = state.instancesOf(app.id)): Record<string, unknown> {
  const has = (x: string) => embed.has(`apps.${x}`) || embed.has(`app.${x}`);
  const out: Record<string, unknown> = { ...appToJson(app), ...counts(app, list) };
  out.deployments = state.deploymentsOf(app.id).map((d) => ({ id: d.id }));
  if (has('tasks')) out.tasks = list.map((i) => taskJson(i, app));
  if (has('readiness')) out.readinessCheckResults = [];
  const failure = state.lastFailure.get(app.id);
  if (has('lastTaskFailure') && failure) out.lastTaskFailure = failure;
  if (has('taskStats')) out.taskStats = {};
  return out;
}

export function queueJson(state: LiveState, now: number): Record<string, unknown> {
  const queue = [...state.queue.values()].map((q) => {
    const app = state.apps.get(q.appId);
    const b = state.backoff.get(q.appId);
    const left = b ? Math.max(0, Math.ceil((b.delayUntil - now) / 1000)) : 0;
    return {
      count: q.count,
      delay: { timeLeftSeconds: left, overdue: left === 0 },
      since: new Date(q.since).toISOString(),
      app: app ? appToJson(app) : { id: q.appId },
      processedOffersSummary: {
        processedOffersCount: q.processedOffers,
        unusedOffersCount: q.unusedOffers,
        ...(q.lastUnusedOfferAt !== undefined ? { lastUnusedOfferAt: new Date(q.lastUnusedOfferAt).toISOString() } : {}),
        rejectSummaryLastOffers: Object.entries(q.reasons).map(([reason, declined]) => ({ reason, declined, processed: q.processedOffers })),
        rejectSummaryLaunchAttempt: Object.entries(q.reasons).map(([reason, declined]) => ({ reason, declined, processed: q.processedOffers })),
      },
    };
  });
  return { queue };
}
