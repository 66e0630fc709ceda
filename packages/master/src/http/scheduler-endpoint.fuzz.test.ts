// Fuzz: hostile `POST /api/v1/scheduler` bodies and headers never crash the master, are answered
// 4xx in plain text naming what is wrong, and leave the master's state as it was. fast-check picks
// a random seed per run; a failure prints it with the shrunk payload (replay with { seed, path }).
// Knobs: FUZZ_RUNS (runs per property), FUZZ_NO_SHRINK=1 (stop at the first failure), FUZZ_DEBUG=1
// (print each request and answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEdits, edits, hostileValue, materialize, printPath, type Json, type Mutation } from '../../../runtime/src/fuzz.ts';
import { send, stateOf, world, type World } from './fuzz-world.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 250);

/** A valid call of every type, aimed at the world's framework, offers, agents and task. */
function baseCalls(w: World): Record<string, Json> {
  const fid = { value: w.s.frameworkId! };
  const offer = w.s.liveOffers()[0]!;
  const agentId = { value: w.agents[0]!.id! };
  const info = { user: 'root', name: 'test', failover_timeout: 0, checkpoint: false };
  const task = (id: string) => ({
    name: id, task_id: { value: id }, agent_id: offer.agent_id,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } }],
    command: { value: 'echo hi', environment: { variables: [{ name: 'A', value: 'b' }] } },
    health_check: { type: 'COMMAND', command: { value: 'true' }, interval_seconds: 1 },
    kill_policy: { grace_period: { nanoseconds: 1000 } },
    labels: { labels: [{ key: 'k', value: 'v' }] },
  });
  const executor = { executor_id: { value: 'ex' }, type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] };
  const calls: Record<string, unknown> = {
    SUBSCRIBE: { type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, name: 'another' }, suppressed_roles: [] } },
    RESUBSCRIBE: { type: 'SUBSCRIBE', framework_id: fid, subscribe: { framework_info: { ...info, id: fid } } },
    TEARDOWN: { type: 'TEARDOWN', framework_id: fid },
    ACCEPT: {
      type: 'ACCEPT', framework_id: fid,
      accept: {
        offer_ids: [offer.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 }, reservations: [{ type: 'DYNAMIC', role: '*', principal: 'p' }] }] } },
          { type: 'LAUNCH', launch: { task_infos: [task('t1')] } },
          { type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: [task('t2')] } } },
        ],
        filters: { refuse_seconds: 5 },
      },
    },
    DECLINE: { type: 'DECLINE', framework_id: fid, decline: { offer_ids: [offer.id], filters: { refuse_seconds: 10 } } },
    ACCEPT_INVERSE_OFFERS: { type: 'ACCEPT_INVERSE_OFFERS', framework_id: fid, accept_inverse_offers: { inverse_offer_ids: [{ value: 'io' }], filters: { refuse_seconds: 1 } } },
    DECLINE_INVERSE_OFFERS: { type: 'DECLINE_INVERSE_OFFERS', framework_id: fid, decline_inverse_offers: { inverse_offer_ids: [{ value: 'io' }] } },
    REVIVE: { type: 'REVIVE', framework_id: fid, revive: { roles: ['*'] } },
    SUPPRESS: { type: 'SUPPRESS', framework_id: fid, suppress: { roles: ['*'] } },
    KILL: { type: 'KILL', framework_id: fid, kill: { task_id: { value: w.taskId }, agent_id: offer.agent_id, kill_policy: { grace_period: { nanoseconds: 5 } } } },
    SHUTDOWN: { type: 'SHUTDOWN', framework_id: fid, shutdown: { executor_id: { value: 'ex' }, agent_id: agentId } },
    ACKNOWLEDGE: { type: 'ACKNOWLEDGE', framework_id: fid, acknowledge: { agent_id: agentId, task_id: { value: w.taskId }, uuid: w.statusUuid } },
    ACKNOWLEDGE_OPERATION_STATUS: { type: 'ACKNOWLEDGE_OPERATION_STATUS', framework_id: fid, acknowledge_operation_status: { agent_id: agentId, uuid: w.statusUuid, operation_id: { value: 'op' } } },
    RECONCILE: { type: 'RECONCILE', framework_id: fid, reconcile: { tasks: [{ task_id: { value: w.taskId }, agent_id: agentId }] } },
    RECONCILE_OPERATIONS: { type: 'RECONCILE_OPERATIONS', framework_id: fid, reconcile_operations: { operations: [{ operation_id: { value: 'op' }, agent_id: agentId }] } },
    MESSAGE: { type: 'MESSAGE', framework_id: fid, message: { agent_id: agentId, executor_id: { value: 'ex' }, data: 'aGVsbG8=' } },
    REQUEST: { type: 'REQUEST', framework_id: fid, request: { requests: [{ agent_id: agentId, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }] } },
    UPDATE_FRAMEWORK: { type: 'UPDATE_FRAMEWORK', framework_id: fid, update_framework: { framework_info: { ...info, id: fid, name: 'renamed' }, suppressed_roles: [] } },
  };
  return calls as Record<string, Json>;
}

/** What a 4xx from this endpoint must look like: plain text that says what is wrong. */
function assertWellFormed4xx(a: { status: number; contentType: string; body: string }): void {
  assert.match(a.contentType, /^text\/plain/, `a ${a.status} is plain text`);
  assert.ok(a.body.trim().length > 0, `a ${a.status} says why`);
  assert.ok(a.body.length < 4096, `a ${a.status} does not echo a huge input back (${a.body.length} chars)`);
}

/**
 * A decode error names a place related to what was mutated: the mutated field, something inside
 * it, or (for a removed required field) the field itself. Mutations at several places may fail at
 * any of them.
 */
