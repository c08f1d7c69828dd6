// The SQL FHIR repository's shared parses: a changed row is read as changed, and what one reader gets no other can alter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../store/index.js';
import { fhirMigrations, SqlFhirRepository } from './repository.js';

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
});
