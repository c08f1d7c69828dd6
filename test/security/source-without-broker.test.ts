// Attack: skip the LSP (and its token, Mitz and audit) and ask a simulated source system directly on its port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LspNode } from '../../simulators/lsp/main.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { internal } from '../helpers/node.js';
import { BSN_SYSTEM, startTestLsp } from '../helpers/lsp.js';

let lsp: LspNode;
const BSN = demoPatients()[1]!;

beforeAll(async () => {
  ({ lsp } = await startTestLsp());
  await lsp.scenarios.apply('no-consent');
});
afterAll(() => lsp?.node.stop());

describe('a simulated source system answers only the LSP broker', () => {
  it('refuses everyone else with 401, whatever they send', async () => {
    for (const source of lsp.sources) {
      for (const [path, headers] of [
        [`MedicationRequest?patient.identifier=${BSN_SYSTEM}|${BSN}`, {}],
        ['MedicationDispense', {}],
        ['metadata', {}],
        [`Patient?identifier=${BSN_SYSTEM}|${BSN}`, { authorization: 'Bearer guessed' }],
        ['MedicationRequest', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ] as Array<[string, Record<string, string>]>) {
        const res = await fetch(`${source.fhirBase}/${path}`, { headers: { accept: 'application/fhir+json', ...headers } });
        const text = await res.text();
        expect(res.status, `${source.config.name} ${path}: ${text.slice(0, 200)}`).toBe(401);
        expect(JSON.parse(text).resourceType).toBe('OperationOutcome');
        expect(text).not.toContain(BSN);
      }
      const write = await fetch(`${source.fhirBase}/Patient/x`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id: 'x' }) });
      expect(write.status).toBe(401);
      expect(await source.read('Patient', 'x')).toBeUndefined();
    }
  });

  it('the broker still reaches every source (where consent permits)', async () => {
    await lsp.scenarios.apply('normal');
    const res = await internal(lsp.node, 'GET', `/internal/fhir/MedicationRequest?patient.identifier=${BSN_SYSTEM}|${BSN}`, undefined, { 'x-user-id': 'tester', 'x-user-role': '01.015', 'x-organisation-ura': '90000303' });
    expect(res.status).toBe(200);
    const sources = new Set(res.json.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match').map((e: { resource: { meta: { source: string } } }) => e.resource.meta.source));
    expect(sources.size).toBeGreaterThan(1);
    // every source answered fully: its outcome is informational, none is refused or down
    const outcomes = res.json.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'outcome').map((e: { resource: { issue: Array<{ code: string }> } }) => e.resource.issue[0]!.code);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((c: string) => c === 'informational')).toBe(true);
  });
});
