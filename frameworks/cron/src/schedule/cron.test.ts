import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cron } from 'croner';
import fc from 'fast-check';
import { formatInstant } from '../time/format.ts';
import { zoneOf } from '../time/zone.ts';
import { parseCronFields } from './cron-fields.ts';
import { parseCronSchedule, type CronSchedule } from './cron.ts';
import { nextRuns, scanRuns } from './schedule.ts';

function cron(expr: string, zone = 'UTC'): CronSchedule {
  const r = parseCronSchedule(expr, zone);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

function runs(s: CronSchedule, after: string, limit: number): string[] {
  return nextRuns(s, { after: Date.parse(after), limit }).runs.map((t) => formatInstant(t, zoneOf(s.zone)));
}

test('fields: values, ranges, steps, lists, names, Sunday as 7, macros', () => {
  const f = (e: string) => {
    const r = parseCronFields(e);
    assert.ok(r.ok, r.ok ? '' : r.error);
    return r.value;
  };
  assert.deepEqual(f('*/15 9-17 * * MON-FRI').minutes, [0, 15, 30, 45]);
  assert.deepEqual(f('*/15 9-17 * * MON-FRI').hours, [9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual(f('*/15 9-17 * * MON-FRI').daysOfWeek, [1, 2, 3, 4, 5]);
  assert.deepEqual(f('0 0 * * 7').daysOfWeek, [0]);
  assert.deepEqual(f('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
  assert.deepEqual(f('0 0 1,15 jan,Jul *').months, [1, 7]);
  assert.deepEqual(f('5/20 * * * *').minutes, [5, 25, 45]);
  assert.deepEqual(f('0-30/10 * * * *').minutes, [0, 10, 20, 30]);
  assert.deepEqual(f('@hourly').minutes, [0]);
  assert.deepEqual(f('@weekly').daysOfWeek, [0]);
  assert.equal(f('0 0 ? * 1').domRestricted, false);
  assert.equal(f('0 0 1 * 1').domRestricted && f('0 0 1 * 1').dowRestricted, true);
});

test('field errors name the field and the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['* * * *', /4 fields/],
    ['0 * * * * *', /6 fields/],
    ['60 * * * *', /minute field '60': 60 is outside 0-59/],
    ['* 24 * * *', /hour field/],
    ['* * 0 * *', /day-of-month field/],
    ['* * * 13 *', /month field/],
    ['* * * * 8', /day-of-week field/],
    ['*/0 * * * *', /step '0'/],
    ['5-1 * * * *', /runs backwards/],
    ['* * L * *', /L, W and # are not supported/],
    ['* * * * MON#2', /not supported|not a number/],
    ['0 0 30 2 *', /never matches/],
    ['@reboot', /not a known cron macro/],
    ['1,,2 * * * *', /empty list item/],
  ];
  for (const [expr, re] of cases) {
    const r = parseCronSchedule(expr);
    assert.ok(!r.ok, expr);
    assert.match(r.error, re, expr);
  }
  assert.match((parseCronSchedule('* * * * *', 'Nowhere/Land') as { error: string }).error, /timezone:/);
});

test('day fields: either one when both are restricted, both otherwise (Vixie)', () => {
  // The 13th, or any Friday.
  assert.deepEqual(runs(cron('0 0 13 * 5'), '2024-09-01T00:00:00Z', 4), [
    '2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z', '2024-09-20T00:00:00.000Z', '2024-09-27T00:00:00.000Z',
  ]);
  // Only the day of week restricted: Fridays.
  assert.deepEqual(runs(cron('0 0 * * 5'), '2024-09-01T00:00:00Z', 2), ['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z']);
  // Feb 29 only: every four years.
  assert.deepEqual(runs(cron('0 12 29 2 *'), '2024-03-01T00:00:00Z', 2), ['2028-02-29T12:00:00.000Z', '2032-02-29T12:00:00.000Z']);
  // Month ends.
  assert.deepEqual(runs(cron('0 0 31 * *'), '2024-01-31T00:00:00Z', 3), ['2024-03-31T00:00:00.000Z', '2024-05-31T00:00:00.000Z', '2024-07-31T00:00:00.000Z']);
});

test('DST New York: 02:30 daily fires at 03:00 on the spring-forward day and once on the fall-back day', () => {
  assert.deepEqual(runs(cron('30 2 * * *', 'America/New_York'), '2024-03-08T12:00:00Z', 4), [
    '2024-03-09T02:30:00.000-05:00', '2024-03-10T03:00:00.000-04:00', '2024-03-11T02:30:00.000-04:00', '2024-03-12T02:30:00.000-04:00',
  ]);
  assert.deepEqual(runs(cron('30 1 * * *', 'America/New_York'), '2024-11-02T12:00:00Z', 3), [
    '2024-11-03T01:30:00.000-04:00', '2024-11-04T01:30:00.000-05:00', '2024-11-05T01:30:00.000-05:00',
  ]);
  // Every 30 minutes across spring forward: 02:00 and 02:30 fold into 03:00, which runs once.
  assert.deepEqual(runs(cron('*/30 * * * *', 'America/New_York'), '2024-03-10T06:00:00Z', 4), [
    '2024-03-10T01:30:00.000-05:00', '2024-03-10T03:00:00.000-04:00', '2024-03-10T03:30:00.000-04:00', '2024-03-10T04:00:00.000-04:00',
  ]);
  // Across fall back: the repeated hour does not run a second time.
  assert.deepEqual(runs(cron('*/30 * * * *', 'America/New_York'), '2024-11-03T04:00:00Z', 6), [
    '2024-11-03T00:30:00.000-04:00', '2024-11-03T01:00:00.000-04:00', '2024-11-03T01:30:00.000-04:00',
    '2024-11-03T02:00:00.000-05:00', '2024-11-03T02:30:00.000-05:00', '2024-11-03T03:00:00.000-05:00',
  ]);
});

test('DST Berlin and Sydney', () => {
  assert.deepEqual(runs(cron('30 2 * * *', 'Europe/Berlin'), '2024-03-30T12:00:00Z', 2), ['2024-03-31T03:00:00.000+02:00', '2024-04-01T02:30:00.000+02:00']);
  assert.deepEqual(runs(cron('30 2 * * *', 'Europe/Berlin'), '2024-10-26T12:00:00Z', 2), ['2024-10-27T02:30:00.000+02:00', '2024-10-28T02:30:00.000+01:00']);
  assert.deepEqual(runs(cron('30 2 * * *', 'Australia/Sydney'), '2024-10-05T00:00:00Z', 2), ['2024-10-06T03:00:00.000+11:00', '2024-10-07T02:30:00.000+11:00']);
  assert.deepEqual(runs(cron('30 2 * * *', 'Australia/Sydney'), '2024-04-06T00:00:00Z', 2), ['2024-04-07T02:30:00.000+11:00', '2024-04-08T02:30:00.000+10:00']);
  // An hourly job on the fall-back night in Berlin: 02:00 runs once (CEST), then 03:00 CET.
  assert.deepEqual(runs(cron('0 * * * *', 'Europe/Berlin'), '2024-10-26T23:30:00Z', 3), ['2024-10-27T02:00:00.000+02:00', '2024-10-27T03:00:00.000+01:00', '2024-10-27T04:00:00.000+01:00']);
});

test('after is exclusive, until inclusive; an instant inside a run minute is after it', () => {
  const s = cron('*/5 * * * *');
  const t = Date.parse('2024-01-01T00:05:00Z');
  assert.deepEqual(nextRuns(s, { after: t, limit: 1 }).runs, [t + 300_000]);
  assert.deepEqual(nextRuns(s, { after: t - 1, limit: 1 }).runs, [t]);
  assert.deepEqual(nextRuns(s, { after: t, until: t + 600_000, limit: 10 }).runs, [t + 300_000, t + 600_000]);
  assert.deepEqual(nextRuns(s, { after: t + 30_000, limit: 1 }).runs, [t + 300_000]);
  assert.equal(nextRuns(s, { after: t }).remaining, null);
});

test('scanRuns counts exactly, including DST days', () => {
  const s = cron('*/15 * * * *', 'America/New_York');
  const day = (a: string, b: string) => scanRuns(s, Date.parse(a), Date.parse(b)).count;
  assert.equal(day('2024-03-09T05:00:00Z', '2024-03-10T05:00:00Z'), 96); // ordinary day
  assert.equal(day('2024-03-10T05:00:00Z', '2024-03-11T04:00:00Z'), 92); // 23-hour day: 02:00–02:45 fold into 03:00
  assert.equal(day('2024-11-03T04:00:00Z', '2024-11-04T05:00:00Z'), 96); // 25-hour day: the repeated hour is not repeated
  const year = scanRuns(cron('0 * * * *'), Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1));
  assert.deepEqual(year, { count: 8760, first: Date.UTC(2023, 0, 1, 1), last: Date.UTC(2024, 0, 1) });
});

test('property: in zones without DST, runs match croner exactly', () => {
  const exprs = ['* * * * *', '*/7 * * * *', '0 */3 * * *', '15 10 * * 1-5', '0 0 1 * *', '30 6 13 * 5', '0 0 29 2 *', '45 23 L * *'.replace('L', '28-31'), '5 4 * * SUN'];
  fc.assert(
    fc.property(fc.constantFrom(...exprs), fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Tokyo'), fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (expr, zone, after) => {
      const ours = nextRuns(cron(expr, zone), { after, limit: 5 }).runs;
      const theirs = new Cron(expr, { timezone: zone, paused: true, legacyMode: true }).nextRuns(5, new Date(after)).map((d) => d.getTime());
      assert.deepEqual(ours, theirs, `${expr} ${zone} after ${new Date(after).toISOString()}`);
    }),
    { numRuns: 300 },
  );
});
