import { describe, expect, it } from 'vitest';
import { assertValidBsn, bsnFromToken, isValidBsn } from './bsn.js';

describe('BSN 11-check', () => {
  it('accepts test BSNs used by Nictiz and the LSP test environments', () => {
    for (const bsn of ['999901084', '999911120', '900186021', '111222333']) expect(isValidBsn(bsn)).toBe(true);
  });
  it('rejects a wrong check digit, wrong length, letters and all zeros', () => {
    for (const bsn of ['999901085', '12345678', '1234567890', '99990108a', '000000000']) expect(isValidBsn(bsn)).toBe(false);
  });
  it('names the broken rule', () => {
    expect(() => assertValidBsn('12345')).toThrow(/exactly 9 digits/);
    expect(() => assertValidBsn('999901085')).toThrow(/11-check/);
  });
  it('reads a BSN from a FHIR token only for the BSN naming system', () => {
    expect(bsnFromToken('http://fhir.nl/fhir/NamingSystem/bsn|999901084')).toBe('999901084');
    expect(bsnFromToken('http://example.org|999901084')).toBeUndefined();
    expect(bsnFromToken('999901084')).toBeUndefined();
  });
});
