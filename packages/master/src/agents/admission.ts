/**
 * Admission through the registry (Mesos `Registrar::apply(AdmitSlave)` before `registerSlave`
 * replies): an agent the registry does not hold yet — a new one, one coming back from
 * unreachable, one a previous leader admitted but the registry has lost — is written to the
 * registry *before* it is admitted, so a new leader always knows every agent that was told it
 * is registered. Agents the registry already holds (connected, or recovered after a failover)
 * and gone agents need no write. Without a registry everything happens at once.
 */
import type { internal } from '@agora/protocol';
import type { Master } from '../master.ts';
import type { AgentChannel } from '../registry/agent.ts';
import { agentIp, downMachineRefusal, parseTotal, registerAgent, reregisterAgent, type Admission } from './register.ts';

export function admitRegistration(m: Master, channel: AgentChannel, msg: internal.RegisterAgent, done: (a: Admission) => void): void {
  const info = msg.agent_info;
  if (info.hostname.trim() === '') return done({ ok: false, message: "Agent's hostname is empty" });
  const total = parseTotal(info, msg.checkpointed_resources ?? []);
  if (!total.ok) return done(total);
  const refused = downMachineRefusal(m, info.hostname, agentIp(channel, msg.ip, info.hostname));
  if (refused) return done(refused);
  const id = m.nextAgentId();
  m.persist({ type: 'ADMIT', info: { ...info, id: { value: id } } }, () => done(unlessRefused(m, id, registerAgent(m, channel, msg, id))));
}

export function admitReregistration(m: Master, channel: AgentChannel, msg: internal.ReregisterAgent, done: (a: Admission) => void): void {
  const id = msg.agent_info.id!.value;
  if (m.goneAgents.has(id) || m.agents.has(id) || m.recoveredAgents.has(id)) return done(reregisterAgent(m, channel, msg));
  const total = parseTotal(msg.agent_info, msg.checkpointed_resources ?? []);
  if (!total.ok) return done(total);
  const refused = downMachineRefusal(m, msg.agent_info.hostname, agentIp(channel, msg.ip, msg.agent_info.hostname));
  if (refused) return done(refused);
  // reregisterAgent re-checks everything: the agent may have been marked gone meanwhile.
  m.persist({ type: 'ADMIT', info: { ...msg.agent_info, id: { value: id } } }, () => done(unlessRefused(m, id, reregisterAgent(m, channel, msg))));
}

/**
 * An agent admitted in the registry but refused once the write completed (its machine went DOWN
 * for maintenance meanwhile) leaves the registry again, so a new leader does not wait for it.
 */
function unlessRefused(m: Master, id: string, admitted: Admission): Admission {
  if (!admitted.ok && !m.agents.has(id) && !m.goneAgents.has(id)) m.persist({ type: 'REMOVE', agentId: id }, () => {});
  return admitted;
}
