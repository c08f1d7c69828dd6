// The SQL FHIR repository's shared parses: a changed row is read as changed, and what one reader gets no other can alter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../store/index.js';
import { answerJson, fhirMigrations, SqlFhirRepository } from './store.js';
import { runSearch, parseSearch, searchsetBundle } from './search.js';
import { QA_BSN, qaSet } from './qa-set.js';
import type { FhirResource } from './types.js';

let db: Database;
let repo: SqlFhirRepository;
beforeAll(async () => {
  db = await openDatabase({ sqlite: ':memory:' });
  await db.migrate(fhirMigrations);
  repo = new SqlFhirRepository({ db });
});
afterAll(() => db?.close());

describe('SqlFhirRepository reads', () => {
  it('reads an updated resource as updated, by id and in its compartment, inside and outside a transaction', async () => {
    await repo.put({ resourceType: 'Observation', id: 'o1', status: 'preliminary', subject: { reference: 'Patient/p1' } });
    expect((await repo.read('Observation', 'o1'))?.status).toBe('preliminary');
    expect((await repo.list('Observation', ['p1'])).map((r) => r.status)).toEqual(['preliminary']);
    await repo.put({ resourceType: 'Observation', id: 'o1', status: 'final', subject: { reference: 'Patient/p1' } });
    expect(await repo.read('Observation', 'o1')).toMatchObject({ status: 'final', meta: { versionId: '2' } });
    expect((await repo.list('Observation')).map((r) => r.status)).toEqual(['final']);
    await repo.atomically(async (tx) => {
      await tx.put({ resourceType: 'Observation', id: 'o1', status: 'amended', subject: { reference: 'Patient/p1' } });
      expect((await tx.read('Observation', 'o1'))?.status).toBe('amended');
    });
    expect((await repo.list('Observation', ['p1', 'p2'])).map((r) => r.status)).toEqual(['amended']);
  });

  it('hands out frozen resources: a reader that changes one fails instead of changing what the next reader sees', async () => {
    await repo.put({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Jansen' }] });
    const first = (await repo.read('Patient', 'p1'))!;
    expect(() => {
      (first.name as Array<{ family: string }>)[0]!.family = 'Changed';
    }).toThrow(TypeError);
    expect((await repo.read('Patient', 'p1'))!.name).toEqual([{ family: 'Jansen' }]);
  });

  it('writes a searchset of stored resources as JSON.stringify would, from their stored text', async () => {
    for (const r of qaSet(new Date()).resources) await repo.put(r as FhirResource & { id: string });
    const q = parseSearch('MedicationRequest', [['patient.identifier', `http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}`], ['_include', 'MedicationRequest:medication'], ['_include', 'MedicationRequest:requester']]);
    const bundle = searchsetBundle(q, await runSearch(q, { repo, baseUrl: 'http://n.test/fhir' }), 'http://n.test/fhir');
    expect(bundle.entry.length).toBeGreaterThan(5);
    expect(answerJson(bundle)).toBe(JSON.stringify(bundle));
    const odd = { resourceType: 'Bundle', type: 'searchset', skipped: undefined, entry: [null, { resource: { resourceType: 'Patient', id: 'x' }, extra: undefined }, ...bundle.entry.slice(0, 1)] };
    expect(answerJson(odd)).toBe(JSON.stringify(odd));
    expect(answerJson({ resourceType: 'Patient', id: 'p' })).toBe('{"resourceType":"Patient","id":"p"}');
  });
});
