// Dates as Dutch users mean them: server time zone for zoneless values, DST boundaries, prefixes on dates, dateTimes and Durations.
import { afterEach, describe, expect, it } from 'vitest';
import { addDuration, dateMatches, dateRange, parseDateSearch, setServerTimeZone, wallClockToEpoch, zoneOffset, type Range } from './dates.js';
import { periodRange } from './searchparams.js';
import { EXT_DURATION } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const match = (q: string, target: Range) => dateMatches(parseDateSearch(q)!.prefix, target, parseDateSearch(q)!);
const period = (start: string, end?: string, duration?: { value: number; code: string }) => periodRange({ start, ...(end ? { end } : {}), ...(duration ? { extension: [{ url: EXT_DURATION, valueDuration: duration }] } : {}) })!;

afterEach(() => setServerTimeZone('Europe/Amsterdam'));

describe('server time zone', () => {
  it('reads a zoneless date as the Amsterdam calendar day, winter and summer', () => {
    expect(iso(dateRange('2026-01-15')!.lo)).toBe('2026-01-14T23:00:00.000Z');
    expect(iso(dateRange('2026-07-15')!.lo)).toBe('2026-07-14T22:00:00.000Z');
    expect(iso(dateRange('2026-07-15T10:30')!.lo)).toBe('2026-07-15T08:30:00.000Z');
    expect(iso(dateRange('2026-07-15T10:30:00Z')!.lo)).toBe('2026-07-15T10:30:00.000Z');
  });

  it('gives the days of the DST switches their real length (23 h in March, 25 h in October)', () => {
    const march = dateRange('2026-03-29')!;
    const october = dateRange('2026-10-25')!;
    expect((march.hi - march.lo) / 3_600_000).toBe(23);
    expect((october.hi - october.lo) / 3_600_000).toBe(25);
    expect(zoneOffset(Date.UTC(2026, 2, 29, 0, 59)) / 3_600_000).toBe(1);
    expect(zoneOffset(Date.UTC(2026, 2, 29, 1, 0)) / 3_600_000).toBe(2);
    // 02:30 on 29 March does not exist in Amsterdam: moved forward by the gap to 03:30 CEST, as java.time does
    expect(iso(wallClockToEpoch(2026, 2, 29, 2, 30))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('is configurable, and refuses an unknown zone', () => {
    setServerTimeZone('UTC');
    expect(iso(dateRange('2026-01-15')!.lo)).toBe('2026-01-15T00:00:00.000Z');
    setServerTimeZone('America/New_York');
    expect(iso(dateRange('2026-07-15')!.lo)).toBe('2026-07-15T04:00:00.000Z');
    expect(() => setServerTimeZone('Mars/Olympus')).toThrow(RangeError);
  });
});

describe('search dates', () => {
  it('does not match a period starting 26 November (+02:00 as written) with le2026-11-25 (the issue example)', () => {
    const starts26 = period('2026-11-26T00:00:00+02:00', '2026-12-10T23:59:59+02:00');
    const inside = period('2026-11-20T00:00:00+02:00', '2026-11-22T00:00:00+02:00');
    const before = period('2026-11-10T00:00:00+02:00', '2026-11-21T23:59:59+02:00');
    expect(match('le2026-11-25', starts26)).toBe(false);
    expect(match('le2026-11-26', starts26)).toBe(true);
    const range = (p: Range) => match('ge2026-11-22', p) && match('le2026-11-25', p);
    expect([starts26, inside, before].map(range)).toEqual([false, true, false]);
  });

  it('reads a zoneless search date in the server zone against zoneless and Amsterdam-offset data (winter)', () => {
    const late = dateRange('2026-01-15T23:30:00+01:00')!; // 22:30Z: still the 15th in Amsterdam
    expect(match('eq2026-01-15', late)).toBe(true);
    expect(match('eq2026-01-16', late)).toBe(false);
    const zoneless = dateRange('2026-01-16T00:15')!;
    expect(match('eq2026-01-16', zoneless)).toBe(true);
    expect(match('lt2026-01-16', zoneless)).toBe(false);
    expect(match('sa2026-01-15', zoneless)).toBe(true);
    // a search value with a zone is taken as written: 16 January in UTC starts at 00:00Z
    expect(match('eq2026-01-16T00:00:00Z', late)).toBe(false);
    expect(match('lt2026-01-16T00:00:00Z', late)).toBe(true);
  });

  it('handles the summer-time boundary the same way', () => {
    const late = dateRange('2026-07-15T23:30:00+02:00')!; // 21:30Z
    expect(match('eq2026-07-15', late)).toBe(true);
    expect(match('eq2026-07-16', late)).toBe(false);
    const early = dateRange('2026-07-16T00:30:00+02:00')!; // 22:30Z on the 15th in UTC
    expect(match('eq2026-07-16', early)).toBe(true);
    expect(match('eb2026-07-16', early)).toBe(false);
    expect(match('gt2026-07-15', early)).toBe(true);
  });

  it.each([
    // [query, dateTime 2026-03-10T12:00 (Amsterdam), expected]
    ['eq2026-03-10', true],
    ['ne2026-03-10', false],
    ['gt2026-03-09', true],
    ['gt2026-03-10', false],
    ['ge2026-03-10', true],
    ['lt2026-03-11', true],
    ['lt2026-03-10', false],
    ['le2026-03-10', true],
    ['sa2026-03-09', true],
    ['sa2026-03-10', false],
    ['eb2026-03-11', true],
    ['eb2026-03-10', false],
    ['gt2026-03-10T11:59', true],
    ['lt2026-03-10T12:01', true],
    ['eq2026-03-10T12:00', true],
    ['eq2026-03-10T11:00:00Z', true],
    ['eq2026-03-10T12:00:00Z', false],
  ])('dateTime: %s → %s', (q, expected) => {
    expect(match(q, dateRange('2026-03-10T12:00:00')!)).toBe(expected);
  });

  it.each([
    // a 3-day period from 30 March (summer time) given as start + Duration: 30, 31 March, 1 April
    ['eq2026-04-01', true],
    ['eq2026-04-02', false],
    ['sa2026-03-29', true],
    ['eb2026-04-02', true],
    ['eb2026-04-01', false],
    ['gt2026-04-01', false],
    ['ge2026-04-01', true],
    ['lt2026-03-30', false],
    ['le2026-03-30', true],
  ])('Duration-ended period: %s → %s', (q, expected) => {
    expect(match(q, period('2026-03-30', undefined, { value: 3, code: 'd' }))).toBe(expected);
  });

  it('adds Durations in calendar units on the wall clock (across the DST switch and month ends)', () => {
    expect(iso(addDuration('2026-03-28T12:00:00+01:00', { value: 1, code: 'd' })!)).toBe('2026-03-29T11:00:00.000Z'); // as written: +01:00 kept
    expect(iso(addDuration('2026-03-28T12:00', { value: 1, code: 'd' })!)).toBe('2026-03-29T10:00:00.000Z'); // zoneless: Amsterdam, 23 h later
    expect(iso(addDuration('2026-01-31', { value: 1, code: 'mo' })!)).toBe('2026-03-02T23:00:00.000Z'); // 31 Jan + 1 month rolls like the calendar
    expect(iso(addDuration('2026-01-10', { value: 2, code: 'wk' })!)).toBe('2026-01-23T23:00:00.000Z');
    expect(iso(addDuration('2026-01-10T08:00:00Z', { value: 90, code: 'min' })!)).toBe('2026-01-10T09:30:00.000Z');
    expect(addDuration('2026-01-10', { value: 1, code: 'fortnight' })).toBeUndefined();
  });
});
