// End-to-end NEN 7513 correlation: a VVT node's ECD asks the mock LSP for MP9 data over real HTTP; both logs hold the
// access, joined on one trace id, with every field filled, and both chains verify afterwards.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { createLspNode, type LspNode } from '../../simulators/lsp/main.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { MITZ_CONSENT_PROFILE } from '../../simulators/lsp/mitz.js';
import { EcdClient, type EcdSuccess } from '../../simulators/ecd/client.js';
import { internal, startTestNode, testNodeConfig } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';

const SERVICE = 'mp9-medicatieoverdracht';
const VVT_URA = '90000303'; // Thuiszorg De Zonnebloem in the LSP's address book (sources.json), type T2
const VVT_NAME = 'Thuiszorg De Zonnebloem';
const LSP_NAME = 'Landelijk Schakelpunt (mock)';
const BSN = demoPatients()[1]!;
const worker = { name: 'Anna de Vries', roleName: 'Verpleegkundige', roleCode: '30.000', identifier: 'zonnebloem-anna' };

/** The shipped discovery service definition with its endpoint pointed at the LSP. */
function discoveryDir(endpointBase: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'disco-e2e-'));
  const def = JSON.parse(readFileSync(path.join('credentials', 'discovery', `${SERVICE}.json`), 'utf8'));
  writeFileSync(path.join(dir, 'def.json'), JSON.stringify({ ...def, endpoint: `${endpointBase}/discovery/${SERVICE}` }));
  return dir;
}

async function ok(r: Promise<{ status: number; text: string; json: any }>) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await r;
  expect(res.status, res.text).toBeLessThan(300);
  return res.json;
}

let lsp: LspNode;
let vvt: LabNode;
let result: EcdSuccess;

