import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInstant } from '../time/format.ts';
import { zoneOf } from '../time/zone.ts';
import { advanceIso8601, formatIso8601Schedule, parseIso8601Schedule, type Iso8601Options, type Iso8601Schedule } from './iso8601.ts';
import { formatPeriod, parsePeriod } from './period.ts';
import { nextRuns, scanRuns } from './schedule.ts';

const NOW = Date.parse('2024-06-15T12:00:00Z');

function parse(text: string, opts: Partial<Iso8601Options> = {}): Iso8601Schedule {
  const r = parseIso8601Schedule(text, { now: NOW, ...opts });
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

/** The next `limit` runs, printed in `zone` (default: the schedule's own zone). */
function runs(s: Iso8601Schedule, limit: number, after?: string, zone = s.zone): string[] {
  return nextRuns(s, { limit, after: after === undefined ? undefined : Date.parse(after) }).runs.map((t) => formatInstant(t, zoneOf(zone)));
}

test('periods: the Joda grammar, canonical text, errors', () => {
  const good: [string, string][] = [
    ['PT2S', 'PT2S'], ['PT60M', 'PT60M'], ['P1D', 'P1D'], ['P10M', 'P10M'], ['P1Y12M12D', 'P1Y12M12D'], ['P12DT12M', 'P12DT12M'],
    ['P1Y2M3DT4H5M6S', 'P1Y2M3DT4H5M6S'], ['P2W', 'P2W'], ['P1W3D', 'P1W3D'], ['PT1.5S', 'PT1.5S'], ['PT0,25S', 'PT0.25S'], ['PT0.0001S', 'PT0S'], ['P0D', 'PT0S'],
  ];
  for (const [text, canonical] of good) {
    const r = parsePeriod(text);
    assert.ok(r.ok, text);
    assert.equal(formatPeriod(r.value), canonical, text);
  }
  for (const bad of ['', 'P', 'PT', '1D', 'P1H', 'PT1D', 'P1.5D', 'PT1.5M', 'P-1D', 'p1d', 'P1DT', 'P1M1Y', 'P99999999999Y']) assert.ok(!parsePeriod(bad).ok, bad);
});

test('R, Rn, R1 and R0: forever, n runs, one run, none', () => {
  const forever = parse('R/2024-01-01T00:00:00Z/PT1H');
  const r = nextRuns(forever, { limit: 3 });
  assert.deepEqual(r.runs, [Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1), Date.UTC(2024, 0, 1, 2)]);
  assert.equal(r.remaining, null);
  assert.equal(r.exhausted, false);

  const five = parse('R5/2024-01-01T00:00:00Z/PT1H');
  const all = nextRuns(five, { limit: 100 });
  assert.equal(all.runs.length, 5);
  assert.equal(all.remaining, 0);
  assert.equal(all.exhausted, true);
  const two = nextRuns(five, { limit: 2 });
  assert.equal(two.remaining, 3);
  assert.equal(two.exhausted, false);

  const once = parse('R1/2024-01-01T00:00:00Z/PT24H');
  assert.deepEqual(nextRuns(once, { limit: 5 }).runs, [Date.UTC(2024, 0, 1)]);
  const none = parse('R0/2024-01-01T00:00:00Z/PT1H');
  assert.deepEqual(nextRuns(none, { limit: 5 }), { runs: [], remaining: 0, exhausted: true });
  // The period of a one-shot or exhausted schedule is never used, so zero is fine there.
  assert.ok(parseIso8601Schedule('R1//PT0S', { now: NOW }).ok);
  assert.ok(!parseIso8601Schedule('R//PT0S', { now: NOW }).ok);
  assert.ok(!parseIso8601Schedule('R2/2024-01-01T00:00:00Z/P0D', { now: NOW }).ok);
});

test('empty start means now (in scheduleTimeZone when given)', () => {
  const s = parse('R//PT2S');
  assert.deepEqual(nextRuns(s, { limit: 2 }).runs, [NOW, NOW + 2000]);
  const local = parse('R//P1D', { timeZone: 'America/New_York' });
  assert.equal(local.zone, 'America/New_York');
  assert.deepEqual(runs(local, 2), ['2024-06-15T08:00:00.000-04:00', '2024-06-16T08:00:00.000-04:00']);
});

test('past starts: runs after a point in time continue the series from the anchor', () => {
  const s = parse('R/2012-10-01T05:52:00Z/PT2S');
  assert.deepEqual(runs(s, 3, '2024-06-15T12:00:00Z'), ['2024-06-15T12:00:02.000Z', '2024-06-15T12:00:04.000Z', '2024-06-15T12:00:06.000Z']);
  const daily = parse('R/2020-02-29T09:15:00Z/P1D');
  assert.deepEqual(runs(daily, 2, '2024-06-15T09:15:00Z'), ['2024-06-16T09:15:00.000Z', '2024-06-17T09:15:00.000Z']);
  // A bounded series whose runs are all in the past has nothing left.
  const old = parse('R3/2020-01-01T00:00:00Z/P1D');
  assert.deepEqual(nextRuns(old, { after: NOW }), { runs: [], remaining: 0, exhausted: true });
});

