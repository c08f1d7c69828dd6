// FHIR date/dateTime ranges as Dutch users mean them: a value without a zone is read in the server's time zone
// (Europe/Amsterdam unless configured), a search date without a zone is the calendar day as the resource wrote it.

/** A time range [lo, hi) in epoch ms (±Infinity for open ends), with the UTC offsets (ms) the resource wrote at each end. */
export interface Range {
  lo: number;
  hi: number;
  /** offset the resource's value stated for its start / end; absent: no zone was written (server zone used) */
  loOffset?: number;
  hiOffset?: number;
}

/** A FHIR date, dateTime or instant split into its parts, at the precision it was written. */
export interface DateParts {
  fields: [number, number?, number?, number?, number?, number?, number?]; // Y, M(0-11), D, h, mi, s, ms
  precision: 'year' | 'month' | 'day' | 'minute' | 'second' | 'ms';
  /** the written UTC offset in ms ('Z' = 0), or undefined for a value without a zone */
  offset?: number;
}

let zone = 'Europe/Amsterdam';
/** Sets the zone for values without one (NodeConfig fhir.timeZone); refuses an unknown IANA name. */
export function setServerTimeZone(tz: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone: tz }); // throws RangeError for an unknown zone
  zone = tz;
}
export const serverTimeZone = () => zone;

