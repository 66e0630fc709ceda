/**
 * Small shared messages from mesos.proto: values, attributes, labels, time and URLs.
 */
import {
  double, enumeration, fail, int32, int64, message, optional, repeated, required, string, uint32, uint64, withDefault,
  type Decoder, type Infer,
} from '../codec/schema.ts';

export const ValueType = enumeration('Value.Type', { SCALAR: 0, RANGES: 1, SET: 2, TEXT: 3 });
export type ValueType = Infer<typeof ValueType>;

/** A scalar value; resources keep three decimal digits (fixed point), see @agora/resources. */
export const ValueScalar = message('Value.Scalar', { value: required(double()) });
export type ValueScalar = Infer<typeof ValueScalar>;
/** A `Value.Scalar` that may also be `"Infinity"` (resource `limits`, where it means "no limit"). */
export const LimitScalar = message('Value.Scalar', { value: required(double({ nonFinite: true })) });
export type LimitScalar = Infer<typeof LimitScalar>;
export const ValueRange = message('Value.Range', { begin: required(uint64), end: required(uint64) });
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

export const DiscoveryVisibility = enumeration('DiscoveryInfo.Visibility', { FRAMEWORK: 0, CLUSTER: 1, EXTERNAL: 2 });
export type DiscoveryVisibility = Infer<typeof DiscoveryVisibility>;

export const Port = message('Port', {
  number: required(uint32),
  name: optional(string),
  protocol: optional(string),
  visibility: optional(DiscoveryVisibility),
  labels: optional(Labels),
});
export type Port = Infer<typeof Port>;

export const Flag = message('Flag', { name: required(string), value: optional(string) });
export type Flag = Infer<typeof Flag>;

/**
 * `google.protobuf.Duration` (only `DRAIN_AGENT.max_grace_period` uses it). Accepted as the
 * protobuf-JSON text form (`"10s"`, `"1.5s"`) or as `{seconds, nanos}`; always kept in the text
 * form, which is what Mesos emits. See `googleDurationToNanos` in durations.ts.
 */
const GOOGLE_DURATION_TEXT = /^-?\d{1,12}(\.\d{1,9})?s$/;
export const GoogleDuration: Decoder<string> = {
  expected: 'google.protobuf.Duration',
  decode(input, path, ctx) {
    if (typeof input === 'string') {
      return GOOGLE_DURATION_TEXT.test(input) ? input : fail(ctx, path, `expected a duration such as "10s", got "${input.slice(0, 40)}"`);
    }
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const o = input as Record<string, unknown>;
      const seconds = o.seconds ?? 0;
      const nanos = o.nanos ?? 0;
      const s = typeof seconds === 'string' && /^-?\d+$/.test(seconds) ? Number(seconds) : seconds;
      const n = typeof nanos === 'string' && /^-?\d+$/.test(nanos) ? Number(nanos) : nanos;
      // The field at fault is named in the path (`….max_grace_period.seconds`), as for messages.
      if (typeof s !== 'number' || !Number.isInteger(s) || Math.abs(s) > 315576000000) return fail(ctx, { parent: path, key: 'seconds' }, 'expected an integer number of seconds in a google.protobuf.Duration');
      if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 999999999) return fail(ctx, { parent: path, key: 'nanos' }, 'expected an integer (|nanos| < 1e9) in a google.protobuf.Duration');
      if ((s > 0 && n < 0) || (s < 0 && n > 0)) return fail(ctx, path, '`seconds` and `nanos` of a google.protobuf.Duration must have the same sign');
      const negative = s < 0 || n < 0;
      const frac = n === 0 ? '' : '.' + String(Math.abs(n)).padStart(9, '0').replace(/0+$/, '');
      return `${negative ? '-' : ''}${Math.abs(s)}${frac}s`;
    }
    return fail(ctx, path, 'expected a google.protobuf.Duration ("10s" or {seconds, nanos})');
  },
};
