// The FHIR store on PostgreSQL: demo data loads, MP9 searches answer as on SQLite, a failed transaction leaves nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { loadDemoData } from '../../node/src/fhir/index.js';
import { internal, startTestNode } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

let pg: LabNode;
let lite: LabNode;
beforeAll(async () => {
  const today = new Date();
  pg = await startTestNode('fhir-pg', { database: { url, schema: `f_${randomBytes(5).toString('hex')}` } });
  lite = await startTestNode('fhir-lite');
  await loadDemoData(pg.fhir.repository, { today });
  await loadDemoData(lite.fhir.repository, { today });
});
afterAll(async () => {
  await pg?.stop();
  await lite?.stop();
});

const queries = [
  'MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911004&category=http://snomed.info/sct|33633005&_include=MedicationRequest:medication',
  'MedicationDispense?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911004&category=http://snomed.info/sct|422037009',
  'MedicationAdministration?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911004',
];

it('answers MP9 searches on PostgreSQL exactly as on SQLite', async () => {
  for (const [i, q] of queries.entries()) {
    const a = await internal(pg, 'GET', `/internal/fhir/${q}`, undefined, { 'x-request-id': `pg-search-${i}` });
    const b = await internal(lite, 'GET', `/internal/fhir/${q}`);
    // the access record is written to the PostgreSQL audit log before the answer leaves
    expect(await auditRecords(pg, { requestId: `pg-search-${i}` })).toMatchObject([
      { event: 'fhir.search', patient: { bsn: '999911004' }, object: { type: q.split('?')[0] }, actor: { kind: 'process', organisation: { ura: '90009999' }, responsible: { id: 'fhir-pg:operator' } }, outcome: { code: '0', httpStatus: 200 } },
    ]);
    expect(a.status).toBe(200);
    expect(a.json.total).toBeGreaterThan(0);
    const ids = (x: { json: { entry?: Array<{ resource: { resourceType: string; id: string } }> } }) => (x.json.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
    expect(ids(a)).toEqual(ids(b));
  }
});

it('rolls back a failed transaction Bundle on PostgreSQL', async () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', id: 'tx-ok', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }] }, request: { method: 'PUT', url: 'Patient/tx-ok' } },
      { resource: { resourceType: 'Patient', id: 'mismatch' }, request: { method: 'PUT', url: 'Patient/other-id' } },
    ],
  };
  const res = await internal(pg, 'POST', '/internal/fhir', bundle, { 'content-type': 'application/fhir+json', 'x-request-id': 'pg-tx' });
  expect(res.status).toBe(400);
  expect((await internal(pg, 'GET', '/internal/fhir/Patient/tx-ok', undefined, { 'x-request-id': 'pg-read' })).status).toBe(404);
  expect(await auditRecords(pg, { requestId: 'pg-tx' })).toMatchObject([{ event: 'fhir.transaction', outcome: { code: '4', httpStatus: 400 } }]);
  expect(await auditRecords(pg, { requestId: 'pg-read' })).toMatchObject([{ event: 'fhir.read', object: { type: 'Patient', id: 'tx-ok' }, outcome: { code: '4', httpStatus: 404 } }]);
  expect((await pg.audit.verify()).ok).toBe(true);
});
