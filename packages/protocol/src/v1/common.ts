/**
 * Small shared messages from mesos.proto: values, attributes, labels, time and URLs.
 */
import {
  double, enumeration, int32, int64, message, optional, repeated, required, string, uint32, withDefault,
  type Infer,
} from '../codec/schema.ts';

export const ValueType = enumeration('Value.Type', { SCALAR: 0, RANGES: 1, SET: 2, TEXT: 3 });
export type ValueType = Infer<typeof ValueType>;

/** A scalar value; resources keep three decimal digits (fixed point), see @agora/resources. */
export const ValueScalar = message('Value.Scalar', { value: required(double()) });
export type ValueScalar = Infer<typeof ValueScalar>;
export const ValueRange = message('Value.Range', { begin: required(int64), end: required(int64) });
export type ValueRange = Infer<typeof ValueRange>;
export const ValueRanges = message('Value.Ranges', { range: repeated(ValueRange) });
export type ValueRanges = Infer<typeof ValueRanges>;
export const ValueSet = message('Value.Set', { item: repeated(string) });
export type ValueSet = Infer<typeof ValueSet>;
export const ValueText = message('Value.Text', { value: required(string) });
export type ValueText = Infer<typeof ValueText>;

export const Attribute = message('Attribute', {
  name: required(string),
  type: required(ValueType),
  scalar: optional(ValueScalar),
  ranges: optional(ValueRanges),
  set: optional(ValueSet),
  text: optional(ValueText),
});
export type Attribute = Infer<typeof Attribute>;

export const Label = message('Label', { key: required(string), value: optional(string) });
export type Label = Infer<typeof Label>;
export const Labels = message('Labels', { labels: repeated(Label) });
export type Labels = Infer<typeof Labels>;

export const Parameter = message('Parameter', { key: required(string), value: required(string) });
export type Parameter = Infer<typeof Parameter>;
export const Parameters = message('Parameters', { parameter: repeated(Parameter) });
export type Parameters = Infer<typeof Parameters>;

/**
 * Nanoseconds since the epoch. int64 on the wire; held as a JS number, so present-day times keep
 * microsecond precision (2^53 ns ≈ 104 days is the exact range), which every use here tolerates.
 */
export const TimeInfo = message('TimeInfo', { nanoseconds: required(int64) });
export type TimeInfo = Infer<typeof TimeInfo>;
export const DurationInfo = message('DurationInfo', { nanoseconds: required(int64) });
export type DurationInfo = Infer<typeof DurationInfo>;
export const Unavailability = message('Unavailability', { start: required(TimeInfo), duration: optional(DurationInfo) });
export type Unavailability = Infer<typeof Unavailability>;

export const Address = message('Address', { hostname: optional(string), ip: optional(string), port: required(int32) });
export type Address = Infer<typeof Address>;
export const URL = message('URL', {
  scheme: required(string),
  address: required(Address),
  path: optional(string),
  query: repeated(Parameter),
  fragment: optional(string),
});
export type URL = Infer<typeof URL>;

export const DomainInfo = message('DomainInfo', {
  fault_domain: optional(
    message('DomainInfo.FaultDomain', {
      region: required(message('RegionInfo', { name: required(string) })),
      zone: required(message('ZoneInfo', { name: required(string) })),
    }),
  ),
});
export type DomainInfo = Infer<typeof DomainInfo>;

export const Filters = message('Filters', { refuse_seconds: withDefault(double(), 5) });
export type Filters = Infer<typeof Filters>;

export const MachineID = message('MachineID', { hostname: optional(string), ip: optional(string) });
export type MachineID = Infer<typeof MachineID>;

export const Port = message('Port', {
  number: required(uint32),
  name: optional(string),
  protocol: optional(string),
  visibility: optional(enumeration('DiscoveryInfo.Visibility', { FRAMEWORK: 0, CLUSTER: 1, EXTERNAL: 2 })),
  labels: optional(Labels),
});
export type Port = Infer<typeof Port>;

export const Flag = message('Flag', { name: required(string), value: optional(string) });
export type Flag = Infer<typeof Flag>;
