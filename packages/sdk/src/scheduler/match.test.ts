import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { unwrap, type Offer, type Resource } from '@agora/protocol';
import { countRanges, Resources, toMilli } from '@agora/resources';
import { matchOffer, matchOffers, offerRole, takeResources } from './match.ts';
import { parseResourceSpec, type ResourceSpec } from './resource-spec.ts';
import { buildCommandTask, commandInfo, newTaskId, planCommandTasks } from './tasks.ts';

const scalar = (name: string, value: number, role = '*', extra: Partial<Resource> = {}): Resource => ({
  name,
  type: 'SCALAR',
  scalar: { value },
  allocation_info: { role },
  ...extra,
});
const reserved = (role: string) => ({ reservations: [{ type: 'STATIC' as const, role }] });

function offerOf(resources: Resource[], role = '*', id = 'o1', agent = 'S1'): Offer {
  return { id: { value: id }, framework_id: { value: 'f' }, agent_id: { value: agent }, hostname: 'h', resources, allocation_info: { role } };
}

const names = (rs: Resource[]) => rs.map((r) => `${r.name}${r.reservations?.length ? `(${r.reservations.at(-1)!.role})` : ''}:${r.scalar?.value ?? JSON.stringify(r.ranges?.range)}`);

test('parseResourceSpec: short text forms and their errors', () => {
  assert.deepEqual(unwrap(parseResourceSpec('cpus:0.1;mem:32')), { cpus: 0.1, mem: 32 });
  assert.deepEqual(unwrap(parseResourceSpec(' cpus=1, mem=128 ,ports:2 ')), { cpus: 1, mem: 128, ports: 2 });
  const bad = (t: string) => {
    const r = parseResourceSpec(t);
    return r.ok ? 'ok' : r.error;
  };
  assert.match(bad(''), /names no resources/);
  assert.match(bad('cpus'), /not name:amount/);
  assert.match(bad('cpus:-1'), /not a non-negative number/);
  assert.match(bad('cpus:1;cpus:2'), /given twice/);
  assert.match(bad('1cpus:1'), /not a resource name/);
});

test('first fit: items that do not fit are skipped, later smaller ones still placed', () => {
  const o = offerOf([scalar('cpus', 1), scalar('mem', 256)]);
  const items: { id: string; resources: ResourceSpec }[] = [
    { id: 'a', resources: { cpus: 0.6, mem: 128 } },
    { id: 'big', resources: { cpus: 0.6, mem: 16 } },
    { id: 'b', resources: { cpus: 0.4, mem: 128 } },
    { id: 'c', resources: { cpus: 0.001 } },
  ];
  const m = unwrap(matchOffer(o, items));
  assert.deepEqual(m.placed.map((p) => p.item.id), ['a', 'b']);
  assert.deepEqual(m.unplaced.map((i) => i.id), ['big', 'c']);
  assert.ok(m.remaining.isEmpty(), `remaining: ${m.remaining.toString()}`);
  assert.deepEqual(names(m.placed[0]!.resources), ['cpus:0.6', 'mem:128']);
  assert.deepEqual(names(m.placed[1]!.resources), ['cpus:0.4', 'mem:128'], '0.6 + 0.4 is exactly 1 in fixed point');
});

test('reservations: reserved resources are spent first; other roles\' reservations never', () => {
  const o = offerOf(
    [scalar('cpus', 2, 'eng'), scalar('cpus', 1, 'eng', reserved('eng')), scalar('mem', 64, 'eng', reserved('ops')), scalar('mem', 100, 'eng')],
    'eng',
  );
  assert.equal(offerRole(o), 'eng');
  const m = unwrap(matchOffer(o, [{ resources: { cpus: 1.5, mem: 100 } }]));
  assert.deepEqual(names(m.placed[0]!.resources), ['cpus(eng):1', 'cpus:0.5', 'mem:100']);
  assert.ok(m.placed[0]!.resources.every((r) => r.allocation_info?.role === 'eng'), 'allocation_info kept');
  const more = unwrap(matchOffer(o, [{ resources: { mem: 101 } }]));
  assert.equal(more.placed.length, 0, 'mem reserved to ops is not usable by eng');
});