function assertNamesField(body: string, ms: Mutation[]): void {
  // A validation error names the field it is about, quoted ('framework_id', 'acknowledge.uuid').
  const invalid = /^Failed to validate scheduler::Call: (.*)$/s.exec(body);
  if (invalid) assert.match(invalid[1]!, /'[a-z_]+(\.[a-z_]+)*'/, `the validation error names a field: ${invalid[1]!.slice(0, 300)}`);
  const m = /^Failed to convert JSON into Call protobuf: (.*)$/s.exec(body);
  if (!m) return;
  const reported = m[1]!;
  if (/^(malformed JSON|input could not be decoded|expected an object)/.test(reported)) return;
  const ok = ms.some((x) => {
    const p = printPath(x.at);
    const parent = printPath(x.at.slice(0, -1));
    return reported.startsWith(p) || (x.op !== 'set' && parent !== '' && reported.startsWith(parent));
  });
  assert.ok(ok, `the decode error names the mutated field (${ms.map((x) => printPath(x.at)).join(', ')}): ${reported.slice(0, 300)}`);
}

async function stillServes(w: World): Promise<void> {
  const health = await send(w, 'GET', '/master/health', undefined, {});
  assert.equal(health.status, 200);
  // The framework may have been torn down or replaced by the accepted call; REVIVE from a fresh one works.
  const ok = await send(w, 'POST', '/api/v1/scheduler', JSON.stringify({ type: 'REVIVE', framework_id: { value: 'nope' } }), { 'content-type': 'application/json' });
  assert.equal(ok.status, 400);
  assert.match(ok.body, /Framework cannot be found/);
}

test('fuzz: mangled scheduler calls of every type are answered < 500, 4xx names the field, rejected calls change nothing', async () => {
  // One world per run: an accepted call (TEARDOWN, a launch) changes it.
  const probe = await world();
  const types = Object.keys(baseCalls(probe));
  await probe.close();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...types), edits, async (type, es) => {
      const w = await world();
      try {
        const base = baseCalls(w)[type]!;
        const { body, applied: ms } = applyEdits(base, es);
        const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
        if ((body as { type?: unknown })?.type !== 'SUBSCRIBE') headers['mesos-stream-id'] = w.s.streamId!;
        const before = await stateOf(w);
        if (process.env.FUZZ_DEBUG) console.error(type, JSON.stringify(body).slice(0, 200));
        const a = await send(w, 'POST', '/api/v1/scheduler', JSON.stringify(body), headers);
        if (process.env.FUZZ_DEBUG) console.error(' ->', a.status, a.body.slice(0, 100));
        assert.ok(a.status < 500 || (a.status === 501 && /UNKNOWN/.test(a.body)), `answered ${a.status}: ${a.body.slice(0, 300)}`);
        if (a.status >= 400) {
          assertWellFormed4xx(a);
          assertNamesField(a.body, ms);
          assert.deepEqual(await stateOf(w), before, `a rejected call (${a.status} ${a.body.slice(0, 200)}) changed /master/state`);
        }
        w.h.settle();
        await stillServes(w);
      } finally {
        await w.close();
      }
    }),
    { numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', includeErrorInReport: true },
  );
});

test('fuzz: hostile headers and raw bodies on the scheduler endpoint', async () => {
  const w = await world();
  try {
    const rawBody = fc.oneof(
      fc.string({ maxLength: 64 }),
      fc.constantFrom('', '{', '[]', 'null', '1', '"x"', '{"type":1e999}', '{"type":"REVIVE","framework_id":{"value":"x"}}\n{"x":1}', '5\n{"a":1}', '\u0000', '\uFEFF{}',
        // Nesting far deeper than any JSON.stringify in a test could build.
        `{"type":"REVIVE","framework_id":{"value":"x"},"revive":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
        `{"type":"SUBSCRIBE","subscribe":{"framework_info":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}`),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      hostileValue.map((v) => JSON.stringify({ type: 'REVIVE', framework_id: { value: w.s.frameworkId }, revive: materialize(v) })),
    );
    const header = fc.option(fc.oneof(fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.constantFrom('application/json', 'application/x-protobuf', 'application/recordio', 'text/html', 'APPLICATION/JSON; charset=utf-8', '*/*', 'application/*')), { nil: undefined });
    const before = await stateOf(w);
    await fc.assert(
      fc.asyncProperty(rawBody, header, header, fc.option(fc.constantFrom(w.s.streamId!, '', 'other', 'x'.repeat(5000)), { nil: undefined }), async (body, contentType, accept, streamId) => {
        const headers: Record<string, string> = {};
        if (contentType !== undefined) headers['content-type'] = contentType;
        if (accept !== undefined) headers.accept = accept;
        if (streamId !== undefined) headers['mesos-stream-id'] = streamId;
        const a = await send(w, 'POST', '/api/v1/scheduler', body, headers);
        assert.ok(a.status < 500 || (a.status === 501 && /UNKNOWN/.test(a.body)), `answered ${a.status}: ${a.body.slice(0, 300)}`);
        if (a.status >= 400) {
          assertWellFormed4xx(a);
          // The documented Mesos answers for the media types.
          if (contentType === 'application/x-protobuf') assert.equal(a.status, 415);
        }
      }),
      { numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', includeErrorInReport: true },
    );
    // Only REVIVE (and SUBSCRIBEs of new frameworks) can have been accepted: the framework and its task are as they were.
    const after = (await stateOf(w)) as { frameworks: Array<{ id: string; tasks: unknown[] }> };
    const mine = (s: unknown) => (s as typeof after).frameworks.find((f) => f.id === w.s.frameworkId);
    assert.deepEqual(mine(after)?.tasks, mine(before)?.tasks);
    await stillServes(w);
  } finally {
    await w.close();
  }
});
