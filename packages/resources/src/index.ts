// Public entry of @agora/resources: resource arithmetic as Mesos defines it. Pure: no I/O.
export { Resources } from './resources.ts';
export { ResourceQuantities } from './quantities.ts';
export { ResourceLimits } from './limits.ts';
export { resourceNameId, resourceNames } from './names.ts';
export { Identity, Flag, reservationsEqual } from './identity.ts';
export type { Reservation, ReservationKind, ValueKind, DiskIdentity } from './identity.ts';
export type { Entry } from './entry.ts';
export { makeEntry, withScalar } from './entry.ts';
export type { ResourceFormat } from './proto.ts';
export type { FromProtoOptions } from './validate.ts';
export type { LegacyResources } from './legacy.ts';
export type { Ranges } from './ranges.ts';
export { countRanges, formatRanges } from './ranges.ts';
export { checkCommandLineResources } from './command-line.ts';
export { conversionsFor, withCheckpointed, type Conversion, type ResourceOperation } from './conversions.ts';
export { toMilli, fromMilli, formatMilli, MAX_SCALAR_UNITS } from './fixed.ts';
export {
  UNRESERVED_ROLE, roleProblem, isValidRole, isStrictSubrole, isInSubtree, roleAncestors, parentRole, topLevelRole,
  isHierarchicalRole,
} from './roles.ts';
