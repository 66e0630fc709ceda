// Public entry of @agora/allocator: the hierarchical DRF allocator as a pure decision engine.
export { Allocator, type Conversion } from './allocator.ts';
export { allocate, fromSnapshot } from './functional.ts';
export { OfferLedger, type OutstandingOffer } from './ledger.ts';
export { seededRng, shuffle, type Rng } from './rng.ts';
export { parseMinAllocatableResources, DEFAULT_MIN_ALLOCATABLE, refuseMs, type AllocatorOptions } from './options.ts';
export { frameworkSpecFromInfo, agentSpecFromInfo } from './spec.ts';
export type { NoOfferReason, ReasonCode } from './reasons.ts';
export type {
  AddAgentOptions, AddFrameworkOptions, AgentSpec, AllocateParams, AllocationResult, CycleStats, FrameworkRoleOutcome,
  FrameworkSpec, InverseOffer, Offer, PairOutcome, QuotaSpec, ResourcesById, WhyNoOffer,
} from './types.ts';
export type {
  AgentSnapshot, AllocatorInspection, AllocatorSnapshot, FilterSnapshot, FrameworkSnapshot, RoleSnapshot,
} from './snapshot-io.ts';
export type { Sorter, SorterContext, SorterKind } from './sorter/sorter.ts';
export { DrfSorter } from './sorter/drf.ts';
export { RandomSorter } from './sorter/random.ts';
export { ClusterTotals, NameIndex } from './names.ts';