beforeAll(async () => {
  const lspConfig = testNodeConfig('lsp', {
    organization: { ura: '90000999', name: LSP_NAME },
    discovery: { directory: discoveryDir('http://unused.invalid'), serverIds: [SERVICE] },
  });
  lsp = createLspNode(lspConfig, { sourceTimeoutMs: 2000 });
  await lsp.node.start();
  vvt = await startTestNode('vvt', { organization: { ura: VVT_URA, name: VVT_NAME }, discovery: { directory: discoveryDir(lsp.node.url) } });

  const lspDid = (await ok(internal(lsp.node, 'POST', '/internal/vdr/v2/subject', { subject: 'lsp' }))).documents[0].id as string;
  const vvtDid = (await ok(internal(vvt, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' }))).documents[0].id as string;
  // the LSP is the URA authority of both: its URA credentials establish an organisation on either node
  for (const n of [lsp.node, vvt]) await ok(internal(n, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: lspDid, credentialType: 'NutsUraCredential' }));
  const ura = (id: string, org: { ura: string; name: string; city: string }) => ({ type: 'NutsUraCredential', issuer: lspDid, credentialSubject: { id, organization: org }, withStatusList2021Revocation: true });
  // the LSP vouches for its own URA and for the VVT organisation's
  const lspVc = await ok(internal(lsp.node, 'POST', '/internal/vcr/v2/issuer/vc', ura(lspDid, { ura: '90000999', name: LSP_NAME, city: 'Den Haag' })));
  await ok(internal(lsp.node, 'POST', '/internal/vcr/v2/holder/lsp/vc', lspVc));
  const vvtVc = await ok(internal(lsp.node, 'POST', '/internal/vcr/v2/issuer/vc', ura(vvtDid, { ura: VVT_URA, name: VVT_NAME, city: 'Utrecht' })));
  await ok(internal(vvt, 'POST', '/internal/vcr/v2/holder/vvt/vc', vvtVc));

  await ok(internal(lsp.node, 'POST', `/internal/discovery/v1/${SERVICE}/lsp`, { registrationParameters: { fhirBaseURL: `${lsp.node.url}/fhir` } }));
  await ok(internal(vvt, 'POST', `/internal/discovery/v1/${SERVICE}/vvt`, { registrationParameters: { fhirBaseURL: `${vvt.url}/fhir` } }));
  await vvt.discovery.refreshNow();

  const ecd = new EcdClient({ nodeUrl: vvt.internalUrl, subject: 'vvt', serviceId: SERVICE });
  const r = await ecd.fetchMedicationData({ careWorker: worker, bsn: BSN, blocks: ['TA'] });
  if (!r.ok) throw new Error(`ECD flow failed at ${r.step}: ${r.code} ${r.reason}`);
  result = r;
}, 30_000);
afterAll(async () => {
  await vvt?.stop();
  await lsp?.node.stop();
});

describe('one MP9 search from the VVT ECD to the mock LSP', () => {
  it('returns the pharmacy data (consent given for Thuiszorg De Zonnebloem)', () => {
    const entries = result.bundles.TA!.entry ?? [];
    expect(entries.filter((e) => e.search?.mode === 'match').length).toBeGreaterThan(0);
  });

  it('is recorded on both sides with every NEN 7513 field, on the same trace id', async () => {
    const traceId = result.trace.traceId;
    const outgoing = await auditRecords(vvt, { event: 'data.request.outgoing', patient: BSN });
    expect(outgoing).toHaveLength(1);
    const served = await auditRecords(lsp.node, { event: 'fhir.search', patient: BSN });
    expect(served).toHaveLength(1);
    const [out, srv] = [outgoing[0]!, served[0]!];
    expect(out.traceId).toBe(traceId);
    expect(srv.traceId).toBe(traceId);
    // the serving side saw exactly the traceparent and X-Request-Id the requesting side recorded before sending
    expect(srv.traceparent).toBe(out.traceparent);
    expect(srv.requestId).toBe(out.requestId);

    const actor = { userId: worker.identifier, userName: worker.name, role: { code: '30.000', system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode' }, organisation: { ura: VVT_URA, name: VVT_NAME } };
    expect(out).toMatchObject({
      node: 'vvt',
      action: 'E',
      actor,
      patient: { bsn: BSN },
      object: { type: 'MedicationDispense', query: expect.stringContaining(`bsn%7C${BSN}`) },
      authorisation: { scope: 'medicatieoverdracht-employee', protocol: 'nuts-rfc021', tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      source: { system: 'nuts-lsp-lab ECD simulator', node: 'vvt' },
      client: { address: expect.stringMatching(/127\.0\.0\.1/) },
      peer: { url: `${lsp.node.url}/fhir`, name: LSP_NAME },
      outcome: { code: '0' },
    });
    expect(srv).toMatchObject({
      node: 'lsp',
      action: 'E',
      actor: { ...actor, responsible: { id: worker.identifier, name: worker.name }, clientId: `${vvt.url}/oauth2/vvt` },
      patient: { bsn: BSN },
      object: { type: 'MedicationDispense', query: out.object!.query },
      authorisation: { scope: 'medicatieoverdracht-employee', protocol: 'nuts-rfc021', tokenHash: out.authorisation!.tokenHash },
      consent: { profile: MITZ_CONSENT_PROFILE },
      breakTheGlass: false,
      source: { system: 'nuts-lsp-lab', node: 'lsp', url: lsp.node.url },
      client: { address: expect.stringMatching(/127\.0\.0\.1/) },
      outcome: { code: '0', httpStatus: 200 },
    });
    expect(srv.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the LSP recorded the token grant for the same organisation and token', async () => {
    const [srv] = await auditRecords(lsp.node, { event: 'fhir.search', patient: BSN });
    const granted = await auditRecords(lsp.node, { event: 'oauth.token.granted' });
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      actor: { userId: worker.identifier, role: { code: '30.000' }, organisation: { ura: VVT_URA, name: VVT_NAME }, responsible: { id: worker.identifier } },
      authorisation: { scope: 'medicatieoverdracht-employee', tokenHash: srv!.authorisation!.tokenHash },
      peer: { ura: VVT_URA, url: `${vvt.url}/oauth2/vvt` },
      outcome: { code: '0' },
    });
    expect(granted[0]!.authorisation!.credentials!.map((c) => c.type).sort()).toEqual(['NutsEmployeeCredential', 'NutsUraCredential']);
    // the token's hash is what joins grant and use: the grant came first
    expect(Date.parse(granted[0]!.startedAt)).toBeLessThanOrEqual(Date.parse(srv!.startedAt));
  });

  it("the LSP's patient overview lists the access by Thuiszorg De Zonnebloem", async () => {
    const res = await internal(lsp.node, 'GET', `/internal/audit/v1/patients/${BSN}/overview`);
    expect(res.status).toBe(200);
    const searches = (res.json.entries as Array<{ event: string; summary: string }>).filter((e) => e.event === 'fhir.search');
    expect(searches).toHaveLength(1);
    expect(searches[0]).toMatchObject({
      actionText: 'searched / requested',
      organisation: { ura: VVT_URA, name: VVT_NAME },
      role: { code: '30.000' },
      responsible: { id: worker.identifier, name: worker.name },
      data: { type: 'MedicationDispense' },
      authorisation: { scope: 'medicatieoverdracht-employee' },
      consentProfile: MITZ_CONSENT_PROFILE,
      outcome: 'success',
      traceId: result.trace.traceId,
      // as a person reads it: who (role, organisation) did what, from which system
      who: `${worker.name} (30.000, ${VVT_NAME})`,
      did: 'searched administration agreements (TA)',
    });
    expect(searches[0]!.summary).toMatch(new RegExp(`^\\d{4}-.*: ${worker.name} \\(30\\.000, ${VVT_NAME}\\) searched administration agreements \\(TA\\), from .+ — success$`));
  });

  it('both audit chains verify afterwards', async () => {
    for (const node of [vvt, lsp.node]) {
      const v = await internal(node, 'GET', '/internal/audit/v1/verify');
      expect(v.status).toBe(200);
      expect(v.json).toMatchObject({ ok: true });
      // the verification's own audit.read is recorded before it runs, so it covers every record the node holds
      expect(v.json.records).toBe((await auditRecords(node)).length);
    }
  });
});
