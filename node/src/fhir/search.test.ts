// Search engine details: period-of-use ranges (Duration-derived ends, open ends), date prefixes, tokens, query parsing errors.
import { describe, expect, it } from 'vitest';
import { dateMatches, parseQueryString, parseSearch, tokenMatches } from './search.js';
import type { SearchError } from './errors.js';
import { dateRange, periodRange } from './searchparams.js';
import { EXT_DURATION } from './types.js';

const D = (s: string) => dateRange(s)!;

describe('period-of-use ranges', () => {
  it('derives the end from start + ext-TimeInterval.Duration, and leaves it open without one', () => {
    const withDuration = periodRange({ start: '2026-01-10T08:00:00Z', extension: [{ url: EXT_DURATION, valueDuration: { value: 7, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' } }] })!;
    expect(new Date(withDuration.hi).toISOString()).toBe('2026-01-17T08:00:00.000Z');
    expect(periodRange({ start: '2026-01-10' })!.hi).toBe(Infinity);
    expect(periodRange({ end: '2026-01-10' })!.lo).toBe(-Infinity);
    expect(new Date(periodRange({ start: '2026-01-10', extension: [{ url: EXT_DURATION, valueDuration: { value: 2, code: 'wk' } }] })!.hi).toISOString()).toBe('2026-01-23T23:00:00.000Z'); // midnight in Amsterdam
  });

  it('compares with overlap semantics per prefix', () => {
    const p = { lo: D('2026-01-10').lo, hi: D('2026-01-20').hi }; // 10..20 Jan
    const cases: Array<[Parameters<typeof dateMatches>[0], string, boolean]> = [
      ['eq', '2026-01-15', true],
      ['eq', '2026-01-21', false],
      ['ne', '2026-01-21', true],
      ['ge', '2026-01-20', true],
      ['ge', '2026-01-21', false],
      ['le', '2026-01-10', true],
      ['le', '2026-01-09', false],
      ['gt', '2026-01-19', true],
      ['gt', '2026-01-20', false],
      ['lt', '2026-01-11', true],
      ['lt', '2026-01-10', false],
      ['sa', '2026-01-09', true],
      ['eb', '2026-01-21', true],
      ['eb', '2026-01-20', false],
    ];
    for (const [prefix, value, expected] of cases) expect(dateMatches(prefix, p, D(value)), `${prefix}${value}`).toBe(expected);
  });

  it('reads date precision and time zones', () => {
    expect(D('2026').hi - D('2026').lo).toBe(365 * 86_400_000);
    expect(D('2026-01-10T10:00:00+02:00').lo).toBe(Date.UTC(2026, 0, 10, 8));
    expect(dateRange('2026-13-01')).toBeUndefined();
    expect(dateRange('yesterday')).toBeUndefined();
  });
});

describe('tokens and query parsing', () => {
  it('matches system|code, code, |code and system| forms', () => {
    const coding = { system: 'http://snomed.info/sct', code: '33633005' };
    expect(tokenMatches('http://snomed.info/sct|33633005', coding)).toBe(true);
    expect(tokenMatches('33633005', coding)).toBe(true);
    expect(tokenMatches('|33633005', coding)).toBe(false);
    expect(tokenMatches('http://snomed.info/sct|', coding)).toBe(true);
    expect(tokenMatches('urn:oid:1|x', { system: 'urn:oid:1', value: 'x' })).toBe(true);
  });

  it('keeps repeats, decodes percent-encoding and keeps + in time zones', () => {
    expect(parseQueryString('a=1&a=2&b=x%7Cy&c=ge2026-01-01T00:00:00+01:00')).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['b', 'x|y'],
      ['c', 'ge2026-01-01T00:00:00+01:00'],
    ]);
  });

  it('parses chains, includes and comma alternatives; names the parameter it cannot use', () => {
    const q = parseSearch('MedicationRequest', parseQueryString('patient.identifier=s|1&category=a,b&_include=MedicationRequest:medication&_include:iterate=PractitionerRole:organization&_count=5'));
    expect(q.criteria).toEqual([
      { name: 'patient.identifier', code: 'patient', chain: { targetType: 'Patient', param: 'identifier' }, values: ['s|1'] },
      { name: 'category', code: 'category', values: ['a', 'b'] },
    ]);
    expect(q.includes).toEqual([
      { sourceType: 'MedicationRequest', param: 'medication', iterate: false },
      { sourceType: 'PractitionerRole', param: 'organization', iterate: true },
    ]);
    expect(q.count).toBe(5);
    const fail = (qs: string, strict = false) => {
      try {
        parseSearch('MedicationRequest', parseQueryString(qs), { strict });
      } catch (e) {
        return (e as SearchError).param;
      }
      return 'no error';
    };
    expect(fail('_include=MedicationRequest:nope')).toBe('_include');
    expect(fail('_count=-1')).toBe('_count');
    expect(fail('period-of-use=ge2026-99-01')).toBe('period-of-use');
    expect(fail('category:text=x')).toBe('category:text');
    expect(fail('whatever=1')).toBe('no error');
    expect(fail('whatever=1', true)).toBe('whatever');
    expect(fail('requester.name=x', true)).toBe('requester.name');
  });
});
