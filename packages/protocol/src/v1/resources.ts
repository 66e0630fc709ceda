/**
 * The Resource message and its parts, exactly as Mesos puts them on the wire. Arithmetic and
 * semantic validation (negative values, overlapping ranges, reservation rules) live in
 * @agora/resources; this file only describes and decodes the shape.
 */
import {
  double, empty, enumeration, message, optional, repeated, required, string, type Infer,
} from '../codec/schema.ts';
import { Labels, ValueRanges, ValueScalar, ValueSet, ValueType } from './common.ts';
import { ResourceProviderID } from './ids.ts';
import { Volume } from './volume.ts';

export const ReservationType = enumeration('Resource.ReservationInfo.Type', { UNKNOWN: 0, STATIC: 1, DYNAMIC: 2 });
export type ReservationType = Infer<typeof ReservationType>;

/** One entry of a reservation stack (post-refinement format), or the pre-refinement `reservation`. */
export const ReservationInfo = message('Resource.ReservationInfo', {
  type: optional(ReservationType),
  role: optional(string),
  principal: optional(string),
  labels: optional(Labels),
});
export type ReservationInfo = Infer<typeof ReservationInfo>;

export const AllocationInfo = message('Resource.AllocationInfo', { role: optional(string) });
export type AllocationInfo = Infer<typeof AllocationInfo>;

export const DiskSourceType = enumeration('Resource.DiskInfo.Source.Type', { UNKNOWN: 0, PATH: 1, MOUNT: 2, BLOCK: 3, RAW: 4 });
export type DiskSourceType = Infer<typeof DiskSourceType>;

export const DiskPersistence = message('Resource.DiskInfo.Persistence', { id: required(string), principal: optional(string) });
export type DiskPersistence = Infer<typeof DiskPersistence>;

/** Where a disk comes from: the agent's root disk (absent), a PATH or MOUNT disk, or a CSI BLOCK/RAW disk. */
export const DiskSource = message('Resource.DiskInfo.Source', {
  type: required(DiskSourceType),
  path: optional(message('Resource.DiskInfo.Source.Path', { root: optional(string) })),
  mount: optional(message('Resource.DiskInfo.Source.Mount', { root: optional(string) })),
  vendor: optional(string),
  id: optional(string),
  metadata: optional(Labels),
  profile: optional(string),
});
export type DiskSource = Infer<typeof DiskSource>;

export const DiskInfo = message('Resource.DiskInfo', {
  persistence: optional(DiskPersistence),
  volume: optional(Volume),
  source: optional(DiskSource),
});
export type DiskInfo = Infer<typeof DiskInfo>;

export const Resource = message('Resource', {
  provider_id: optional(ResourceProviderID),
  name: required(string),
  type: required(ValueType),
  scalar: optional(ValueScalar),
  ranges: optional(ValueRanges),
  set: optional(ValueSet),
  /** Deprecated pre-refinement role; present only when set (Mesos sets it when down-converting). */
  role: optional(string),
  allocation_info: optional(AllocationInfo),
  /** Deprecated pre-refinement dynamic reservation. */
  reservation: optional(ReservationInfo),
  reservations: repeated(ReservationInfo),
  disk: optional(DiskInfo),
  revocable: optional(empty),
  shared: optional(empty),
});
export type Resource = Infer<typeof Resource>;

/** Resource quantities as Mesos's `Value.Scalar` map (`{"cpus":{"value":1}}`), used by quota and offer filters. */
export const ResourceQuantity = message('Value.Scalar', { value: required(double()) });
