/**
 * Why a framework got no offer from an agent. The cycle works with small integer codes (no
 * objects in the inner loop); the public forms are built only for results and queries.
 */

export type ReasonCode =
  | 'INACTIVE'
  | 'SUPPRESSED'
  | 'FILTERED'
  | 'QUOTA_LIMIT'
  | 'QUOTA_HEADROOM'
  | 'BELOW_MIN_ALLOCATABLE'
  | 'MISSING_CAPABILITY'
  | 'RESERVED_FOR_OTHER_ROLE'
  | 'AGENT_EXHAUSTED'
  | 'AGENT_UNAVAILABLE';

/**
 * When several reasons apply, the first in this order is reported: framework-level (INACTIVE,
 * SUPPRESSED), agent-level (AGENT_UNAVAILABLE, AGENT_EXHAUSTED, RESERVED_FOR_OTHER_ROLE), a role at
 * its quota limit (QUOTA_LIMIT, when the limit leaves too little for any min-allocatable
 * alternative), then the per-pair checks in the order the evaluator runs them: capability gates,
 * min-allocatable, quota caps, offer filters.
 *
 * - INACTIVE: the framework is deactivated (disconnected).
 * - SUPPRESSED: the framework suppressed offers for this role.
 * - FILTERED: an offer filter from a decline holds at least what would be offered, `until` then.
 * - QUOTA_LIMIT: the role's quota limit leaves nothing allocatable.
 * - QUOTA_HEADROOM: what is left is held back for other roles' unmet quota guarantees.
 * - BELOW_MIN_ALLOCATABLE: what could be offered is less than every min-allocatable alternative.
 * - MISSING_CAPABILITY: the framework (GPU_RESOURCES, REGION_AWARE, REVOCABLE_RESOURCES,
 *   SHARED_RESOURCES, RESERVATION_REFINEMENT) or the agent (MULTI_ROLE, HIERARCHICAL_ROLE) lacks it.
 * - RESERVED_FOR_OTHER_ROLE: the agent's free resources are all reserved for other roles.
 * - AGENT_EXHAUSTED: nothing was left for the role when the framework's turn came (allocated
 *   before this cycle, or to frameworks ahead in DRF order during it).
 * - AGENT_UNAVAILABLE: the agent is deactivated or draining.
 */
export type NoOfferReason =
  | { readonly code: 'INACTIVE' }
  | { readonly code: 'SUPPRESSED' }
  | { readonly code: 'FILTERED'; readonly until: number }
  | { readonly code: 'QUOTA_LIMIT'; readonly role: string }
  | { readonly code: 'QUOTA_HEADROOM' }
  | { readonly code: 'BELOW_MIN_ALLOCATABLE' }
  | { readonly code: 'MISSING_CAPABILITY'; readonly capability: string; readonly side: 'FRAMEWORK' | 'AGENT' }
  | { readonly code: 'RESERVED_FOR_OTHER_ROLE' }
  | { readonly code: 'AGENT_EXHAUSTED' }
  | { readonly code: 'AGENT_UNAVAILABLE'; readonly state: 'DEACTIVATED' | 'DRAINING' };

export const CODES: readonly ReasonCode[] = [
  'INACTIVE', 'SUPPRESSED', 'FILTERED', 'QUOTA_LIMIT', 'QUOTA_HEADROOM', 'BELOW_MIN_ALLOCATABLE',
  'MISSING_CAPABILITY', 'RESERVED_FOR_OTHER_ROLE', 'AGENT_EXHAUSTED', 'AGENT_UNAVAILABLE',
];

export const R_INACTIVE = 0;
export const R_SUPPRESSED = 1;
export const R_FILTERED = 2;
export const R_QUOTA_LIMIT = 3;
export const R_QUOTA_HEADROOM = 4;
export const R_BELOW_MIN = 5;
export const R_MISSING_CAPABILITY = 6;
export const R_RESERVED_OTHER = 7;
export const R_EXHAUSTED = 8;
export const R_UNAVAILABLE = 9;
/** Not a reason: the pair gets an offer. */
export const OFFER = -1;
export const NUM_CODES = CODES.length;

/** Details of the last evaluated reason (filled by the evaluator, read when materialising). */
export interface ReasonDetail {
  until: number;
  capability: string;
  side: 'FRAMEWORK' | 'AGENT';
  limitRole: string;
  agentState: 'DEACTIVATED' | 'DRAINING';
}

export function reasonOf(code: number, d: ReasonDetail): NoOfferReason {
  switch (code) {
    case R_FILTERED: return { code: 'FILTERED', until: d.until };
    case R_QUOTA_LIMIT: return { code: 'QUOTA_LIMIT', role: d.limitRole };
    case R_MISSING_CAPABILITY: return { code: 'MISSING_CAPABILITY', capability: d.capability, side: d.side };
    case R_UNAVAILABLE: return { code: 'AGENT_UNAVAILABLE', state: d.agentState };
    default: return { code: CODES[code]! } as NoOfferReason;
  }
}