test('month ends do not drift: Jan 31 + P1M', () => {
  const s = parse('R/2024-01-31T10:00:00Z/P1M');
  assert.deepEqual(runs(s, 6), [
    '2024-01-31T10:00:00.000Z', '2024-02-29T10:00:00.000Z', '2024-03-31T10:00:00.000Z',
    '2024-04-30T10:00:00.000Z', '2024-05-31T10:00:00.000Z', '2024-06-30T10:00:00.000Z',
  ]);
  const s2 = parse('R/2023-01-31T10:00:00Z/P1M');
  assert.deepEqual(runs(s2, 2, '2023-01-31T10:00:00Z'), ['2023-02-28T10:00:00.000Z', '2023-03-31T10:00:00.000Z']);
});

test('leap days: Feb 29 + P1Y lands on Feb 28 and returns to Feb 29 in leap years', () => {
  const s = parse('R/2024-02-29T00:00:00Z/P1Y');
  assert.deepEqual(runs(s, 5), [
    '2024-02-29T00:00:00.000Z', '2025-02-28T00:00:00.000Z', '2026-02-28T00:00:00.000Z', '2027-02-28T00:00:00.000Z', '2028-02-29T00:00:00.000Z',
  ]);
  const century = parse('R/2096-02-29T00:00:00Z/P4Y');
  assert.deepEqual(runs(century, 3), ['2096-02-29T00:00:00.000Z', '2100-02-28T00:00:00.000Z', '2104-02-29T00:00:00.000Z']);
});

