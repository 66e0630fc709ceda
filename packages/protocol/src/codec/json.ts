/**
 * JSON output as Mesos writes it. Decoded messages are plain JSON values already (enums as
 * names, bytes as base64, IDs as `{value}`), so `JSON.stringify` is nearly enough; the one
 * difference is non-finite doubles (TaskInfo.limits), which protobuf-JSON writes as the strings
 * "Infinity", "-Infinity" and "NaN" where JSON.stringify would write null.
 */
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}
