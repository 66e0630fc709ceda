/** Roles and weights (mesos.proto). */
import { double, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { FrameworkID } from './ids.ts';
import { Resource } from './resources.ts';

/** A role's weight (default 1.0); the allocator divides the role's dominant share by it. */
export const WeightInfo = message('WeightInfo', { weight: required(double()), role: optional(string) });
export type WeightInfo = Infer<typeof WeightInfo>;

/** A role as GET_ROLES reports it: its weight, subscribed frameworks and allocated resources. */
export const Role = message('Role', {
  name: required(string),
  weight: required(double()),
  frameworks: repeated(FrameworkID),
  resources: repeated(Resource),
});
export type Role = Infer<typeof Role>;