test('weeks, mixed calendar and exact parts, fractional seconds', () => {
  assert.deepEqual(runs(parse('R/2024-01-01T09:00:00Z/P2W'), 3), ['2024-01-01T09:00:00.000Z', '2024-01-15T09:00:00.000Z', '2024-01-29T09:00:00.000Z']);
  assert.deepEqual(runs(parse('R/2024-01-31T00:00:00Z/P1M1DT1H'), 3), ['2024-01-31T00:00:00.000Z', '2024-03-01T01:00:00.000Z', '2024-04-02T02:00:00.000Z']);
  assert.deepEqual(runs(parse('R/2024-01-01T00:00:00Z/PT1.5S'), 3), ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.500Z', '2024-01-01T00:00:03.000Z']);
});

test('very long periods: runs past year 9999 do not exist', () => {
  const s = parse('R/2000-01-01T00:00:00Z/P1000Y');
  const r = nextRuns(s, { limit: 100 });
  assert.equal(r.runs.length, 8); // 2000 … 9000
  assert.equal(r.exhausted, true);
  const hours = parse('R/2000-01-01T00:00:00Z/PT87600H');
  assert.deepEqual(runs(hours, 2), ['2000-01-01T00:00:00.000Z', '2009-12-29T00:00:00.000Z']);
  const far = parse('R/9999-12-31T00:00:00Z/P1D');
  assert.deepEqual(nextRuns(far, { limit: 3 }).runs.length, 1);
  assert.ok(!parseIso8601Schedule('R/1969-12-31T23:59:59Z/PT1H', { now: NOW }).ok);
});

test('scheduleTimeZone: a daily run keeps its local time across DST (New York)', () => {
  const s = parse('R/2024-03-08T02:30:00Z/P1D', { timeZone: 'America/New_York' }); // the Z is dropped
  assert.deepEqual(runs(s, 5), [
    '2024-03-08T02:30:00.000-05:00',
    '2024-03-09T02:30:00.000-05:00',
    '2024-03-10T03:00:00.000-04:00', // 02:30 does not exist: the first instant after the gap
    '2024-03-11T02:30:00.000-04:00', // back to 02:30: occurrences come from the anchor
    '2024-03-12T02:30:00.000-04:00',
  ]);
  const fall = parse('R/2024-11-02T01:30:00/P1D', { timeZone: 'America/New_York' });
  assert.deepEqual(runs(fall, 3), ['2024-11-02T01:30:00.000-04:00', '2024-11-03T01:30:00.000-04:00', '2024-11-04T01:30:00.000-05:00']);
});

test('scheduleTimeZone in Berlin and Sydney; exact hours are elapsed time across the change', () => {
  const berlin = parse('R/2024-03-30T02:30:00/P1D', { timeZone: 'Europe/Berlin' });
  assert.deepEqual(runs(berlin, 3), ['2024-03-30T02:30:00.000+01:00', '2024-03-31T03:00:00.000+02:00', '2024-04-01T02:30:00.000+02:00']);
  const sydney = parse('R/2024-10-05T02:30:00/P1D', { timeZone: 'Australia/Sydney' });
  assert.deepEqual(runs(sydney, 3), ['2024-10-05T02:30:00.000+10:00', '2024-10-06T03:00:00.000+11:00', '2024-10-07T02:30:00.000+11:00']);
  const sydneyFall = parse('R/2024-04-06T02:30:00/P1D', { timeZone: 'Australia/Sydney' });
  assert.deepEqual(runs(sydneyFall, 2), ['2024-04-06T02:30:00.000+11:00', '2024-04-07T02:30:00.000+11:00']);
  // PT24H is 24 hours of elapsed time, so the local time shifts by the DST change.
  const exact = parse('R/2024-03-09T12:00:00/PT24H', { timeZone: 'America/New_York' });
  assert.deepEqual(runs(exact, 2), ['2024-03-09T12:00:00.000-05:00', '2024-03-10T13:00:00.000-04:00']);
  // Hourly over the fall-back night: every elapsed hour runs, the local hour 01 twice.
  const hourly = parse('R/2024-11-03T00:00:00/PT1H', { timeZone: 'America/New_York' });
  assert.deepEqual(runs(hourly, 4), ['2024-11-03T00:00:00.000-04:00', '2024-11-03T01:00:00.000-04:00', '2024-11-03T01:00:00.000-05:00', '2024-11-03T02:00:00.000-05:00']);
});

test('without scheduleTimeZone the start offset is fixed: no DST', () => {
  const s = parse('R/2024-03-09T02:30:00-05:00/P1D');
  assert.deepEqual(runs(s, 3, undefined, 'America/New_York'), ['2024-03-09T02:30:00.000-05:00', '2024-03-10T03:30:00.000-04:00', '2024-03-11T03:30:00.000-04:00']);
});

test('Chronos rewriting: the start moves to the next run and the count drops', () => {
  const s = parse('R5/2024-01-01T00:00:00Z/PT1H');
  assert.equal(formatIso8601Schedule(s), 'R5/2024-01-01T00:00:00.000Z/PT1H');
  const after2 = advanceIso8601(s, Date.UTC(2024, 0, 1, 1));
  assert.equal(formatIso8601Schedule(after2), 'R3/2024-01-01T02:00:00.000Z/PT1H');
  assert.deepEqual(nextRuns(after2, { limit: 10 }).runs.length, 3);
  // Between runs: everything at or before the point is consumed.
  assert.equal(formatIso8601Schedule(advanceIso8601(s, Date.UTC(2024, 0, 1, 1, 30))), 'R3/2024-01-01T02:00:00.000Z/PT1H');
  assert.equal(formatIso8601Schedule(advanceIso8601(s, Date.UTC(2030, 0, 1))), 'R0/2024-01-01T05:00:00.000Z/PT1H');
  // Advancing to an earlier point changes nothing.
  assert.equal(advanceIso8601(after2, Date.UTC(2023, 0, 1)), after2);
  const forever = parse('R/2024-01-31T10:00:00/P1M', { timeZone: 'Europe/Berlin' });
  const moved = advanceIso8601(forever, Date.parse('2024-03-01T00:00:00Z'));
  assert.equal(formatIso8601Schedule(moved), 'R/2024-03-31T10:00:00.000+02:00/P1M');
  assert.deepEqual(runs(moved, 2), ['2024-03-31T10:00:00.000+02:00', '2024-04-30T10:00:00.000+02:00']); // no drift after a rewrite
});

test('scanRuns counts runs in a window without enumerating them', () => {
  const s = parse('R/2000-01-01T00:00:00Z/PT1S');
  const scan = scanRuns(s, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1));
  assert.equal(scan.count, 31 * 86_400);
  assert.equal(scan.first, Date.UTC(2024, 0, 1, 0, 0, 1));
  assert.equal(scan.last, Date.UTC(2024, 1, 1));
  const bounded = parse('R10/2024-01-01T00:00:00Z/P1D');
  assert.deepEqual(scanRuns(bounded, Date.UTC(2023, 0, 1), Date.UTC(2025, 0, 1)), { count: 10, first: Date.UTC(2024, 0, 1), last: Date.UTC(2024, 0, 10) });
  assert.deepEqual(scanRuns(bounded, Date.UTC(2024, 0, 5), Date.UTC(2024, 0, 5)), { count: 0, first: undefined, last: undefined });
});

test('parse errors say what is wrong', () => {
  const cases: [string, RegExp, Partial<Iso8601Options>?][] = [
    ['every hour', /not an ISO 8601 repeating interval/],
    ['R/2024-01-01T00:00:00Z', /not an ISO 8601 repeating interval/],
    ['R/2024-01-01T00:00:00Z/P1H', /not an ISO 8601 period/],
    ['R/yesterday/PT1H', /start: .*not an ISO 8601 date-time/],
    ['Rx/2024-01-01T00:00:00Z/PT1H', /not an ISO 8601 repeating interval/],
    ['R/2024-01-01T00:00:00Z/PT1H', /scheduleTimeZone: 'Nowhere\/Land'/, { timeZone: 'Nowhere/Land' }],
    ['R99999999999999999999/2024-01-01T00:00:00Z/PT1H', /too large/],
  ];
  for (const [text, re, opts] of cases) {
    const r = parseIso8601Schedule(text, { now: NOW, ...opts });
    assert.ok(!r.ok, text);
    assert.match(r.error, re, text);
  }
});
