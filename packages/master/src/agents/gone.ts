/**
 * MARK_AGENT_GONE (Mesos `Master::markGone`): the operator declares an agent permanently gone.
 * Its tasks become TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks that are not PARTITION_AWARE)
 * with REASON_AGENT_REMOVED_BY_OPERATOR, the agent is told to shut down, and it can never
 * re-register under that ID.
 */
import { err, isTerminalState, ok, type Result } from '@agora/protocol';
import type { Master } from '../master.ts';
import { dropAgent } from './health.ts';

export function markGone(m: Master, agentId: string): Result<void, string> {
  if (m.goneAgents.has(agentId)) return ok(undefined);
  const agent = m.agents.get(agentId);
  const now = m.clock.now();
  if (!agent) {
    if (!m.unreachableAgents.has(agentId)) return err(`Unknown agent ${agentId}`);
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
    return ok(undefined);
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
  return ok(undefined);
}
