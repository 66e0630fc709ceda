/**
 * SUBSCRIBE and the life of a framework's connection (Mesos's `Master::subscribe` and
 * `Master::disconnect`/`failoverFramework`).
 *
 *  - A new framework gets `<masterId>-NNNN`, SUBSCRIBED then HEARTBEAT, and is added to the allocator.
 *  - A known ID (re-subscribe, or a framework this master knows only from its agents after a
 *    failover) takes over: the old stream gets ERROR "Framework failed over" and closes, its
 *    offers are rescinded, the failover timer stops, and fresh offers follow.
 *  - An ID this master never saw is recreated from the FrameworkInfo (master failover); only
 *    IDs on the completed list are refused ("Framework has been removed").
 *  - Framework-level failures are not HTTP errors: the stream opens (200), carries one ERROR
 *    event, and closes.
 *  - When the stream closes the framework is deactivated, its offers return to the allocator, and
 *    after `failover_timeout` seconds without a re-subscription it is removed (tasks killed).
 */
import { encodeJson, frameworkRoles, type scheduler } from '@agora/protocol';
import { every, type EventStream } from '@agora/runtime';
import type { FrameworkSpec } from '../allocation/port.ts';
import type { Master } from '../master.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { frameworkInfoProblem } from './validate-framework.ts';
import { frameworkToV1 } from '../operator/views.ts';
import { withdrawInverseOffersOf } from '../maintenance/inverse-offers.ts';

export type OpenStream = (headers: Record<string, string>, onClose: () => void) => EventStream;

export function frameworkSpec(fw: FrameworkRecord): FrameworkSpec {
  return { info: fw.info, suppressedRoles: [...fw.suppressedRoles], active: fw.connected };
}

export function subscribe(m: Master, call: scheduler.Call, open: OpenStream): void {
  const sub = call.subscribe!;
  const suppressed = sub.suppressed_roles ?? [];
  let info = sub.framework_info;

  const refuse = (message: string) => {
    const s = open({}, () => {});
    s.send(encodeJson({ type: 'ERROR', error: { message } } satisfies scheduler.Event));
    s.end();
    m.log.info({ framework: info.id?.value, name: info.name, message }, 'subscription refused');
  };

  const problem = frameworkInfoProblem(info, suppressed, m.config.rolesWhitelist);
  if (problem) return refuse(problem);
  const requestedId = info.id?.value;
  if (requestedId !== undefined && m.isCompletedFramework(requestedId)) return refuse('Framework has been removed');

  let fw = requestedId !== undefined ? m.frameworks.get(requestedId) : undefined;
  if (fw && !fw.recovered && (fw.info.principal ?? '') !== (info.principal ?? '')) {
    return refuse("Changing framework's principal is not allowed");
  }

  const streamId = m.uuid();
  // The stream closing means a disconnect only while it is still the framework's current stream.
  const stream: EventStream = open({ 'Mesos-Stream-Id': streamId }, () => {
    if (fw && fw.stream === stream) disconnect(m, fw);
  });

  if (!fw) {
    fw = m.addFramework(info, requestedId ?? m.nextFrameworkId(), false);
    fw.suppressedRoles = new Set(suppressed);
    attach(m, fw, stream, streamId);
    m.allocator.addFramework(fw.id, frameworkSpec(fw), new Map());
    m.log.info({ framework: fw.id, name: fw.info.name, roles: [...fw.roles] }, 'framework subscribed');
    m.events.publish({ type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkToV1(m, fw) } });
  } else {
    const old = fw.stream;
    fw.stream = undefined; // so closing the old stream is not taken for a disconnect
    if (old && !old.closed) {
      old.send(encodeJson({ type: 'ERROR', error: { message: 'Framework failed over' } } satisfies scheduler.Event));
      old.end();
    }
    fw.heartbeatTimer?.cancel();
    fw.failoverTimer?.cancel();
    fw.failoverTimer = undefined;
    // As in Mesos, a re-SUBSCRIBE may not change `user` or `checkpoint`; such changes are ignored.
    info = { ...info, user: fw.recovered ? info.user : fw.info.user, checkpoint: fw.recovered ? info.checkpoint : fw.info.checkpoint };
    const rolesBefore = new Set(fw.roles);
    fw.updateInfo(info);
    fw.suppressedRoles = new Set(suppressed);
    fw.recovered = false;
    fw.reregisteredTime = m.nowSeconds();
    fw.unregisteredTime = undefined;
    m.rescindOffersOf(fw.offers, 'framework failed over');
    withdrawInverseOffersOf(m, fw.id);
    attach(m, fw, stream, streamId);
    const rolesChanged = frameworkRoles(info).some((r) => !rolesBefore.has(r)) || rolesBefore.size !== fw.roles.size;
    m.allocator.updateFramework(fw.id, frameworkSpec(fw));
    m.allocator.activateFramework(fw.id);
    m.log.info({ framework: fw.id, rolesChanged }, 'framework re-subscribed');
    m.events.publish({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkToV1(m, fw) } });
  }
  m.requestAllocation();
}

function attach(m: Master, fw: FrameworkRecord, stream: EventStream, streamId: string): void {
  fw.stream = stream;
  fw.streamId = streamId;
  m.sendEvent(fw, {
    type: 'SUBSCRIBED',
    subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: m.config.heartbeatIntervalMs / 1000, master_info: m.info },
  });
  m.sendEvent(fw, { type: 'HEARTBEAT' });
  fw.heartbeatTimer = every(m.clock, m.config.heartbeatIntervalMs, () => m.sendEvent(fw, { type: 'HEARTBEAT' }));
}

/** The subscription stream closed: deactivate, return offers, and start the failover timer. */
export function disconnect(m: Master, fw: FrameworkRecord): void {
  if (m.isStopped) return;
  fw.stream = undefined;
  fw.streamId = undefined;
  fw.heartbeatTimer?.cancel();
  fw.heartbeatTimer = undefined;
  m.allocator.deactivateFramework(fw.id);
  withdrawInverseOffersOf(m, fw.id);
  for (const id of [...fw.offers]) {
    const rec = m.takeOffer(id);
    if (rec && m.agents.has(rec.agentId)) m.allocator.recoverResources(fw.id, rec.agentId, rec.resources, undefined, m.clock.now());
  }
  const timeoutMs = Math.max(0, fw.info.failover_timeout * 1000);
  m.log.info({ framework: fw.id, failoverTimeoutSecs: fw.info.failover_timeout }, 'framework disconnected');
  fw.failoverTimer = m.clock.setTimer(timeoutMs, () => {
    fw.failoverTimer = undefined;
    if (!fw.connected && m.frameworks.get(fw.id) === fw) m.removeFramework(fw, 'failover timeout elapsed');
  });
  m.events.publish({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkToV1(m, fw) } });
}