test('ranges and sets are taken by count; revocable only on request', () => {
  const ports: Resource = { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31002 }, { begin: 31005, end: 31010 }] }, allocation_info: { role: '*' } };
  const gpuIds: Resource = { name: 'gpu_ids', type: 'SET', set: { item: ['a', 'b', 'c'] }, allocation_info: { role: '*' } };
  const o = offerOf([scalar('cpus', 1, '*', { revocable: {} }), scalar('cpus', 1), ports, gpuIds]);
  const m = unwrap(matchOffer(o, [{ resources: { ports: 4, gpu_ids: 2, cpus: 1 } }]));
  const rs = m.placed[0]!.resources;
  assert.deepEqual(rs.find((r) => r.name === 'ports')?.ranges?.range, [{ begin: 31000, end: 31002 }, { begin: 31005, end: 31005 }]);
  assert.deepEqual(rs.find((r) => r.name === 'gpu_ids')?.set?.item, ['a', 'b']);
  assert.equal(rs.find((r) => r.name === 'cpus')?.revocable, undefined, 'the non-revocable cpu was used');
  const twoCpus = unwrap(matchOffer(o, [{ resources: { cpus: 2 } }]));
  assert.equal(twoCpus.placed.length, 0);
  const withRevocable = unwrap(matchOffer(o, [{ resources: { cpus: 2 } }], { revocable: true }));
  assert.equal(withRevocable.placed.length, 1);
  assert.equal(unwrap(matchOffer(o, [{ resources: { ports: 10 } }])).placed.length, 0, 'only 9 ports');
  assert.equal(unwrap(matchOffer(o, [{ resources: { disk: 1 } }])).placed.length, 0, 'absent resource');
});

test('pre-refinement offers are answered in the pre-refinement format', () => {
  const o = offerOf([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng' },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: '*' },
  ], 'eng');
  const m = unwrap(matchOffer(o, [{ resources: { cpus: 1, mem: 32 } }]));
  assert.deepEqual(m.placed[0]!.resources.map((r) => [r.name, r.role, r.reservations]), [['cpus', 'eng', undefined], ['mem', '*', undefined]]);
});

test('invalid offers and specs are error values', () => {
  const bad = offerOf([scalar('cpus', -1)]);
  assert.ok(!matchOffer(bad, [{ resources: { cpus: 1 } }]).ok);
  assert.ok(!matchOffer(offerOf([scalar('cpus', 1)]), [{ resources: { cpus: Number.NaN } }]).ok);
});

test('matchOffers: first fit across offers; unused offers listed for declining', () => {
  const offers = [offerOf([scalar('cpus', 1)], '*', 'o1', 'S1'), offerOf([scalar('cpus', 4)], '*', 'o2', 'S2'), offerOf([scalar('cpus', 1)], '*', 'o3', 'S3')];
  const m = unwrap(matchOffers(offers, [{ n: 1, resources: { cpus: 2 } }, { n: 2, resources: { cpus: 1 } }, { n: 3, resources: { cpus: 8 } }]));
  assert.deepEqual([...m.byOffer.keys()], ['o2', 'o1']);
  assert.deepEqual(m.byOffer.get('o2')!.placed.map((p) => p.item.n), [1]);
  assert.deepEqual(m.byOffer.get('o1')!.placed.map((p) => p.item.n), [2]);
  assert.deepEqual(m.unplaced.map((i) => i.n), [3]);
  assert.deepEqual(m.unused.map((o) => o.id.value), ['o3']);
});

// ───────────────────────── properties ─────────────────────────

const amount = fc.integer({ min: 0, max: 8000 }).map((m) => m / 1000);
const roleArb = fc.constantFrom('*', 'eng', 'ops');

const offerArb = fc
  .record({
    role: fc.constantFrom('eng', 'ops'),
    entries: fc.array(fc.record({ name: fc.constantFrom('cpus', 'mem', 'disk'), value: amount.filter((v) => v > 0), reservedTo: roleArb }), { maxLength: 8 }),
    ports: fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 5 })), { maxLength: 4 }),
  })
  .map(({ role, entries, ports }) => {
    const resources: Resource[] = entries.map((e) => scalar(e.name, e.value, role, e.reservedTo === '*' ? {} : reserved(e.reservedTo)));
    // Disjoint port ranges: each tuple is (gap, length) after the previous range.
    const range: { begin: number; end: number }[] = [];
    let at = 30000;
    for (const [gap, len] of ports) {
      const begin = at + gap + 1;
      range.push({ begin, end: begin + len });
      at = begin + len + 1;
    }
    if (range.length > 0) resources.push({ name: 'ports', type: 'RANGES', ranges: { range }, allocation_info: { role } });
    return offerOf(resources, role);
  });

const specArb: fc.Arbitrary<ResourceSpec> = fc.record(
  { cpus: amount, mem: amount, disk: amount, ports: fc.integer({ min: 0, max: 6 }) },
  { requiredKeys: [] },
);

