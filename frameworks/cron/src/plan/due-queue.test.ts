import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DueQueue } from './due-queue.ts';

test('due queue: takes exactly the names due, earliest first; updates and deletes win over old entries', () => {
  const q = new DueQueue();
  q.set('a', 30);
  q.set('b', 10);
  q.set('c', 20);
  q.set('a', 5); // moved earlier
  q.delete('c');
  assert.equal(q.peek(), 5);
  assert.deepEqual(q.takeDue(15), ['a', 'b']);
  assert.equal(q.peek(), Number.POSITIVE_INFINITY);
  assert.equal(q.size, 0);
});

test('property: the queue agrees with a plain map under random operations', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'take'), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1000 })), { maxLength: 400 }), (ops) => {
      const q = new DueQueue();
      const m = new Map<string, number>();
      for (const [op, k, t] of ops) {
        const name = `j${k}`;
        if (op === 'set') {
          q.set(name, t);
          m.set(name, t);
        } else if (op === 'delete') {
          q.delete(name);
          m.delete(name);
        } else {
          const expected = [...m].filter(([, v]) => v <= t).map(([n]) => n).sort();
          assert.deepEqual(q.takeDue(t).sort(), expected);
          for (const n of expected) m.delete(n);
        }
        assert.equal(q.peek(), m.size === 0 ? Number.POSITIVE_INFINITY : Math.min(...m.values()));
      }
    }),
    { numRuns: 300 },
  );
});
