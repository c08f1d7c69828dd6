import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../node/src/store/index.js';
import { MitzConsent, loadCatalogue, mitzMigrations } from './mitz.js';

let database: Database;
let mitz: MitzConsent;
beforeEach(async () => {
  database = await openDatabase({ sqlite: ':memory:' });
  await database.migrate(mitzMigrations);
  mitz = new MitzConsent({ db: database }, loadCatalogue(), () => Date.parse('2026-11-25T10:00:00Z'));
});
afterEach(() => database.close());

const key = { bsn: '999901084', holderCategory: 'RPZAC005', dataCategory: 'GGC002', consulterCategory: 'RPZAC004' };

describe('Mitz consent decisions', () => {
  it('denies when the patient made no choice, saying so', async () => {
    const d = await mitz.decide(key);
    expect(d.decision).toBe('Deny');
    expect(d.reason).toMatch(/no choice means no/);
  });

  it('permits after ja, denies after nee, and is back to no after withdrawal', async () => {
    await mitz.record(key, 'ja');
    expect((await mitz.decide(key)).decision).toBe('Permit');
    await mitz.record(key, 'nee');
    expect(await mitz.decide(key)).toMatchObject({ decision: 'Deny', reason: expect.stringMatching(/refused/) });
    expect(await mitz.withdraw(key)).toBe(true);
    expect((await mitz.decide(key)).decision).toBe('Deny');
    expect(await mitz.list(key.bsn)).toEqual([]);
  });

  it('lets a specific choice override a general one ("all providers" ja, pharmacies nee)', async () => {
    await mitz.record({ ...key, holderCategory: '*', consulterCategory: '*' }, 'ja');
    await mitz.record({ ...key, holderCategory: 'RPZAC005' }, 'nee');
    expect((await mitz.decide(key)).decision).toBe('Deny');
    expect((await mitz.decide({ ...key, holderCategory: 'RPZAC001' })).decision).toBe('Permit');
    // a choice for another patient or data category does not leak
    expect((await mitz.decide({ ...key, bsn: '999911120', holderCategory: 'RPZAC001' })).decision).toBe('Deny');
  });

  it('answers NotApplicable for categories outside the catalogue and rejects them when recording', async () => {
    expect((await mitz.decide({ ...key, consulterCategory: 'RPZAC999' })).decision).toBe('NotApplicable');
    await expect(mitz.record({ ...key, consulterCategory: 'RPZAC999' }, 'ja')).rejects.toThrow(/unknown consulterCategory/);
    await expect(mitz.record({ ...key, bsn: '123456789' }, 'ja')).rejects.toThrow(/11-check/);
  });

  it('maps organisation types to categories', () => {
    expect(mitz.categoryOfOrganizationType('T2')).toBe('RPZAC004');
    expect(mitz.categoryOfOrganizationType('J8')).toBe('RPZAC005');
    expect(mitz.categoryOfOrganizationType('??')).toBeUndefined();
  });

  it('renders a choice as a FHIR Consent', async () => {
    const r = await mitz.record(key, 'nee');
    const c = mitz.toFhirConsent(r);
    expect(c.patient?.identifier).toEqual({ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999901084' });
    expect(c.provision?.type).toBe('deny');
    expect(c.category?.[0]?.coding?.[0]?.code).toBe('GGC002');
    expect(c.extension?.[0]?.valueCoding?.code).toBe('RPZAC004');
  });
});
