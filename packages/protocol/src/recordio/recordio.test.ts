import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeRecord } from './encode.ts';
import { DEFAULT_MAX_RECORD_BYTES, RecordIODecoder } from './decode.ts';
import { readJsonRecords, readRecords } from './stream.ts';
import { scheduler } from '../index.ts';

const te = new TextEncoder();
const td = new TextDecoder();
const bytes = (s: string) => te.encode(s);
const text = (records: Uint8Array[]) => records.map((r) => td.decode(r));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits `data` at the given cut points (any order, duplicates allowed → empty chunks). */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push(data.subarray(points[i]!, points[i + 1]!));
  return out;
}

function decodeAll(chunks: Uint8Array[], max?: number): Uint8Array[] | string {
  const d = new RecordIODecoder(max === undefined ? {} : { maxRecordBytes: max });
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    const r = d.push(c);
    if (!r.ok) return r.error.message;
    out.push(...r.value);
  }
  const end = d.end();
  return end.ok ? out : end.error.message;
}

test('encodeRecord: decimal byte length, newline, bytes, no trailing newline', () => {
  assert.equal(td.decode(encodeRecord('{"type":"HEARTBEAT"}')), '20\n{"type":"HEARTBEAT"}');
  assert.equal(td.decode(encodeRecord('é')), '2\né', 'the prefix counts UTF-8 bytes');
  assert.deepEqual(encodeRecord(new Uint8Array([1, 2, 3])), new Uint8Array([0x33, 0x0a, 1, 2, 3]));
});

test('several records per chunk, prefixes split across chunks, empty chunks', () => {
  const stream = td.decode(concat([encodeRecord('{"a":1}'), encodeRecord('{"b":22}'), encodeRecord('x'.repeat(123))]));
  const d = new RecordIODecoder();
  const pieces = ['7\n{"a":1}8', '', '\n{"b":2', '2}1', '2', '3\n', 'x'.repeat(100), 'x'.repeat(23)];
  assert.equal(pieces.join(''), stream);
  const got: string[] = [];
  for (const p of pieces) {
    const r = d.push(bytes(p));
    assert.ok(r.ok);
    got.push(...text(r.value));
    if (p === '') assert.deepEqual(r.value, []);
  }
  assert.deepEqual(got, ['{"a":1}', '{"b":22}', 'x'.repeat(123)]);
  assert.ok(d.idle);
  assert.ok(d.end().ok);
});

test('bad lengths are rejected, and the first error is final', () => {
  const bad = (s: string, max?: number) => decodeAll([bytes(s)], max);
  assert.equal(bad('abc\n'), "unexpected character 'a' in a record length");
  assert.equal(bad('+5\nhello'), "unexpected character '+' in a record length");
  assert.equal(bad(' 5\nhello'), "unexpected character ' ' in a record length");
  assert.equal(bad('5 \nhello'), "unexpected character ' ' in a record length");
  assert.equal(bad('-1\n'), "unexpected character '-' in a record length");
  assert.equal(bad('5\r\nhello'), 'unexpected byte 0x0d in a record length');
  assert.equal(bad('0\n'), 'record length 0 is not allowed');
  assert.equal(bad('000\n'), 'record length 0 is not allowed');
  assert.equal(bad('\n'), 'empty record length');
  assert.equal(bad('11\nhello world12'), 'stream ended inside a record length');
  assert.equal(bad('11\nhello world12\n'), 'stream ended inside a record (0 of 12 bytes)');
  assert.equal(bad('11\nhello'), 'stream ended inside a record (5 of 11 bytes)');
  assert.equal(bad('1025\n', 1024), 'record length exceeds the limit of 1024 bytes');
  assert.deepEqual(text(bad('1024\n' + 'y'.repeat(1024), 1024) as Uint8Array[]), ['y'.repeat(1024)]);
  assert.equal(bad(`${DEFAULT_MAX_RECORD_BYTES + 1}\n`), `record length exceeds the limit of ${DEFAULT_MAX_RECORD_BYTES} bytes`);
  assert.equal(bad('99999999999999999999999999999999999\n'), `record length exceeds the limit of ${DEFAULT_MAX_RECORD_BYTES} bytes`);
  assert.equal(bad('0'.repeat(40) + '1\nx'), 'record length prefix is too long');

  const d = new RecordIODecoder();
  const r = d.push(bytes('2\nok3\nyes+1\nz'));
  assert.ok(!r.ok);
  assert.deepEqual(text(r.error.records), ['ok', 'yes'], 'records before the error are handed back');
  const again = d.push(bytes('2\nok'));
  assert.ok(!again.ok && again.error.message === "unexpected character '+' in a record length" && again.error.records.length === 0);
  assert.ok(!d.end().ok && !d.idle);
});

