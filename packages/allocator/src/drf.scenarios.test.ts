import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { declineAll, launchTasks, must, R } from './testing/harness.ts';

const rng = seededRng(3);

test('DRF paper: 9 CPUs / 18 GB, A <1 CPU, 4 GB>, B <3 CPU, 1 GB> converges to 3 and 2 tasks (shares 2/3)', () => {
  const a = new Allocator();
  must(a.addAgent('s', {}, R('cpus:9;mem:18')));
  must(a.addFramework('A', { roles: ['a'] }));
  must(a.addFramework('B', { roles: ['b'] }));
  const shapes = { A: R('cpus:1;mem:4'), B: R('cpus:3;mem:1') };
  // Each framework launches one task per offer (progressive filling).
  const launched: Record<string, number> = {};
  for (let t = 0; t < 20; t++) {
    const r = a.allocate({ now: t, rng });
    const max = { A: (launched.A ?? 0) + 1, B: (launched.B ?? 0) + 1 };
    launchTasks(a, r, shapes, t, launched, max);
  }
  assert.deepEqual(launched, { A: 3, B: 2 });
  const shares = a.roleShares();
  assert.ok(Math.abs(shares.get('a')! - 2 / 3) < 1e-9 && Math.abs(shares.get('b')! - 2 / 3) < 1e-9);
});

test('fair shares converge: two frameworks on ten equal agents split them evenly', () => {
  const a = new Allocator();
  for (let i = 0; i < 10; i++) must(a.addAgent(`a${i}`, {}, R('cpus:2;mem:1024')));
  must(a.addFramework('f1', { roles: ['r'] }));
  must(a.addFramework('f2', { roles: ['r'] }));
  const r = a.allocate({ now: 0, rng });
  const by = (f: string) => r.offers.filter((o) => o.frameworkId === f).length;
  assert.equal(by('f1'), 5);
  assert.equal(by('f2'), 5);
});

test('weights skew role shares proportionally (weight 3 gets three times as much)', () => {
  const a = new Allocator();
  for (let i = 0; i < 8; i++) must(a.addAgent(`a${i}`, {}, R('cpus:1;mem:128')));
  must(a.updateWeights([{ role: 'heavy', weight: 3 }]));
  must(a.addFramework('h', { roles: ['heavy'] }));
  must(a.addFramework('l', { roles: ['light'] }));
  const r = a.allocate({ now: 0, rng });
  assert.equal(r.offers.filter((o) => o.role === 'heavy').length, 6);
  assert.equal(r.offers.filter((o) => o.role === 'light').length, 2);
});

test('a new framework reaches its fair share in one cycle when resources free up', () => {
  const a = new Allocator();
  for (let i = 0; i < 4; i++) must(a.addAgent(`a${i}`, {}, R('cpus:1;mem:128')));
  must(a.addFramework('old', { roles: ['r'] }));
  const first = a.allocate({ now: 0, rng });
  assert.equal(first.offers.length, 4);
  must(a.addFramework('new', { roles: ['r'] }));
  // Two of old's offers come back (tasks finished): DRF gives both to the newcomer at once.
  declineAll(a, { ...first, offers: first.offers.slice(0, 2) }, 1);
  const r = a.allocate({ now: 2, rng });
  assert.deepEqual(r.offers.map((o) => o.frameworkId), ['new', 'new']);
});

test('shares change during a cycle: frameworks alternate on identical agents', () => {
  const a = new Allocator();
  for (let i = 0; i < 6; i++) must(a.addAgent(`a${i}`, {}, R('cpus:1;mem:128')));
  for (const f of ['x', 'y', 'z']) must(a.addFramework(f, { roles: ['r'] }));
  const r = a.allocate({ now: 0, rng });
  const counts = ['x', 'y', 'z'].map((f) => r.offers.filter((o) => o.frameworkId === f).length);
  assert.deepEqual(counts, [2, 2, 2]);
});

test('hierarchical roles: a subtree competes as one; a parent role sees its subtree allocation', () => {
  const a = new Allocator();
  for (let i = 0; i < 8; i++) must(a.addAgent(`a${i}`, { capabilities: ['HIERARCHICAL_ROLE'] }, R('cpus:1;mem:128')));
  must(a.addFramework('e1', { roles: ['eng/web'] }));
  must(a.addFramework('e2', { roles: ['eng/db'] }));
  must(a.addFramework('s', { roles: ['sales'] }));
  const r = a.allocate({ now: 0, rng });
  const byRole = (p: string) => r.offers.filter((o) => o.role.startsWith(p)).length;
  assert.equal(byRole('eng'), 4, 'eng (web + db) gets as much as sales');
  assert.equal(byRole('sales'), 4);
  assert.equal(byRole('eng/web'), 2);
  const eng = a.inspect().roles.find((x) => x.role === 'eng')!;
  assert.deepEqual(eng.offeredUnreserved, { cpus: 4, mem: 512 });
});

test('hierarchical role on an agent without HIERARCHICAL_ROLE gets nothing', () => {
  const a = new Allocator();
  must(a.addAgent('old', {}, R('cpus:1;mem:128')));
  must(a.addFramework('f', { roles: ['eng/web'] }));
  const r = a.allocate({ now: 0, rng });
  assert.equal(r.offers.length, 0);
  assert.deepEqual(r.outcomes[0]!.reasons, { MISSING_CAPABILITY: 1 });
});

test('random sorters are reproducible with the same seed', () => {
  const build = () => {
    const a = new Allocator({ roleSorter: 'random', frameworkSorter: 'random' });
    for (let i = 0; i < 20; i++) must(a.addAgent(`a${i}`, {}, R('cpus:1;mem:128')));
    for (const f of ['p', 'q', 'r', 's']) must(a.addFramework(f, { roles: [f === 'p' ? 'x' : 'y'] }));
    return a.allocate({ now: 0, rng: seededRng(99) }).offers.map((o) => `${o.frameworkId}@${o.agentId}`);
  };
  assert.deepEqual(build(), build());
});
