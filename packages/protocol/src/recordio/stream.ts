/**
 * Reading RecordIO from a web `ReadableStream` (fetch's `response.body` in browsers and Node).
 * Yields Result values: records as they complete, then at most one error (a framing error, a
 * truncated stream, or the stream itself failing), after which iteration ends. Breaking out of
 * the loop cancels the stream.
 */
import { ok, err, type Result } from '../codec/result.ts';
import { decodeJson, formatDecodeError, type Decoder } from '../codec/schema.ts';
import { RecordIODecoder, type RecordIODecoderOptions } from './decode.ts';

export async function* readRecords(
  stream: ReadableStream<Uint8Array>,
  options: RecordIODecoderOptions = {},
): AsyncGenerator<Result<Uint8Array>, void, undefined> {
  const decoder = new RecordIODecoder(options);
  const reader = stream.getReader();
  let done = false;
  try {
    while (true) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        done = true;
        yield err(`stream failed: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      if (chunk.done) {
        done = true;
        const end = decoder.end();
        if (!end.ok) yield err(end.error.message);
        return;
      }
      const result = decoder.push(chunk.value);
      const records = result.ok ? result.value : result.error.records;
      for (const r of records) yield ok(r);
      if (!result.ok) {
        yield err(result.error.message);
        return;
      }
    }
  } finally {
    // Stop the producer when the consumer stops early or we gave up on a corrupt stream.
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Records decoded as JSON messages (e.g. `scheduler.Event`). A record that does not decode is
 * an error value naming the field; iteration continues after it, since framing is intact.
 */
export async function* readJsonRecords<T>(
  stream: ReadableStream<Uint8Array>,
  decoder: Decoder<T>,
  options: RecordIODecoderOptions = {},
): AsyncGenerator<Result<T>, void, undefined> {
  const text = new TextDecoder('utf-8', { fatal: false });
  for await (const record of readRecords(stream, options)) {
    if (!record.ok) {
      yield record;
      return;
    }
    const decoded = decodeJson(decoder, text.decode(record.value));
    yield decoded.ok ? decoded : err(formatDecodeError(decoded.error));
  }
}
