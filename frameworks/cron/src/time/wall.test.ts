import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatInstant } from './format.ts';
import { parseIsoDateTime } from './parse.ts';
import { addCalendar, dayMapping, localMsToWall, resolveLocalMs, resolveOnDay, resolveWall, wallAt, wallToLocalMs, type Wall } from './wall.ts';
import { zoneByName, zoneOf } from './zone.ts';

const w = (text: string): Wall => {
  const [date, time = '00:00:00'] = text.split('T') as [string, string?];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  return { year, month, day, hour, minute, second: second ?? 0, millisecond: 0 };
};
const iso = (t: number, zone: string): string => formatInstant(t, zoneOf(zone));

test('gap: a wall time that does not exist resolves to the first instant after the gap', () => {
  const cases: [string, string, string][] = [
    ['America/New_York', '2024-03-10T02:30', '2024-03-10T03:00:00.000-04:00'],
    ['America/New_York', '2024-03-10T02:00', '2024-03-10T03:00:00.000-04:00'],
    ['America/New_York', '2024-03-10T02:59', '2024-03-10T03:00:00.000-04:00'],
    ['Europe/Berlin', '2024-03-31T02:15', '2024-03-31T03:00:00.000+02:00'],
    ['Australia/Sydney', '2024-10-06T02:30', '2024-10-06T03:00:00.000+11:00'],
  ];
  for (const [zone, wall, expected] of cases) assert.equal(iso(resolveWall(w(wall), zoneOf(zone)), zone), expected, `${zone} ${wall}`);
});

test('overlap: a repeated wall time resolves to its first occurrence', () => {
  const cases: [string, string, string][] = [
    ['America/New_York', '2024-11-03T01:30', '2024-11-03T01:30:00.000-04:00'],
    ['America/New_York', '2024-11-03T01:00', '2024-11-03T01:00:00.000-04:00'],
    ['Europe/Berlin', '2024-10-27T02:30', '2024-10-27T02:30:00.000+02:00'],
    ['Australia/Sydney', '2024-04-07T02:30', '2024-04-07T02:30:00.000+11:00'],
  ];
  for (const [zone, wall, expected] of cases) assert.equal(iso(resolveWall(w(wall), zoneOf(zone)), zone), expected, `${zone} ${wall}`);
});

test('ordinary wall times and the edges of transitions resolve exactly', () => {
  const ny = zoneOf('America/New_York');
  assert.equal(iso(resolveWall(w('2024-03-10T01:59'), ny), 'America/New_York'), '2024-03-10T01:59:00.000-05:00');
  assert.equal(iso(resolveWall(w('2024-03-10T03:00'), ny), 'America/New_York'), '2024-03-10T03:00:00.000-04:00');
  assert.equal(iso(resolveWall(w('2024-11-03T02:00'), ny), 'America/New_York'), '2024-11-03T02:00:00.000-05:00');
  assert.equal(iso(resolveWall(w('2024-11-03T00:59'), ny), 'America/New_York'), '2024-11-03T00:59:00.000-04:00');
  assert.equal(resolveWall(w('2024-07-01T12:00'), zoneOf('UTC')), Date.UTC(2024, 6, 1, 12));
  assert.equal(resolveWall(w('2024-07-01T12:00'), zoneOf('+05:30')), Date.UTC(2024, 6, 1, 6, 30));
});

test('calendar arithmetic clamps to month ends like Joda: years, then months, then days', () => {
  assert.deepEqual(addCalendar(w('2024-01-31T10:00'), 0, 1, 0), w('2024-02-29T10:00'));
  assert.deepEqual(addCalendar(w('2023-01-31T10:00'), 0, 1, 0), w('2023-02-28T10:00'));
  assert.deepEqual(addCalendar(w('2024-01-31T10:00'), 0, 2, 0), w('2024-03-31T10:00'));
  assert.deepEqual(addCalendar(w('2024-02-29T00:00'), 1, 0, 0), w('2025-02-28T00:00'));
  assert.deepEqual(addCalendar(w('2024-02-29T00:00'), 4, 0, 0), w('2028-02-29T00:00'));
  assert.deepEqual(addCalendar(w('2024-02-29T00:00'), 1, 1, 0), w('2025-03-28T00:00')); // Joda: +1Y → Feb 28, +1M → Mar 28
  assert.deepEqual(addCalendar(w('2024-12-31T23:00'), 0, 2, 0), w('2025-02-28T23:00'));
  assert.deepEqual(addCalendar(w('2024-01-31T00:00'), 0, 1, 1), w('2024-03-01T00:00'));
  assert.deepEqual(addCalendar(w('2024-12-25T08:00'), 0, 0, 14), w('2025-01-08T08:00'));
  assert.deepEqual(addCalendar(w('2024-05-15T08:00'), 0, -5, 0), w('2023-12-15T08:00'));
});

