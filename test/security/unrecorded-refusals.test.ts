// Attack: odd inputs that used to end in 503 with no audit record (too long for the record, bad BSN, a broker throw); each is a 4xx WITH its record.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataBySource } from '../../node/src/fhir/demo.js';
import type { FhirResource } from '../../node/src/fhir/types.js';
import type { LspNode } from '../../simulators/lsp/main.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { auditRecords } from '../helpers/audit.js';
import { internal } from '../helpers/node.js';
import { BSN_SYSTEM, publicFhir, startTestLsp } from '../helpers/lsp.js';
import type { TestTokens } from '../helpers/fhir-tokens.js';
import { oddRequests } from './odd-inputs.js';

let lsp: LspNode;
let tokens: TestTokens;
let token: string;
const PAT = `patient.identifier=${BSN_SYSTEM}|${demoPatients()[1]}`;
/** a dispense request (VV): a verzorgende IG (VVT.001) may neither read nor write it */
const VV = demoDataBySource({ today: new Date() }).gp.find((r) => r.resourceType === 'MedicationRequest' && JSON.stringify(r.category).includes('52711000146108')) as FhirResource;

beforeAll(async () => {
  // >1000 requests from one address, many refused: the public rate limit (429, tested on its own) is off here
  ({ lsp, tokens } = await startTestLsp({ noRateLimit: true }));
  token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: 'VVT.001', employee_identifier: 'vig-1' });
});
afterAll(() => lsp?.node.stop());

/** Sends the request and returns its status with the records it left (by request id). */
async function attempt(method: string, path: string, opts: { body?: unknown; token?: string; surface?: 'public' | 'internal' } = {}) {
  const requestId = randomUUID();
  const res =
    opts.surface === 'internal'
      ? await internal(lsp.node, method, `/internal/fhir/${path}`, opts.body, { 'x-request-id': requestId, ...(opts.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) })
      : await publicFhir(lsp, method, path, opts.token ?? token, { requestId, body: opts.body });
  return { status: res.status, json: res.json, text: res.text, records: await auditRecords(lsp.node, { requestId }) };
}

const long = (n: number, c = 'a') => c.repeat(n);

describe('refusals of odd input are 4xx and recorded', () => {
  it.each([
    ['an id longer than 512 characters', 'GET', `MedicationRequest/${long(600)}`, undefined, 400],
    ['an id longer than 64 characters (not a FHIR id)', 'GET', `Patient/${long(65)}`, undefined, 400],
    ['a type name of 3000 characters', 'GET', `M${long(3000)}`, undefined, 404],
    ['a type name of 3000 characters with an id', 'GET', `M${long(3000)}/x`, undefined, 404],
    ['diagnostics longer than 2048 characters (a 3000-character date)', 'GET', `MedicationRequest?${PAT}&category=http://snomed.info/sct|33633005&period-of-use=${long(3000, '9')}`, undefined, 400],
    ['an unknown parameter of 3000 characters (lenient: ignored)', 'GET', `MedicationRequest?${PAT}&category=http://snomed.info/sct|33633005&${long(3000, 'z')}=1`, undefined, 200],
    ['an 8-digit BSN with a valid token', 'GET', `MedicationRequest?patient.identifier=${BSN_SYSTEM}|12345678&category=http://snomed.info/sct|33633005`, undefined, 400],
    ['a 10-digit BSN', 'GET', `MedicationDispense?patient.identifier=${BSN_SYSTEM}|1234567890`, undefined, 400],
    ['a BSN failing the 11-check', 'GET', `MedicationDispense?patient.identifier=${BSN_SYSTEM}|999901085`, undefined, 400],
    ['a BSN with letters', 'GET', `MedicationDispense?patient.identifier=${BSN_SYSTEM}|99990108a`, undefined, 400],
    ['a write of a block the role may not touch (PUT)', 'PUT', `MedicationRequest/${VV.id}`, VV, 403],
    ['a write of a block the role may not touch (POST)', 'POST', 'MedicationRequest', VV, 403],
    ['a delete of a block the role may not touch', 'DELETE', `MedicationRequest/${VV.id}`, undefined, 403],
  ])('%s', async (_name, method, path, body, status) => {
    const r = await attempt(method, path, { body });
    expect(r.status, r.text.slice(0, 400)).toBe(status);
    expect(r.json?.resourceType).toBe(status < 400 ? 'Bundle' : 'OperationOutcome');
    expect(r.records.length, 'audit records').toBeGreaterThan(0);
    for (const rec of r.records) expect(rec.outcome).toMatchObject({ code: status < 400 ? '0' : '4', httpStatus: status });
  });

  it('a token whose names are longer than a record field: the access is answered and recorded with clipped values', async () => {
    const t = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: 'VVT.001', employee_identifier: long(700, 'e'), employee_name: long(900, 'n'), client_id: long(600, 'c') });
    const r = await attempt('GET', `MedicationDispense?${PAT}&category=http://snomed.info/sct|422037009`, { token: t });
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.actor!.userId.length).toBeLessThanOrEqual(512);
    expect(r.records[0]!.actor!.userId.startsWith('eeee')).toBe(true);
  });

  it('a query longer than a record holds is recorded, clipped', async () => {
    const r = await attempt('GET', `MedicationDispense?${PAT}&category=http://snomed.info/sct|422037009&zz=${long(9000, 'f')}`);
    expect(r.status).toBe(200);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.object!.query!.length).toBeLessThanOrEqual(8192);
  });

  it.each([
    ['an id longer than 512 characters', 'GET', `MedicationRequest/${long(600)}`, 400],
    ['a type name of 3000 characters', 'GET', `M${long(3000)}`, 404],
    ['a PUT with an id of 600 characters', 'PUT', `List/${long(600)}`, 400],
    ['an 8-digit BSN', 'GET', `MedicationRequest?patient.identifier=${BSN_SYSTEM}|12345678`, 400],
  ])('internal surface: %s', async (_name, method, path, status) => {
    const r = await attempt(method, path, { surface: 'internal', body: method === 'PUT' ? { resourceType: 'List', id: long(600), status: 'current', mode: 'working' } : undefined });
    expect(r.status, r.text.slice(0, 400)).toBe(status);
    expect(r.records.length).toBeGreaterThan(0);
    for (const rec of r.records) expect(rec.outcome).toMatchObject({ code: '4', httpStatus: status });
  });
});