const records = fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 50 }).map(bytes), fc.uint8Array({ minLength: 1, maxLength: 300 })), { maxLength: 20 });

test('property: any split of an encoded stream yields the same records', () => {
  fc.assert(
    fc.property(records, fc.array(fc.nat(), { maxLength: 40 }), (recs, cuts) => {
      const stream = concat(recs.map((r) => encodeRecord(r)));
      assert.deepEqual(decodeAll(split(stream, cuts)), recs);
    }),
    { numRuns: 400 },
  );
});

test('property: byte-at-a-time decoding equals whole-stream decoding', () => {
  fc.assert(
    fc.property(records, (recs) => {
      const stream = concat(recs.map((r) => encodeRecord(r)));
      const oneByOne = Array.from(stream, (b) => new Uint8Array([b]));
      assert.deepEqual(decodeAll(oneByOne), decodeAll([stream]));
      assert.deepEqual(decodeAll([stream]), recs);
    }),
    { numRuns: 100 },
  );
});

test('property: garbage never throws; a failed decoder stays failed', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), fc.nat({ max: 4096 }), (chunks, max) => {
      const d = new RecordIODecoder({ maxRecordBytes: max });
      let failed: string | undefined;
      for (const c of chunks) {
        const r = d.push(c);
        if (failed !== undefined) assert.ok(!r.ok && r.error.message === failed);
        else if (!r.ok) failed = r.error.message;
        else for (const rec of r.value) assert.ok(rec.length > 0 && rec.length <= max);
      }
    }),
    { numRuns: 400 },
  );
});

function streamOf(chunks: Uint8Array[], failWith?: Error): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (failWith) controller.error(failWith);
      else controller.close();
    },
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('readRecords over a web ReadableStream', async () => {
  const stream = concat([encodeRecord('one'), encodeRecord('two'), encodeRecord('three')]);
  const got = await collect(readRecords(streamOf(split(stream, [1, 5, 6, 9]))));
  assert.deepEqual(got.map((r) => (r.ok ? td.decode(r.value) : r.error)), ['one', 'two', 'three']);

  const truncated = await collect(readRecords(streamOf([bytes('3\none5\ntw')])));
  assert.deepEqual(truncated.map((r) => (r.ok ? td.decode(r.value) : `error: ${r.error}`)), ['one', 'error: stream ended inside a record (2 of 5 bytes)']);

  const corrupt = await collect(readRecords(streamOf([bytes('3\noneX\n'), bytes('3\nnever')])));
  assert.deepEqual(corrupt.map((r) => (r.ok ? td.decode(r.value) : `error: ${r.error}`)), ['one', "error: unexpected character 'X' in a record length"]);

  const broken = await collect(readRecords(streamOf([bytes('3\none')], new Error('connection reset'))));
  assert.deepEqual(broken.map((r) => (r.ok ? td.decode(r.value) : `error: ${r.error}`)), ['one', 'error: stream failed: connection reset']);
});

test('breaking out of the loop cancels the stream', async () => {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(encodeRecord('tick'));
    },
    cancel() {
      cancelled = true;
    },
  });
  let n = 0;
  for await (const r of readRecords(stream)) {
    assert.ok(r.ok);
    if (++n === 3) break;
  }
  assert.ok(cancelled);
});

test('readJsonRecords decodes scheduler events; a bad record is an error value and reading goes on', async () => {
  const chunks = [
    encodeRecord(JSON.stringify({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'f' }, heartbeat_interval_seconds: 15 } })),
    encodeRecord('{"type":"HEARTBEAT"}'),
    encodeRecord('{"type":"RESCIND","rescind":{}}'),
    encodeRecord('{"type":"ERROR","error":{"message":"Framework failed over"}}'),
  ];
  const got = await collect(readJsonRecords(streamOf([concat(chunks)]), scheduler.Event));
  assert.deepEqual(got.map((r) => (r.ok ? r.value.type : `error: ${r.error}`)), ['SUBSCRIBED', 'HEARTBEAT', 'error: rescind.offer_id: missing required field', 'ERROR']);
});
