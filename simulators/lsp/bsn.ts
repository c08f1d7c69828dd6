// BSN (burgerservicenummer) checks: 9 digits passing the 11-check (elfproef), as the LSP demands before use.
import { invalidInput } from '../../node/src/core/errors.js';

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

/** True when `bsn` is 9 digits and 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11 (and not all zeros). */
export function isValidBsn(bsn: string): boolean {
  if (!/^\d{9}$/.test(bsn) || bsn === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(bsn[i]);
  sum -= Number(bsn[8]);
  return sum % 11 === 0;
}

/** Throws a 400 (OperationOutcome on /fhir) naming the rule a bad BSN breaks. */
export function assertValidBsn(bsn: string): void {
  if (!/^\d{9}$/.test(bsn)) throw invalidInput(`invalid BSN '${bsn}': a BSN has exactly 9 digits`);
  if (!isValidBsn(bsn)) throw invalidInput(`invalid BSN '${bsn}': fails the 11-check (elfproef)`);
}

/** `http://fhir.nl/fhir/NamingSystem/bsn|999901084` → `999901084`; undefined for another system. */
export function bsnFromToken(token: string): string | undefined {
  const i = token.indexOf('|');
  if (i < 0) return undefined;
  return token.slice(0, i) === BSN_SYSTEM ? token.slice(i + 1) : undefined;
}