describe('a loop of odd requests on /fhir and /internal/fhir', () => {
  it('never answers 5xx, always in FHIR (OperationOutcome or a resource), and leaves a record for every request the FHIR pipeline answered', { timeout: 120_000 }, async () => {
    const valid = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015', employee_identifier: 'odd-1' });
    const failures: string[] = [];
    const answered: Array<{ requestId: string; what: string }> = [];
    const cases = (['public', 'internal'] as const).flatMap((surface) => oddRequests().filter((r) => surface === 'public' || r.auth === 'none').map((r) => ({ surface, r })));
    const send = async ({ surface, r }: (typeof cases)[number]) => {
      const requestId = randomUUID();
      const base = surface === 'public' ? `${lsp.node.url}/fhir` : `${lsp.node.internalUrl}/internal/fhir`;
      const headers: Record<string, string> = { 'x-request-id': requestId };
      if (r.auth === 'valid') headers.authorization = `Bearer ${valid}`;
      if (r.auth === 'garbage') headers.authorization = 'DPoP x.y.z';
      if (r.contentType) headers['content-type'] = r.contentType;
      const res = await fetch(`${base}/${r.path}`, { method: r.method, headers, body: r.body });
      const text = await res.text();
      const what = `${surface} ${r.method} /${r.path.slice(0, 120)} auth=${r.auth} body=${(r.body ?? '').slice(0, 60)} → ${res.status}`;
      if (res.status >= 500) failures.push(`${what}: ${text.slice(0, 200)}`);
      let json: { resourceType?: string } | undefined;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (!json?.resourceType && res.status !== 204) failures.push(`${what}: not FHIR: ${text.slice(0, 120)}`);
      // the capability statement concerns no data; everything else is an access attempt
      if (!(r.method === 'GET' && r.path === 'metadata')) answered.push({ requestId, what });
    };
    for (let i = 0; i < cases.length; i += 8) await Promise.all(cases.slice(i, i + 8).map(send));
    const recorded = new Set<string>();
    for (const rec of await auditRecords(lsp.node)) if (rec.requestId) recorded.add(rec.requestId);
    for (const a of answered) if (!recorded.has(a.requestId)) failures.push(`${a.what}: no audit record`);
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(1000);
  });
});
