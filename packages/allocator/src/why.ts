/**
 * `whyNoOffer`: the on-demand answer to "why did framework X get no offer from agent Y?",
 * evaluated against the current state by the same evaluator the cycle uses. It does not
 * replay DRF order across agents: a pair that is `offerable` may still lose the agent to
 * frameworks ahead of it (its `rank` says how many are ahead in the role).
 */
import { err, ok, type Result } from '@agora/protocol';
import { Evaluator } from './evaluate.ts';
import {
  OFFER, R_EXHAUSTED, R_INACTIVE, R_RESERVED_OTHER, R_SUPPRESSED, R_UNAVAILABLE, reasonOf,
} from './reasons.ts';
import { seededRng } from './rng.ts';
import type { AllocatorState } from './state.ts';
import type { WhyNoOffer } from './types.ts';

export function whyNoOffer(s: AllocatorState, frameworkId: string, agentId: string, now: number): Result<WhyNoOffer[], string> {
  const fw = s.frameworks.get(frameworkId);
  if (fw === undefined) return err(`unknown framework ${frameworkId}`);
  const agent = s.agents.get(agentId);
  if (agent === undefined) return err(`unknown agent ${agentId}`);
  s.filters.expire(now);
  const ev = new Evaluator(s);
  const out: WhyNoOffer[] = [];
  for (const path of fw.roles) {
    const client = fw.clients.get(path)!;
    const role = client.role;
    const holding = s.holding(client, agent);
    const no = (code: number): void => {
      out.push({ role: path, offerable: false, holding, reason: reasonOf(code, ev.detail) });
    };
    if (!fw.active) {
      no(R_INACTIVE);
      continue;
    }
    if (fw.suppressed.has(path)) {
      no(R_SUPPRESSED);
      continue;
    }
    if (!agent.activated || agent.draining) {
      ev.detail.agentState = agent.activated ? 'DRAINING' : 'DEACTIVATED';
      no(R_UNAVAILABLE);
      continue;
    }
    const base = agent.available.allocatableTo(path);
    if (base.isEmpty()) {
      no(agent.available.isEmpty() ? R_EXHAUSTED : R_RESERVED_OTHER);
      continue;
    }
    const code = ev.evaluate(client, agent, role, base);
    if (code !== OFFER) {
      no(code);
      continue;
    }
    const order = role.sorter!.sort(seededRng(0));
    out.push({ role: path, offerable: true, holding, wouldOffer: ev.offer, rank: order.indexOf(client.id) });
  }
  return ok(out);
}