test('property: what is matched never exceeds the offer, and placed + remaining = offer', () => {
  fc.assert(
    fc.property(offerArb, fc.array(specArb, { maxLength: 8 }), (o, specs) => {
      const offered = unwrap(Resources.fromProto(o.resources ?? []));
      const m = unwrap(matchOffer(o, specs.map((resources) => ({ resources }))));
      const placed = Resources.sum(m.placed.map((p) => p.taken));
      assert.ok(offered.contains(placed), `placed ${placed.toString()} exceeds offer ${offered.toString()}`);
      assert.ok(placed.plus(m.remaining).equals(offered), 'placed + remaining = offer');
      for (const p of m.placed) {
        // Exactly what was asked, and only from resources the offer's role may use.
        for (const [name, want] of Object.entries(p.item.resources)) {
          if (name === 'ports') assert.equal(countRanges(p.taken.ranges('ports')), want);
          else assert.equal(toMilli(p.taken.scalar(name)), toMilli(want));
        }
        assert.ok(p.taken.allocatableTo(o.allocation_info!.role!).equals(p.taken), 'no other role\'s reservation used');
        assert.deepEqual(unwrap(Resources.fromProto(p.resources)).equals(p.taken), true, 'wire form round-trips');
      }
      for (const u of m.unplaced) assert.equal(takeResources(m.remaining, u.resources, o.allocation_info!.role!), undefined, 'an unplaced item does not fit what is left');
    }),
    { numRuns: 300 },
  );
});

test('property: ports are taken by count from the offer\'s ranges', () => {
  fc.assert(
    fc.property(offerArb, fc.integer({ min: 1, max: 8 }), (o, n) => {
      const m = unwrap(matchOffer(o, [{ resources: { ports: n } }]));
      const offeredPorts = (o.resources ?? []).filter((r) => r.name === 'ports').flatMap((r) => r.ranges?.range ?? []).reduce((k, r) => k + r.end - r.begin + 1, 0);
      if (offeredPorts < n) return assert.equal(m.placed.length, 0);
      const got = m.placed[0]!.resources.filter((r) => r.name === 'ports').flatMap((r) => r.ranges?.range ?? []);
      assert.equal(got.reduce((k, r) => k + r.end - r.begin + 1, 0), n);
    }),
    { numRuns: 200 },
  );
});

// ───────────────────────── task building ─────────────────────────

test('command tasks: shell strings, argv, env, uris, labels, kill policy', () => {
  assert.deepEqual(commandInfo({ command: 'echo hi' }), { shell: true, value: 'echo hi' });
  assert.deepEqual(commandInfo({ command: ['/bin/echo', 'a b'] }), { shell: false, value: '/bin/echo', arguments: ['/bin/echo', 'a b'] });
  assert.deepEqual(commandInfo({ command: ['echo', 'hi'], shell: true }), { shell: true, value: 'echo hi' });
  const info = commandInfo({ command: 'env', env: { A: '1' }, uris: ['http://x/y.tgz', { value: 'http://x/run', executable: true, extract: false }], user: 'nobody' });
  assert.deepEqual(info.environment, { variables: [{ name: 'A', type: 'VALUE', value: '1' }] });
  assert.deepEqual(info.uris, [{ value: 'http://x/y.tgz', extract: true }, { value: 'http://x/run', executable: true, extract: false }]);
  assert.equal(info.user, 'nobody');

  const task = buildCommandTask({ name: 'web', id: 'web.1', command: 'serve', resources: { cpus: 1 }, labels: { tier: 'fe' }, killGracePeriodSeconds: 3 }, 'S1', [scalar('cpus', 1)]);
  assert.equal(task.task_id.value, 'web.1');
  assert.equal(task.agent_id.value, 'S1');
  assert.deepEqual(task.labels, { labels: [{ key: 'tier', value: 'fe' }] });
  assert.deepEqual(task.kill_policy, { grace_period: { nanoseconds: 3e9 } });
  assert.match(newTaskId('my task/1'), /^my-task-1\.[0-9a-f-]{36}$/);

  const plan = unwrap(planCommandTasks(offerOf([scalar('cpus', 1), scalar('mem', 64)]), [
    { name: 'a', command: 'true', resources: { cpus: 0.5, mem: 32 } },
    { name: 'b', command: 'true', resources: { cpus: 0.5, mem: 64 } },
  ]));
  assert.equal(plan.tasks.length, 1);
  assert.equal(plan.unplaced[0]!.name, 'b');
  assert.equal(plan.remaining.toString(), 'cpus(allocated: *):0.5; mem(allocated: *):32');
});
