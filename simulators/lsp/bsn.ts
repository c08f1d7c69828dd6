// BSN (burgerservicenummer) checks as the LSP demands before use: the node's 11-check, thrown as a 400.
import { invalidInput } from '../../node/src/core/index.js';
import { BSN_SYSTEM, bsnProblem, isValidBsn } from '../../node/src/fhir/index.js';

export { BSN_SYSTEM, isValidBsn };

/** Throws a 400 (OperationOutcome on /fhir) naming the rule a bad BSN breaks. */
export function assertValidBsn(bsn: string): void {
  const problem = bsnProblem(bsn);
  if (problem) throw invalidInput(problem);
}

/** `http://fhir.nl/fhir/NamingSystem/bsn|999901084` → `999901084`; undefined for another system. */
export function bsnFromToken(token: string): string | undefined {
  const i = token.indexOf('|');
  if (i < 0) return undefined;
  return token.slice(0, i) === BSN_SYSTEM ? token.slice(i + 1) : undefined;
}
