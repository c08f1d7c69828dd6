// TestScript variable expansion: `${name}` from the script's variables, Touchstone's ${CURRENTDATE} and Nictiz's ${DATE, T, D|M|Y, ±n}.
import { serverTimeZone, zoneOffset } from '../../../node/src/fhir/index.js';

/** Today as yyyy-mm-dd on the calendar of the server zone (Europe/Amsterdam by default): what "T" means in the Nictiz data. */
export function currentDate(now: number, tz = serverTimeZone()): string {
  return new Date(now + zoneOffset(now, tz)).toISOString().slice(0, 10);
}

/** yyyy-mm-dd + n days/months/years (a month end rolls over like java.time's plusMonths clamps: 31 Jan + 1 M = 28/29 Feb). */
export function shiftDate(date: string, unit: string, n: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) throw new Error(`'${date}' is not a date (yyyy-mm-dd)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  if (unit === 'D') return new Date(Date.UTC(y, mo, d + n)).toISOString().slice(0, 10);
  const months = unit === 'M' ? n : unit === 'Y' ? 12 * n : NaN;
  if (Number.isNaN(months)) throw new Error(`unknown date unit '${unit}' (D, M or Y)`);
  const last = new Date(Date.UTC(y, mo + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, mo + months, Math.min(d, last))).toISOString().slice(0, 10);
}

export type Resolve = (name: string) => string | undefined;

const DATE_VAR = /^DATE,\s*([A-Za-z0-9_-]+),\s*([DMY]),\s*([+-]?\d+)$/;

/**
 * Replaces every `${…}` in `text`. Unknown names are an error (a script that sends `${x}` literally tests nothing),
 * except where `lenient` (fixture narratives keep what they cannot resolve).
 */
export function expand(text: string, resolve: Resolve, now: number): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, raw: string) => {
    const name = raw.trim();
    if (name === 'CURRENTDATE') return currentDate(now);
    if (name === 'CURRENTDATETIME') return new Date(now).toISOString();
    if (name === 'UUID') return crypto.randomUUID();
    const d = DATE_VAR.exec(name);
    if (d) {
      const base = d[1] === 'CURRENTDATE' ? currentDate(now) : resolve(d[1]!);
      if (base === undefined) throw new Error(`\${${raw}}: variable ${d[1]} is not defined`);
      return shiftDate(expand(base, resolve, now), d[2]!, Number(d[3]));
    }
    const v = resolve(name);
    if (v === undefined) throw new Error(`variable \${${name}} is not defined`);
    return v;
  });
}
