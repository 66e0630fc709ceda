import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { declineAll, must, R } from './testing/harness.ts';
import type { WhyNoOffer } from './types.ts';

const rng = seededRng(19);

test('per-framework reason counters add up to the agents considered', () => {
  const a = new Allocator();
  for (let i = 0; i < 6; i++) must(a.addAgent(`a${i}`, {}, R('cpus:1;mem:64')));
  must(a.addAgent('gpu', {}, R('cpus:1;mem:64;gpus:1')));
  must(a.addAgent('down', {}, R('cpus:1;mem:64')));
  must(a.deactivateAgent('down'));
  must(a.addFramework('f1', { roles: ['r'] }));
  must(a.addFramework('f2', { roles: ['r'] }));
  must(a.addFramework('f3', { roles: ['r'] }));
  must(a.suppressOffers('f3'));
  const r = a.allocate({ now: 0, rng });
  for (const o of r.outcomes) {
    const sum = Object.values(o.reasons).reduce((x, y) => x + y, 0) + o.offers;
    assert.equal(sum, 8, `${o.frameworkId}: ${JSON.stringify(o)}`);
  }
  const f1 = r.outcomes.find((o) => o.frameworkId === 'f1')!;
  assert.equal(f1.reasons.AGENT_UNAVAILABLE, 1);
  assert.equal(f1.reasons.MISSING_CAPABILITY, 1);
  assert.equal(f1.offers + (f1.reasons.AGENT_EXHAUSTED ?? 0), 6);
  assert.deepEqual(r.outcomes.find((o) => o.frameworkId === 'f3')!.reasons, { SUPPRESSED: 8 });
});

test('explain lists every framework × agent pair exactly once, consistent with the counters', () => {
  const a = new Allocator();
  for (let i = 0; i < 4; i++) must(a.addAgent(`a${i}`, {}, R('cpus:1;mem:64')));
  must(a.addAgent('res', {}, R('cpus(other):1;mem(other):64')));
  must(a.addFramework('f1', { roles: ['r'] }));
  must(a.addFramework('f2', { roles: ['r'] }));
  must(a.addFramework('off', { roles: ['r'] }, { active: false }));
  const r = a.allocate({ now: 0, rng, explain: true });
  const pairs = r.explain!;
  assert.equal(pairs.length, 3 * 5);
  assert.equal(new Set(pairs.map((p) => `${p.frameworkId}/${p.agentId}`)).size, 15);
  for (const o of r.outcomes) {
    const mine = pairs.filter((p) => p.frameworkId === o.frameworkId);
    assert.equal(mine.filter((p) => p.reason === undefined).length, o.offers);
    for (const [code, n] of Object.entries(o.reasons)) assert.equal(mine.filter((p) => p.reason?.code === code).length, n, `${o.frameworkId} ${code}`);
  }
  assert.ok(pairs.some((p) => p.agentId === 'res' && p.reason?.code === 'RESERVED_FOR_OTHER_ROLE'));
  assert.ok(pairs.some((p) => p.reason?.code === 'AGENT_EXHAUSTED'));
});

test('whyNoOffer answers for one pair, now', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['r'] }));
  must(a.addFramework('g', { roles: ['r'] }));
  assert.equal(a.whyNoOffer('nope', 'a1', 0).ok, false);
  const first = (f: string, now: number) => must(a.whyNoOffer(f, 'a1', now))[0]!;
  const reason = (w: WhyNoOffer) => (w.offerable ? undefined : w.reason);
  assert.equal(first('f', 0).offerable, true);
  const r = a.allocate({ now: 0, rng });
  const holder = r.offers[0]!.frameworkId;
  const other = holder === 'f' ? 'g' : 'f';
  assert.deepEqual(reason(first(other, 1)), { code: 'AGENT_EXHAUSTED' });
  declineAll(a, r, 1, 60);
  assert.deepEqual(reason(first(holder, 2)), { code: 'FILTERED', until: 60_001 });
  const w = first(holder, 60_001);
  assert.ok(w.offerable && w.wouldOffer.equals(R('cpus:4;mem:1024')) && w.rank >= 0, 'the filter expired');
});
