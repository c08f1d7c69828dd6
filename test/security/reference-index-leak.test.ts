// Attack: list the LSP's reference index (every AortaDataReference List: all BSNs and who holds what) with any token.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LspNode } from '../../simulators/lsp/main.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { auditRecords } from '../helpers/audit.js';
import { internal } from '../helpers/node.js';
import { publicFhir, startTestLsp } from '../helpers/lsp.js';
import type { TestTokens } from '../helpers/fhir-tokens.js';

let lsp: LspNode;
let tokens: TestTokens;

beforeAll(async () => {
  ({ lsp, tokens } = await startTestLsp());
  // even with no consent recorded for anybody
  await lsp.scenarios.apply('no-consent');
});
afterAll(() => lsp?.node.stop());

async function attempt(method: string, path: string, token: string, body?: unknown) {
  const requestId = randomUUID();
  const res = await publicFhir(lsp, method, path, token, { requestId, body });
  return { ...res, records: await auditRecords(lsp.node, { requestId }) };
}

describe('the reference index and consents are not readable on /fhir', () => {
  it.each([['01.015'], ['30.000'], ['VVT.001'], ['17.000']])('role %s: List and Consent are refused (403), nothing of the index leaks, each attempt recorded', async (role) => {
    const token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: role, employee_identifier: `worker-${role}` });
    const someList = (await internal(lsp.node, 'GET', `/internal/lsp/v1/registrations?bsn=${demoPatients()[1]}`)).json[0].id as string;
    for (const [method, path, body] of [
      ['GET', 'List?_count=1000'],
      ['GET', 'List'],
      ['GET', `List?subject.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${demoPatients()[1]}`],
      ['GET', `List/${someList}`],
      ['GET', 'Consent?_count=1000'],
      ['POST', 'List/_search'],
      ['POST', 'List', { resourceType: 'List', status: 'current', mode: 'working' }],
      ['DELETE', `List/${someList}`],
    ] as Array<[string, string, unknown?]>) {
      const r = await attempt(method, path, token, body);
      expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBe(403);
      expect(r.json.resourceType).toBe('OperationOutcome');
      for (const bsn of demoPatients()) expect(r.text).not.toContain(bsn);
      expect(r.records.length, `${method} ${path}`).toBe(1);
      expect(r.records[0]).toMatchObject({ outcome: { code: '4', httpStatus: 403 }, object: { type: path.split(/[/?]/)[0] } });
    }
    // the List is still there for the LSP's own systems
    expect((await internal(lsp.node, 'GET', `/internal/fhir/List/${someList}`)).status).toBe(200);
  });
});