const fmtCache = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset (ms) at an instant. */
export function zoneOffset(epochMs: number, tz = zone): number {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    fmtCache.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** The instant of a wall-clock time in the zone (a time skipped by DST moves forward by the gap, as java.time does). */
export function wallClockToEpoch(Y: number, M: number, D: number, h = 0, mi = 0, s = 0, ms = 0, tz = zone): number {
  const wall = Date.UTC(Y, M, D, h, mi, s, ms);
  let t = wall - zoneOffset(wall, tz);
  t = wall - zoneOffset(t, tz);
  return t;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function parseDate(value: string): DateParts | undefined {
  const m = DATE_RE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const M = mo ? Number(mo) - 1 : undefined;
  const D = d ? Number(d) : undefined;
  if ((M !== undefined && (M < 0 || M > 11)) || (D !== undefined && (D < 1 || D > 31)) || (h && (Number(h) > 23 || Number(mi) > 59)) || (s && Number(s) > 59)) return undefined;
  const offset = tz === undefined ? undefined : tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  const precision = !mo ? 'year' : !d ? 'month' : !h ? 'day' : s === undefined ? 'minute' : frac ? 'ms' : 'second';
  return { fields: [Number(y), M, D, h ? Number(h) : undefined, mi ? Number(mi) : undefined, s ? Number(s) : undefined, frac ? Math.round(Number(frac) * 1000) : undefined], precision, offset };
}

/** Epoch ms of wall-clock parts, in a fixed offset when given, else in the server zone. */
function toEpoch(f: number[], offset: number | undefined): number {
  const [Y, M = 0, D = 1, h = 0, mi = 0, s = 0, ms = 0] = f;
  return offset === undefined ? wallClockToEpoch(Y!, M, D, h, mi, s, ms) : Date.UTC(Y!, M, D, h, mi, s, ms) - offset;
}

/** The implicit range of a date value at its precision; `offset` (when the value has none) says which offset to read it in. */
export function rangeOfParts(p: DateParts, offset = p.offset): Range {
  const f = p.fields as number[];
  const [Y, M = 0, D = 1, h = 0, mi = 0, s = 0, ms = 0] = f;
  const next: number[] =
    p.precision === 'year' ? [Y! + 1] : p.precision === 'month' ? [Y!, M + 1] : p.precision === 'day' ? [Y!, M, D + 1] : p.precision === 'minute' ? [Y!, M, D, h, mi + 1] : p.precision === 'second' ? [Y!, M, D, h, mi, s + 1] : [Y!, M, D, h, mi, s, ms + 1];
  return { lo: toEpoch(f, offset), hi: toEpoch(next, offset) };
}

/** The range a resource's date/dateTime/instant covers, remembering the offset it wrote. */
export function dateRange(value: string): Range | undefined {
  const p = parseDate(value);
  if (!p) return undefined;
  const r = rangeOfParts(p);
  return p.offset === undefined ? r : { ...r, loOffset: p.offset, hiOffset: p.offset };
}

const CALENDAR: Record<string, [number, 'ms' | 'D' | 'M']> = { s: [1000, 'ms'], min: [60_000, 'ms'], h: [3_600_000, 'ms'], d: [1, 'D'], wk: [7, 'D'], mo: [1, 'M'], a: [12, 'M'] };
const DUTCH_UNITS: Record<string, string> = { seconde: 's', minuut: 'min', uur: 'h', dag: 'd', dagen: 'd', week: 'wk', weken: 'wk', maand: 'mo', maanden: 'mo', jaar: 'a' };

/**
 * The end of `start` + a Duration: days, weeks, months and years are calendar units on the wall clock the start was
 * written in (so 1 day across the switch to summer time is 23 hours); seconds to hours are exact.
 */
export function addDuration(start: string, d: { value?: unknown; code?: unknown; unit?: unknown } | undefined): number | undefined {
  const p = parseDate(start);
  const unit = String(d?.code ?? d?.unit ?? '');
  const c = CALENDAR[unit] ?? CALENDAR[DUTCH_UNITS[unit] ?? ''];
  if (!p || !c || typeof d?.value !== 'number' || !Number.isFinite(d.value)) return undefined;
  const lo = rangeOfParts(p).lo;
  if (c[1] === 'ms') return lo + d.value * c[0];
  if (!Number.isInteger(d.value)) return c[1] === 'D' ? lo + d.value * c[0] * 86_400_000 : undefined;
  const [Y, M = 0, D = 1, h = 0, mi = 0, s = 0, ms = 0] = p.fields as number[];
  const f = c[1] === 'D' ? [Y!, M, D + d.value * c[0], h, mi, s, ms] : [Y!, M + d.value * c[0], D, h, mi, s, ms];
  return toEpoch(f, p.offset);
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sa' | 'eb';

/** A search value: prefix + date. */
export interface DateSearch {
  prefix: Prefix;
  date: DateParts;
}

export function parseDateSearch(v: string): DateSearch | undefined {
  const m = /^(eq|ne|gt|ge|lt|le|sa|eb)?(.+)$/.exec(v);
  const date = m ? parseDate(m[2]!) : undefined;
  return date ? { prefix: (m![1] as Prefix) ?? 'eq', date } : undefined;
}

/**
 * Compares a resource range [a,b) with a search date. `eq` is overlap (not containment): a period of use "on day X"
 * is one that runs on that day; with ge/le this gives the counts the Nictiz qualification asserts. A search date
 * without a zone is read in the offset the resource wrote at the end being compared (the day "as the resource wrote
 * it"), or in the server zone when the resource wrote none.
 */
export function dateMatches(prefix: Prefix, target: Range, search: DateSearch | Range): boolean {
  const fixed = 'lo' in search ? search : undefined;
  const at = (offset: number | undefined): Range => fixed ?? rangeOfParts((search as DateSearch).date, (search as DateSearch).date.offset ?? offset);
  const sLo = at(target.loOffset); // the search range as seen from the target's start
  const sHi = at(target.hiOffset); // … and from its end
  switch (prefix) {
    case 'eq':
      return target.lo < sLo.hi && target.hi > sHi.lo;
    case 'ne':
      return !(target.lo < sLo.hi && target.hi > sHi.lo);
    case 'gt':
      return target.hi > sHi.hi;
    case 'ge':
      return target.hi > sHi.lo;
    case 'lt':
      return target.lo < sLo.lo;
    case 'le':
      return target.lo < sLo.hi;
    case 'sa':
      return target.lo >= sLo.hi;
    case 'eb':
      return target.hi <= sHi.lo;
  }
}