test('zones: IANA names, legacy IDs, UTC spellings and fixed offsets; unknown names are errors', () => {
  for (const n of ['America/New_York', 'america/new_york', 'PST', 'UTC', 'Z', 'GMT', '+05:30', '-0400']) assert.ok(zoneByName(n).ok, n);
  assert.equal(zoneOf('+00:00').name, 'UTC');
  assert.equal(zoneOf('-0400').name, '-04:00');
  for (const n of ['', 'Mars/Olympus', '+25:00', 'UTC+5']) {
    const r = zoneByName(n);
    assert.ok(!r.ok, n);
  }
  assert.equal(zoneOf('PST').offsetAt(Date.UTC(2024, 0, 1)), -480);
});

test('parseIsoDateTime reads Joda forms and refuses time-only text', () => {
  const cases: [string, Wall, string][] = [
    ['2024-03-10T02:30:00Z', w('2024-03-10T02:30:00'), 'UTC'],
    ['2024-03-10T02:30:00.250+01:00', { ...w('2024-03-10T02:30:00'), millisecond: 250 }, '+01:00'],
    ['2024-03-10', w('2024-03-10T00:00:00'), 'UTC'],
    ['2024-03-10T02:30', w('2024-03-10T02:30:00'), 'UTC'],
    ['2024-W10-7T10:00:00Z', w('2024-03-10T10:00:00'), 'UTC'],
    ['2024-070T00:00Z', w('2024-03-10T00:00:00'), 'UTC'],
    ['2024-03-10T02:30:00-0530', w('2024-03-10T02:30:00'), '-05:30'],
  ];
  for (const [text, wall, zone] of cases) {
    const r = parseIsoDateTime(text);
    assert.ok(r.ok, text);
    assert.deepEqual(r.value.wall, wall, text);
    assert.equal(r.value.zoneName, zone, text);
  }
  for (const bad of ['', 'T10:00', '10:00', 'yesterday', '2024-02-30T00:00:00Z', '2024-13-01', '2024-03-10T25:00']) assert.ok(!parseIsoDateTime(bad).ok, bad);
});

test('property: a day mapping resolves every wall time exactly as resolveWall does', () => {
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata'];
  // Around transitions: random minutes of random days of 2024, biased to March/April/October/November.
  fc.assert(
    fc.property(fc.constantFrom(...zones), fc.constantFrom(3, 4, 9, 10, 11), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 1439 }), (zoneName, month, day, minute) => {
      const zone = zoneOf(zoneName);
      const m = dayMapping(2024, month, day, zone);
      const local = m.startLocal + minute * 60_000;
      assert.equal(resolveOnDay(m, local), resolveLocalMs(local, zone));
    }),
    { numRuns: 2000 },
  );
});

test('property: resolving a wall time and reading it back gives the same wall time unless it fell in a gap', () => {
  fc.assert(
    fc.property(fc.constantFrom('America/New_York', 'Europe/Berlin', 'Australia/Sydney'), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), (zoneName, localMs) => {
      const zone = zoneOf(zoneName);
      const wall = localMsToWall(localMs - (localMs % 60_000));
      const t = resolveWall(wall, zone);
      const back = wallToLocalMs(wallAt(t, zone));
      const asked = wallToLocalMs(wall);
      // Equal, or (a gap) the first instant after it: later on the wall clock by less than the gap.
      assert.ok(back === asked || (back > asked && back - asked <= 3_600_000), `${zoneName} ${JSON.stringify(wall)}`);
    }),
    { numRuns: 3000 },
  );
});
