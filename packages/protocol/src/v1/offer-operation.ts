/**
 * Offer.Operation (mesos.proto): what a framework does with accepted offers, in order. The
 * sub-message key is the type in lower case (`launch_group` for LAUNCH_GROUP).
 */
import { enumeration, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { ValueScalar } from './common.ts';
import { ExecutorInfo } from './executor-info.ts';
import { OperationID } from './ids.ts';
import { DiskSourceType, Resource } from './resources.ts';
import { TaskGroupInfo, TaskInfo } from './task.ts';

export const OfferOperationType = enumeration('Offer.Operation.Type', {
  UNKNOWN: 0,
  LAUNCH: 1,
  LAUNCH_GROUP: 6,
  RESERVE: 2,
  UNRESERVE: 3,
  CREATE: 4,
  DESTROY: 5,
  GROW_VOLUME: 11,
  SHRINK_VOLUME: 12,
  CREATE_DISK: 13,
  DESTROY_DISK: 14,
});
export type OfferOperationType = Infer<typeof OfferOperationType>;

export const OfferOperationLaunch = message('Offer.Operation.Launch', { task_infos: repeated(TaskInfo) });
export type OfferOperationLaunch = Infer<typeof OfferOperationLaunch>;

/** All tasks of the group are delivered to `executor` at once; `executor.type` must be set. */
export const OfferOperationLaunchGroup = message('Offer.Operation.LaunchGroup', {
  executor: required(ExecutorInfo),
  task_group: required(TaskGroupInfo),
});
export type OfferOperationLaunchGroup = Infer<typeof OfferOperationLaunchGroup>;

/** `source` (optional) names the resources being reserved when refining an existing reservation. */
export const OfferOperationReserve = message('Offer.Operation.Reserve', { source: repeated(Resource), resources: repeated(Resource) });
export type OfferOperationReserve = Infer<typeof OfferOperationReserve>;

export const OfferOperationUnreserve = message('Offer.Operation.Unreserve', { resources: repeated(Resource) });
export type OfferOperationUnreserve = Infer<typeof OfferOperationUnreserve>;

export const OfferOperationCreate = message('Offer.Operation.Create', { volumes: repeated(Resource) });
export type OfferOperationCreate = Infer<typeof OfferOperationCreate>;

export const OfferOperationDestroy = message('Offer.Operation.Destroy', { volumes: repeated(Resource) });
export type OfferOperationDestroy = Infer<typeof OfferOperationDestroy>;

export const OfferOperationGrowVolume = message('Offer.Operation.GrowVolume', { volume: required(Resource), addition: required(Resource) });
export type OfferOperationGrowVolume = Infer<typeof OfferOperationGrowVolume>;

export const OfferOperationShrinkVolume = message('Offer.Operation.ShrinkVolume', { volume: required(Resource), subtract: required(ValueScalar) });
export type OfferOperationShrinkVolume = Infer<typeof OfferOperationShrinkVolume>;

/** Turns a RAW disk into a MOUNT or BLOCK disk (`target_type`), optionally applying a profile. */
export const OfferOperationCreateDisk = message('Offer.Operation.CreateDisk', {
  source: required(Resource),
  target_type: required(DiskSourceType),
  target_profile: optional(string),
});
export type OfferOperationCreateDisk = Infer<typeof OfferOperationCreateDisk>;

export const OfferOperationDestroyDisk = message('Offer.Operation.DestroyDisk', { source: required(Resource) });
export type OfferOperationDestroyDisk = Infer<typeof OfferOperationDestroyDisk>;

/**
 * One operation. `id` asks for UPDATE_OPERATION_STATUS feedback and is not allowed on LAUNCH
 * or LAUNCH_GROUP; the master enforces that (and the type/sub-message match) per operation.
 */
export const OfferOperation = message('Offer.Operation', {
  type: optional(OfferOperationType),
  id: optional(OperationID),
  launch: optional(OfferOperationLaunch),
  launch_group: optional(OfferOperationLaunchGroup),
  reserve: optional(OfferOperationReserve),
  unreserve: optional(OfferOperationUnreserve),
  create: optional(OfferOperationCreate),
  destroy: optional(OfferOperationDestroy),
  grow_volume: optional(OfferOperationGrowVolume),
  shrink_volume: optional(OfferOperationShrinkVolume),
  create_disk: optional(OfferOperationCreateDisk),
  destroy_disk: optional(OfferOperationDestroyDisk),
});
export type OfferOperation = Infer<typeof OfferOperation>;

/** The sub-message field that goes with each operation type. */
export const OFFER_OPERATION_FIELD = {
  LAUNCH: 'launch',
  LAUNCH_GROUP: 'launch_group',
  RESERVE: 'reserve',
  UNRESERVE: 'unreserve',
  CREATE: 'create',
  DESTROY: 'destroy',
  GROW_VOLUME: 'grow_volume',
  SHRINK_VOLUME: 'shrink_volume',
  CREATE_DISK: 'create_disk',
  DESTROY_DISK: 'destroy_disk',
} as const satisfies Record<Exclude<OfferOperationType, 'UNKNOWN'>, keyof OfferOperation>;
