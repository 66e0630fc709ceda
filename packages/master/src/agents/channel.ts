/**
 * One agent's channel as the master sees it: the first message must register (or re-register);
 * every later message is dispatched to the handler for its type. Messages from a channel that a
 * newer connection of the same agent has superseded are ignored.
 */
import { PARTITION_AWARE_STATES, type internal } from '@agora/protocol';
import type { Master } from '../master.ts';
import type { AgentChannel, AgentRecord } from '../registry/agent.ts';
import { agentDisconnected, onPong, removeAgent } from './health.ts';
import { admitRegistration, admitReregistration } from './admission.ts';
import { acknowledgeAgain, type Admission } from './register.ts';

export function acceptAgentChannel(m: Master, channel: AgentChannel): void {
  let agent: AgentRecord | undefined;
  /** A registration is being written to the registry: the agent's retries are ignored meanwhile. */
  let admitting = false;
  const settle = (admitted: Admission) => {
    admitting = false;
    if (m.isStopped) return;
    if (admitted.ok) {
      agent = admitted.agent;
      // The channel closed while the registry write was in flight: a disconnect like any other.
      if (!channel.isOpen && agent.channel === channel && m.agents.get(agent.id) === agent) agentDisconnected(m, agent);
    } else {
      m.log.warn({ peer: channel.peer, message: admitted.message }, 'refusing agent');
      channel.send({ type: 'SHUTDOWN_AGENT', shutdown_agent: { message: admitted.message } });
      channel.close(admitted.message);
    }
  };
  const received = (msg: internal.AgentMessage): void => {
    if (m.isStopped || !channel.isOpen) return;
    if (msg.type === 'REGISTER_AGENT') m.counters.messagesRegisterSlave++;
    else if (msg.type === 'REREGISTER_AGENT') m.counters.messagesReregisterSlave++;
    if (m.awaitingRecovery) return m.afterRecovery(() => handle(msg));
    handle(msg);
  };
  const handle = (msg: internal.AgentMessage): void => {
    // (A message that waited for the recovery may find its channel gone: the agent moved on.)
    if (m.isStopped || !channel.isOpen) return;
    if (!m.leading) return;
    if (!agent) {
      if (admitting) return;
      admitting = true;
      if (msg.type === 'REGISTER_AGENT') admitRegistration(m, channel, msg.register_agent!, settle);
      else if (msg.type === 'REREGISTER_AGENT') admitReregistration(m, channel, msg.reregister_agent!, settle);
      else settle({ ok: false, message: `expected REGISTER_AGENT or REREGISTER_AGENT first, got ${msg.type}` });
      return;
    }
    if (agent.channel !== channel) return;
    dispatch(m, agent, msg);
  };
  channel.onMessage(received);
  channel.onClose(() => {
    if (agent && agent.channel === channel && m.agents.get(agent.id) === agent && !m.isStopped) agentDisconnected(m, agent);
  });
}

function dispatch(m: Master, agent: AgentRecord, msg: internal.AgentMessage): void {
  switch (msg.type) {
    case 'STATUS_UPDATE':
      return statusUpdate(m, agent, msg.status_update!.update);
    case 'EXECUTOR_EXITED':
      return executorExited(m, agent, msg.executor_exited!);
    case 'EXECUTOR_TO_FRAMEWORK': {
      const e = msg.executor_to_framework!;
      const fw = m.frameworks.get(e.framework_id.value);
      if (fw) m.sendEvent(fw, { type: 'MESSAGE', message: { agent_id: { value: agent.id }, executor_id: e.executor_id, data: e.data } });
      else m.counters.droppedMessages++;
      return;
    }
    case 'PONG':
      return onPong(agent);
    case 'UNREGISTER_AGENT':
      return removeAgent(m, agent, 'REASON_AGENT_REMOVED', `Agent ${agent.hostname} unregistered (shut down)`);
    case 'REGISTER_AGENT':
    case 'REREGISTER_AGENT':
      m.log.debug({ agent: agent.id }, 'repeated registration on an established channel: acknowledging it again');
      return acknowledgeAgain(m, agent, msg.type);
  }
}

/**
 * A status update from the agent: recorded on the task (resources are released at the first
 * terminal state) and forwarded to the framework with its uuid, so the framework's ACKNOWLEDGE
 * travels back to the agent. A framework that is not connected simply misses it; the agent
 * retries until it is acknowledged.
 */
function statusUpdate(m: Master, agent: AgentRecord, update: internal.StatusUpdate): void {
  const fid = update.framework_id.value;
  const fw = m.frameworks.get(fid);
  if (!fw) {
    m.counters.invalidStatusUpdates++;
    if (m.isCompletedFramework(fid)) m.sendToAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: fid } } });
    return;
  }
  const status = { ...update.status, agent_id: { value: agent.id } };
  if (!fw.partitionAware && PARTITION_AWARE_STATES.includes(status.state)) status.state = 'TASK_LOST';
  const t = fw.tasks.get(status.task_id.value);
  if (t && t.task.agent_id.value === agent.id) {
    const latest = update.latest_state !== undefined && !fw.partitionAware && PARTITION_AWARE_STATES.includes(update.latest_state) ? 'TASK_LOST' : update.latest_state;
    m.updateTask(fw, t, status, latest);
  }
  m.counters.validStatusUpdates++;
  m.sendUpdate(fw, status);
}

function executorExited(m: Master, agent: AgentRecord, e: internal.ExecutorExited): void {
  const fid = e.framework_id.value;
  const eid = e.executor_id.value;
  const fw = m.frameworks.get(fid);
  const charged = agent.executorResources.get(fid)?.get(eid);
  if (charged) {
    agent.executorResources.get(fid)!.delete(eid);
    if (fw) m.allocator.recoverResources(fid, agent.id, charged.resources, undefined, m.clock.now());
  }
  if (!fw) return;
  // Command executors are the agent's own business (Mesos's master does not track them), so only
  // custom and default executors produce a FAILURE event.
  if (!fw.removeExecutor(agent.id, eid)) return;
  m.sendEvent(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id }, executor_id: e.executor_id, status: e.status } });
}
