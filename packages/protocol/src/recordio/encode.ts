/**
 * RecordIO framing (Mesos docs/recordio.md): `<decimal byte length>\n<bytes>`, no trailing
 * newline, length never 0. The scheduler, executor and operator streams use it.
 */
const encoder = new TextEncoder();

/**
 * One framed record. Strings are UTF-8 encoded; the prefix counts bytes, not characters.
 * Servers should write each record with a single write (one HTTP chunk), as Mesos does.
 */
export function encodeRecord(data: string | Uint8Array): Uint8Array {
  const body = typeof data === 'string' ? encoder.encode(data) : data;
  const prefix = encoder.encode(`${body.length}\n`);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}
