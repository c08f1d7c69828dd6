// Attack: name two patients in one search (consent checked for A, data returned for B); every variant is a 400 with its record.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LspNode } from '../../simulators/lsp/main.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { auditRecords } from '../helpers/audit.js';
import { internal } from '../helpers/node.js';
import { BSN_SYSTEM, publicFhir, startTestLsp } from '../helpers/lsp.js';
import type { TestTokens } from '../helpers/fhir-tokens.js';

let lsp: LspNode;
let tokens: TestTokens;
let token: string;
/** A consented to sharing; B did not (Mitz: no choice means no) */
const A = demoPatients()[1]!;
const B = demoPatients()[2]!;
const pid = (bsn: string) => `${BSN_SYSTEM}|${bsn}`;

beforeAll(async () => {
  ({ lsp, tokens } = await startTestLsp());
  await lsp.scenarios.apply('no-consent');
  const ja = await internal(lsp.node, 'PUT', '/internal/lsp/v1/consent', { bsn: A, holderCategory: '*', dataCategory: 'GGC013', consulterCategory: '*', choice: 'ja' });
  expect(ja.status).toBe(200);
  token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015', employee_identifier: 'doctor-1', organization_ura: '90000303' });
});
afterAll(() => lsp?.node.stop());

type Entry = { resource: { resourceType: string; subject?: { reference?: string }; issue?: Array<{ code: string }> }; search: { mode: string } };
const matches = (json: { entry?: Entry[] }) => (json.entry ?? []).filter((e) => e.search.mode === 'match');

async function attempt(query: string) {
  const requestId = randomUUID();
  const res = await publicFhir(lsp, 'GET', `MedicationRequest?${query}`, token, { requestId });
  return { ...res, records: await auditRecords(lsp.node, { requestId }) };
}

describe('a search naming two patients cannot borrow one patient’s consent for the other', () => {
  it('control: A (consent) gets data, B (no consent) gets only suppressed outcomes', async () => {
    const a = await attempt(`patient.identifier=${pid(A)}`);
    expect(a.status).toBe(200);
    expect(matches(a.json).length).toBeGreaterThan(0);
    const b = await attempt(`patient.identifier=${pid(B)}`);
    expect(b.status, b.text.slice(0, 600)).toBe(200);
    expect(matches(b.json)).toEqual([]);
    expect((b.json.entry as Entry[]).every((e) => e.search.mode === 'outcome' && e.resource.issue?.[0]?.code === 'suppressed')).toBe(true);
  });

  it.each([
    ['subject.identifier (dropped as unknown) for A, patient.identifier for B', `subject.identifier=${pid(A)}&patient.identifier=${pid(B)}`],
    ['patient.identifier for B, subject.identifier for A', `patient.identifier=${pid(B)}&subject.identifier=${pid(A)}`],
    ['the same parameter twice, A then B', `patient.identifier=${pid(A)}&patient.identifier=${pid(B)}`],
    ['one parameter with A or B', `patient.identifier=${pid(A)},${pid(B)}`],
    ['patient.identifier A, subject:Patient.identifier B', `patient.identifier=${pid(A)}&subject:Patient.identifier=${pid(B)}`],
    ['an unknown patient chain beside A', `patient.identifier=${pid(A)}&patient.name=B`],
    ['a Group subject beside A', `patient.identifier=${pid(A)}&subject:Group.identifier=${pid(B)}`],
    ['A by BSN and a Patient reference', `patient.identifier=${pid(A)}&patient=Patient/someone-else`],
    ["B's BSN in a parameter the server does not know", `patient.identifier=${pid(A)}&bsn=${pid(B)}`],
  ])('%s → 400 OperationOutcome, no data, recorded', async (_name, query) => {
    const r = await attempt(query);
    expect(r.status, r.text.slice(0, 500)).toBe(400);
    expect(r.json.resourceType).toBe('OperationOutcome');
    expect(r.text).not.toContain('"mode":"match"');
    expect(r.records.length).toBeGreaterThan(0);
    for (const rec of r.records) expect(rec).toMatchObject({ event: 'fhir.search', outcome: { code: '4', httpStatus: 400 } });
  });

  it('the same parameter twice naming the same patient is one patient', async () => {
    const r = await attempt(`patient.identifier=${pid(A)}&patient.identifier=${pid(A)}`);
    expect(r.status).toBe(200);
    expect(matches(r.json).length).toBeGreaterThan(0);
    expect(r.records.map((x) => x.patient?.bsn)).toEqual([A]);
  });

  it('the internal surface refuses two patients too (the broker never picks one of them)', async () => {
    const res = await internal(lsp.node, 'GET', `/internal/fhir/MedicationRequest?subject.identifier=${pid(A)}&patient.identifier=${pid(B)}`, undefined, { 'x-user-id': 'tester', 'x-user-role': '30.000', 'x-organisation-ura': '90000303' });
    expect(res.status).toBe(400);
    expect(res.json.resourceType).toBe('OperationOutcome');
  });
});
