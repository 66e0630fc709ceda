/**
 * A new leader's recovery (Mesos `Master::_recover`, `recoveredSlavesTimeout`): what the registry
 * says is applied to a freshly elected master before it serves.
 *
 *  - ADMITTED agents become *recovered*: known to exist, not yet re-registered. Reconciliation
 *    stays silent about tasks on them (it cannot know), and they have
 *    `--agent-reregister-timeout` to re-register.
 *  - UNREACHABLE and GONE agents keep those states (with their times); weights and quotas go to
 *    the allocator.
 *  - At the timeout, recovered agents that did not come back are marked unreachable (persisted
 *    first), at most at `--agent-removal-rate-limit`. If that would be more than
 *    `--recovery-agent-removal-limit` of the recovered agents, the master aborts instead, as Mesos
 *    does: something is more likely wrong with this master than with that many agents.
 *
 * Frameworks and tasks are not in the registry: they return with agent re-registrations and
 * framework re-subscriptions.
 */
import type { AgentInfo } from '@agora/protocol';
import type { Master } from '../master.ts';
import { updateQuota } from '../operator/quota.ts';
import type { RegistryContents } from '../registrar/registrar.ts';

export function applyRecovery(m: Master, contents: RegistryContents): void {
  for (const [id, a] of contents.agents) {
    const info = { ...a.info, id: { value: id } };
    if (a.state === 'ADMITTED') m.recoveredAgents.set(id, { info, deactivated: a.deactivated === true });
    else if (a.state === 'UNREACHABLE') m.unreachableAgents.set(id, { info, at: a.at! });
    else m.goneAgents.set(id, a.at!);
  }
  if (contents.weights.length > 0) m.allocator.updateWeights(contents.weights);
  if (contents.maintenance) m.maintenance.restore(contents.maintenance);
  if (contents.quotas.length > 0) {
    const r = updateQuota(m, contents.quotas, true);
    if (!r.ok) m.log.error({ error: r.error }, 'the recovered quota does not apply; continuing without it');
  }
  const recovered = m.recoveredAgents.size;
  m.log.info({ recovered, unreachable: m.unreachableAgents.size, gone: m.goneAgents.size, weights: contents.weights.length, quotas: contents.quotas.length }, 'registry recovered');
  if (recovered > 0) m.clock.setTimer(m.config.agentReregisterTimeoutMs, () => reregisterTimeout(m, recovered));
  m.markRecovered();
}

/** The re-register timeout fired: recovered agents still missing become unreachable. */
export function reregisterTimeout(m: Master, recoveredAtStart: number): void {
  if (m.isStopped) return;
  const missing = [...m.recoveredAgents];
  if (missing.length === 0) return;
  const share = missing.length / recoveredAtStart;
  if (share > m.config.recoveryAgentRemovalLimit) {
    m.abort(`Post-recovery agent removal limit exceeded: ${missing.length} of ${recoveredAtStart} recovered agents did not re-register (limit ${m.config.recoveryAgentRemovalLimit * 100}%)`);
    return;
  }
  m.log.warn({ agents: missing.length, timeoutMs: m.config.agentReregisterTimeoutMs }, 'recovered agents did not re-register in time; marking them unreachable');
  for (const [id, a] of missing) {
    // Paced by --agent-removal-rate-limit like agents failing health checks (agents/removal-limit.ts);
    // one that re-registered (or was marked gone) before its turn is canceled, as in Mesos.
    m.agentRemovals.schedule(m, id, a.info.hostname, () => (m.recoveredAgents.has(id) ? 'mark' : 'cancel'), () => markRecoveredUnreachable(m, id, a.info));
  }
}

/** A recovered agent's turn came: it becomes unreachable, persisted first. */
function markRecoveredUnreachable(m: Master, id: string, info: AgentInfo): void {
  const now = m.clock.now();
  m.persist({ type: 'MARK_UNREACHABLE', info, at: now }, () => {
    if (!m.recoveredAgents.delete(id)) {
      // It re-registered while the write was in flight: the registry must say admitted again.
      const back = m.agents.get(id);
      if (back) m.persist({ type: 'ADMIT', info: back.info, deactivated: back.deactivated }, () => {});
      return;
    }
    m.unreachableAgents.set(id, { info, at: now });
    m.counters.slaveUnreachableCompleted++;
    m.events.publish({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: id } } });
  });
}
