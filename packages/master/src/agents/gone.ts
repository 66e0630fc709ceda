/**
 * MARK_AGENT_GONE (Mesos `Master::markGone`): the operator declares an agent permanently gone.
 * Its tasks become TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks that are not PARTITION_AWARE)
 * with REASON_AGENT_REMOVED_BY_OPERATOR, the agent is told to shut down, and it can never
 * re-register under that ID.
 */
import { err, isTerminalState, ok, type Result } from '@agora/protocol';
import type { Master } from '../master.ts';
import { dropAgent } from './health.ts';

export function markGone(m: Master, agentId: string): Promise<Result<void, string>> {
  if (m.goneAgents.has(agentId)) return Promise.resolve(ok(undefined));
  const info = m.agents.get(agentId)?.info ?? m.unreachableAgents.get(agentId)?.info ?? m.recoveredAgents.get(agentId)?.info;
  if (!info) return Promise.resolve(err(`Unknown agent ${agentId}`));
  const now = m.clock.now();
  // Persisted first (Mesos `MarkSlaveGone`): gone is forever, also for the next leader.
  return new Promise((resolve) => {
    m.persist(
      { type: 'MARK_GONE', info: { ...info, id: { value: agentId } }, at: now },
      () => {
        goneNow(m, agentId, now);
        resolve(ok(undefined));
      },
      (why) => resolve(err(`Could not record the agent as gone: ${why}`)),
    );
  });
}

function goneNow(m: Master, agentId: string, now: number): void {
  if (m.goneAgents.has(agentId)) return;
  const agent = m.agents.get(agentId);
  m.recoveredAgents.delete(agentId);
  if (!agent) {
    m.unreachableAgents.delete(agentId);
    m.goneAgents.set(agentId, now);
    for (const fw of m.frameworks.values()) {
      for (const t of [...fw.unreachableTasks.values()]) {
        if (t.task.agent_id.value !== agentId) continue;
        const status = m.masterStatus(fw, t.task.task_id.value, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', `Agent ${agentId} marked gone by the operator`, { agentId });
        m.updateTask(fw, t, status, undefined);
        m.sendUpdate(fw, status);
        m.completeTask(fw, t);
      }
    }
    return;
  }
  m.rescindOffersOf(agent.offers, 'agent marked gone');
  for (const t of [...agent.allTasks()]) {
    const fw = m.frameworks.get(t.task.framework_id.value);
    if (fw && !isTerminalState(t.task.state)) {
      const status = m.masterStatus(fw, t.task.task_id.value, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', `Agent ${agent.hostname} marked gone by the operator`, { agentId });
      m.updateTask(fw, t, status, undefined);
      m.sendUpdate(fw, status);
    }
    m.completeTask(fw, t);
  }
  m.sendToAgent(agent, { type: 'SHUTDOWN_AGENT', shutdown_agent: { message: 'Agent has been marked gone by the operator' } });
  dropAgent(m, agent, 'marked gone');
  m.goneAgents.set(agentId, now);
}
