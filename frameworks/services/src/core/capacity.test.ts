import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bounds, decideCapacity } from './capacity.ts';

interface Sim { current: number; currentHealthy: number; old: number; oldHealthy: number; killing: number }

test('defaults (1/1) start all new side by side, then kill old as new become healthy', () => {
  const d = decideCapacity({ target: 3, minimumHealthCapacity: 1, maximumOverCapacity: 1, current: 0, currentHealthy: 0, old: 3, oldHealthy: 3, killing: 0 });
  assert.deepEqual(d, { killOld: 0, killOldUnhealthy: 0, killCurrent: 0, launch: 3 });
  const d2 = decideCapacity({ target: 3, minimumHealthCapacity: 1, maximumOverCapacity: 1, current: 3, currentHealthy: 2, old: 3, oldHealthy: 3, killing: 0 });
  assert.equal(d2.killOld, 2);
  assert.equal(d2.launch, 0);
});

test('minimumHealthCapacity 0 kills every old instance first', () => {
  const d = decideCapacity({ target: 4, minimumHealthCapacity: 0, maximumOverCapacity: 0, current: 0, currentHealthy: 0, old: 4, oldHealthy: 4, killing: 0 });
  assert.equal(d.killOld, 4);
  assert.equal(d.launch, 0);
});

test('1 / 0 frees one slot at a time', () => {
  assert.deepEqual(bounds(4, 1, 0), { minHealthy: 3, maxTotal: 4 });
  const d = decideCapacity({ target: 4, minimumHealthCapacity: 1, maximumOverCapacity: 0, current: 0, currentHealthy: 0, old: 4, oldHealthy: 4, killing: 0 });
  assert.equal(d.killOld, 1);
});

test('canary: at most c new before promotion, old kept at N - c', () => {
  const d = decideCapacity({ target: 5, minimumHealthCapacity: 1, maximumOverCapacity: 1, current: 1, currentHealthy: 1, old: 5, oldHealthy: 5, killing: 0, canary: 1 });
  assert.equal(d.launch, 0);
  assert.equal(d.killOld, 1);
  const after = decideCapacity({ target: 5, minimumHealthCapacity: 1, maximumOverCapacity: 1, current: 1, currentHealthy: 1, old: 4, oldHealthy: 4, killing: 0, canary: 1 });
  assert.equal(after.killOld, 0);
  assert.equal(after.launch, 0);
});

test('property: a rolling upgrade never kills below minHealthy nor launches above maxTotal, and finishes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20 }),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 100 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 200 }),
      (n, mhcPct, mocPct, events) => {
        const mhc = mhcPct / 100;
        const moc = mocPct / 100;
        const { minHealthy, maxTotal } = bounds(n, mhc, moc);
        let s: Sim = { current: 0, currentHealthy: 0, old: n, oldHealthy: n, killing: 0 };
        const step = (ev?: [number, number, boolean]) => {
          const d = decideCapacity({ target: n, minimumHealthCapacity: mhc, maximumOverCapacity: moc, ...s });
          const healthyBefore = s.oldHealthy + s.currentHealthy;
          const killUnhealthyOld = d.killOldUnhealthy;
          const killHealthyOld = d.killOld - d.killOldUnhealthy;
          assert.ok(killHealthyOld <= s.oldHealthy && killUnhealthyOld <= s.old - s.oldHealthy);
          const healthyAfter = healthyBefore - killHealthyOld;
          if (killHealthyOld > 0) assert.ok(healthyAfter >= minHealthy, `killed below ${minHealthy}`);
          const liveBefore = s.current + s.old + s.killing;
          if (d.launch > 0) assert.ok(liveBefore + d.launch <= maxTotal, `launched above ${maxTotal}`);
          s = {
            current: s.current - d.killCurrent + d.launch,
            currentHealthy: Math.min(s.currentHealthy, s.current - d.killCurrent),
            old: s.old - d.killOld,
            oldHealthy: s.oldHealthy - killHealthyOld,
            killing: s.killing + d.killOld + d.killCurrent,
          };
          if (ev) {
            const [a, b, fail] = ev;
            // Some kills complete, some new instances become healthy, maybe one fails.
            s.killing -= s.killing === 0 ? 0 : a % (s.killing + 1);
            const up = s.current - s.currentHealthy === 0 ? 0 : b % (s.current - s.currentHealthy + 1);
            s.currentHealthy += up;
            if (fail && s.current > 0) {
              s.current--;
              s.currentHealthy = Math.min(s.currentHealthy, s.current);
            }
          } else {
            s.killing = 0;
            s.currentHealthy = s.current;
          }
        };
        for (const ev of events) step(ev);
        for (let i = 0; i < 4 * n + 10; i++) step();
        assert.equal(s.old, 0);
        assert.equal(s.current, n);
      },
    ),
    { numRuns: 300 },
  );
});
