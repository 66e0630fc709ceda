/**
 * Agent health (Mesos `SlaveObserver`, `Master::markUnreachable`): the master pings each agent
 * every --agent-ping-timeout; a ping without a PONG by the next tick is a miss, and after
 * --max-agent-ping-timeouts misses in a row the agent is marked unreachable. A closed channel
 * deactivates the agent at once (offers rescinded, tasks of non-checkpointing frameworks lost)
 * and the pings keep missing until it re-registers or is marked unreachable. With
 * --agent-removal-rate-limit, agents that failed wait their turn (agents/removal-limit.ts).
 */
import { isTerminalState } from '@agora/protocol';
import { every } from '@agora/runtime';
import type { Master } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import { rescindInverseOffersOn } from '../maintenance/inverse-offers.ts';

export function startPinging(m: Master, agent: AgentRecord): void {
  agent.pingTimer?.cancel();
  agent.missedPings = 0;
  agent.awaitingPong = false;
  agent.pingTimer = every(m.clock, m.config.agentPingTimeoutMs, () => {
    if (m.agents.get(agent.id) !== agent) return;
    if (agent.awaitingPong) {
      agent.missedPings++;
      m.log.warn({ agent: agent.id, missed: agent.missedPings }, 'agent missed a ping');
      const max = m.config.maxAgentPingTimeouts;
      if (agent.missedPings >= max) {
        const why = `health check timed out after ${agent.missedPings} missed pings`;
        // Marked now, or (--agent-removal-rate-limit) when its permit comes if it has not answered
        // by then; meanwhile it is still pinged, so that it can.
        const turn = () => (m.agents.get(agent.id) !== agent ? 'drop' : agent.missedPings >= max ? 'mark' : 'cancel');
        m.agentRemovals.schedule(m, agent.id, agent.hostname, turn, () => markUnreachable(m, agent, why));
        if (agent.markingUnreachable) return;
      }
    }
    agent.awaitingPong = true;
    m.sendToAgent(agent, { type: 'PING', ping: { connected: true } });
  });
}

export function onPong(agent: AgentRecord): void {
  agent.awaitingPong = false;
  agent.missedPings = 0;
}

/** The agent's channel closed (the process died, or the network broke). */
export function agentDisconnected(m: Master, agent: AgentRecord): void {
  m.log.warn({ agent: agent.id, hostname: agent.hostname }, 'agent disconnected');
  agent.channel = undefined;
  agent.disconnectedAt = m.clock.now();
  m.allocator.deactivateAgent(agent.id);
  m.rescindOffersOf(agent.offers, 'agent disconnected');
  rescindInverseOffersOn(m, agent.id, true);
  // Tasks of frameworks that do not checkpoint cannot survive an agent restart: they are lost now.
  for (const t of [...agent.allTasks()]) {
    const fw = m.frameworks.get(t.task.framework_id.value);
    if (!fw || fw.info.checkpoint || isTerminalState(t.task.state)) continue;
    const status = m.masterStatus(fw, t.task.task_id.value, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', `Agent ${agent.hostname} disconnected`, { agentId: agent.id });
    m.updateTask(fw, t, status, undefined);
    m.sendUpdate(fw, status);
    m.completeTask(fw, t);
  }
}

/**
 * Marks an agent unreachable: its tasks become TASK_UNREACHABLE (TASK_LOST for frameworks that
 * are not PARTITION_AWARE) with REASON_AGENT_REMOVED and move to `unreachable_tasks`, every
 * framework gets FAILURE {agent_id}, and the agent leaves the allocator. It may come back: a later
 * re-registration restores its tasks (REASON_AGENT_REREGISTERED). The caller counts it as
 * scheduled (`AgentRemovals.schedule`).
 */
export function markUnreachable(m: Master, agent: AgentRecord, why: string): void {
  if (agent.markingUnreachable) return;
  agent.markingUnreachable = true;
  agent.pingTimer?.cancel();
  const now = m.clock.now();
  m.log.warn({ agent: agent.id, hostname: agent.hostname, why }, 'marking agent unreachable');
  // Persisted first (Mesos `MarkSlaveUnreachable`): a new leader must never think it still registered.
  m.persist({ type: 'MARK_UNREACHABLE', info: agent.info, at: now }, () => {
    if (m.agents.get(agent.id) !== agent) return; // removed (marked gone) meanwhile
    unreachableNow(m, agent, why, now);
  });
}

function unreachableNow(m: Master, agent: AgentRecord, why: string, now: number): void {
  m.rescindOffersOf(agent.offers, 'agent unreachable');
  for (const t of [...agent.allTasks()]) {
    const fw = m.frameworks.get(t.task.framework_id.value);
    agent.removeTask(t.task.framework_id.value, t.task.task_id.value);
    if (!fw) continue;
    fw.tasks.delete(t.task.task_id.value);
    if (isTerminalState(t.task.state)) {
      // Terminal but not acknowledged (acknowledged tasks were completed already): kept as
      // unreachable with its terminal state until the agent returns and the update is
      // acknowledged, as Mesos does (PartitionTest.AgentWithTerminalTaskPartitioned).
      t.unreachableAt = now;
      fw.addUnreachable(t);
      continue;
    }
    const status = m.masterStatus(fw, t.task.task_id.value, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', `Agent ${agent.hostname} is unreachable: ${why}`, {
      agentId: agent.id,
      unreachableTime: now,
      ...(t.task.executor_id ? { executorId: t.task.executor_id.value } : {}),
    });
    m.updateTask(fw, t, status, undefined);
    t.released = true;
    t.unreachableAt = now;
    fw.addUnreachable(t);
    m.sendUpdate(fw, status);
  }
  dropAgent(m, agent, 'marked unreachable');
  m.unreachableAgents.set(agent.id, { info: agent.info, at: now });
  m.counters.slaveUnreachableCompleted++;
}

/**
 * The part every way of losing an agent shares (unreachable, removed, gone): frameworks hear
 * FAILURE for it and forget their executors there, the allocator and the registry drop it, its
 * channel closes, and operators see AGENT_REMOVED. Its tasks and offers are the caller's business.
 */
export function dropAgent(m: Master, agent: AgentRecord, why: string): void {
  agent.pingTimer?.cancel();
  rescindInverseOffersOn(m, agent.id, false);
  for (const fw of m.frameworks.values()) {
    fw.executors.delete(agent.id);
    m.sendEvent(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
  }
  m.allocator.removeAgent(agent.id);
  m.agents.delete(agent.id);
  if (agent.channel?.isOpen) agent.channel.close(why);
  agent.channel = undefined;
  m.counters.slaveRemovals++;
  m.events.publish({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agent.id } } });
}

/**
 * Removes an agent for good (it shut down gracefully, or restarted without its state): its tasks
 * are lost with `reason` and it may not re-register under this ID.
 */
export function removeAgent(m: Master, agent: AgentRecord, reason: 'REASON_AGENT_REMOVED' | 'REASON_AGENT_RESTARTED', why: string): void {
  m.log.info({ agent: agent.id, why }, 'removing agent');
  m.persist({ type: 'REMOVE', agentId: agent.id }, () => {});
  m.rescindOffersOf(agent.offers, 'agent removed');
  for (const t of [...agent.allTasks()]) {
    const fw = m.frameworks.get(t.task.framework_id.value);
    if (fw && !isTerminalState(t.task.state)) {
      const status = m.masterStatus(fw, t.task.task_id.value, 'TASK_LOST', reason, why, { agentId: agent.id });
      m.updateTask(fw, t, status, undefined);
      m.sendUpdate(fw, status);
    }
    m.completeTask(fw, t);
  }
  dropAgent(m, agent, why);
}
