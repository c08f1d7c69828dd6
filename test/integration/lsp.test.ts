// The mock LSP over real HTTP: fan-out to real source servers, merge with provenance, outcomes per scenario, consent per source.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLspNode, type LspNode } from '../../simulators/lsp/main.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { internal, testNodeConfig } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';
import { MITZ_CONSENT_PROFILE } from '../../simulators/lsp/mitz.js';
import { isValidBsn } from '../../simulators/lsp/bsn.js';

let lsp: LspNode;
const BSN = demoPatients()[1]!;
const OTHER = demoPatients()[2]!;
const VVT_URA = '90000303';

beforeAll(async () => {
  const config = testNodeConfig('lsp', { organization: { ura: '90000999', name: 'Mock LSP' } });
  lsp = createLspNode(config, { sourceTimeoutMs: 800 });
  await lsp.node.start();
});
afterAll(() => lsp?.node.stop());

type Issue = { severity?: string; code: string; diagnostics: string; details?: { text?: string }; source?: string };
type Entry = { fullUrl?: string; resource: { resourceType: string; id: string; meta?: { source?: string }; issue?: Issue[] }; search: { mode: string } };

/** An internal search as a care worker of the LSP's organisation; checks the one access record it caused (NEN 7513). */
async function search(type: string, bsn = BSN, extra = '', headers: Record<string, string> = {}) {
  const requestId = randomUUID();
  const res = await internal(lsp.node, 'GET', `/internal/fhir/${type}?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}${extra}`, undefined, {
    'x-user-id': 'tester',
    'x-user-role': '30.000',
    'x-organisation-ura': VVT_URA,
    'x-request-id': requestId,
    ...headers,
  });
  const records = await auditRecords(lsp.node, { requestId });
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    event: 'fhir.search',
    // a number that is no BSN names nobody: it stays in the recorded query, not in the patient field
    ...(isValidBsn(bsn) ? { patient: { bsn } } : {}),
    actor: { userId: 'tester', kind: 'person', role: { code: '30.000' }, organisation: { ura: '90000999', name: 'Mock LSP' } },
    object: { type, query: expect.stringContaining(bsn) },
    authorisation: { protocol: 'nuts-rfc021' },
    consent: { profile: MITZ_CONSENT_PROFILE },
    source: { node: 'lsp' },
    client: { address: expect.stringMatching(/127\.0\.0\.1/) },
    outcome: { code: res.status < 400 ? '0' : '4', httpStatus: res.status },
  });
  const entries = (res.json?.entry ?? []) as Entry[];
  return {
    res,
    record: records[0]!,
    matches: entries.filter((e) => e.search.mode === 'match').map((e) => e.resource),
    // what went wrong per source; the statements of sources that answered fully are `answered`
    outcomes: outcomeIssues(entries).filter((o) => o.severity !== 'information'),
    answered: outcomeIssues(entries).filter((o) => o.severity === 'information'),
  };
}

function outcomeIssues(entries: Entry[]) {
  return entries.filter((e) => e.search.mode === 'outcome').map((e) => ({ ...e.resource.issue![0]!, source: e.resource.meta?.source }));
}

const sourceOf = (name: string) => lsp.sources.find((s) => s.config.demoData === name)!;

describe('mock LSP broker', () => {
  it('merges data from several sources into one searchset with provenance', async () => {
    await lsp.scenarios.apply('normal');
    const ta = await search('MedicationDispense', BSN, '&category=http://snomed.info/sct|422037009&_include=MedicationDispense:medication');
    expect(ta.res.status).toBe(200);
    expect(ta.res.headers.get('content-type')).toMatch(/fhir\+json/);
    expect(ta.matches.length).toBeGreaterThan(0);
    expect(ta.outcomes).toEqual([]);
    // completeness is stated, not implied: the one source asked says it answered fully, with its count
    expect(ta.answered).toEqual([expect.objectContaining({ code: 'informational', source: sourceOf('pharmacy').fhirBase, details: expect.objectContaining({ text: `answered (${ta.matches.length} items)` }) })]);
    for (const m of ta.matches) expect(m.meta?.source).toBe(sourceOf('pharmacy').fhirBase);
    const ma = await search('MedicationRequest', BSN, '&category=http://snomed.info/sct|33633005');
    // the GP's agreements and the one the hospital's cardiologist made, each with its own source
    expect(new Set(ma.matches.map((m) => m.meta?.source))).toEqual(new Set([sourceOf('gp').fhirBase, sourceOf('hospital').fhirBase]));
    const mtd = await search('MedicationAdministration', BSN);
    expect(mtd.matches.length).toBeGreaterThan(0);
    for (const m of mtd.matches) expect(m.meta?.source).toBe(sourceOf('vvt').fhirBase);
    // entries point at the source that holds them; the self link is the LSP's
    expect(ta.res.json.link[0].url.startsWith(lsp.node.url + '/fhir/MedicationDispense?')).toBe(true);
    expect(ta.res.json.total).toBe(ta.matches.length);
  });

  it('echoes AORTA-ID on public responses, including errors', async () => {
    const res = await fetch(`${lsp.node.url}/fhir/MedicationDispense?patient.identifier=x`, { headers: { 'AORTA-ID': 'initialRequestID=first; requestID=second', 'x-request-id': 'aorta-1' } });
    // the refused attempt is logged without an actor: no token, nobody known
    expect(await auditRecords(lsp.node, { requestId: 'aorta-1' })).toMatchObject([{ event: 'fhir.search', outcome: { code: '4', httpStatus: 401, description: expect.stringContaining('access token is required') } }]);
    expect((await auditRecords(lsp.node, { requestId: 'aorta-1' }))[0]!.actor).toBeUndefined();
    expect(res.headers.get('aorta-id')).toBe('initialRequestID=first; requestID=second');
    expect(res.headers.get('aorta-version')).toBe('contentVersion=1.0');
    expect(res.status).toBe(401);
  });

  it('refuses a bad BSN with a 400 OperationOutcome naming the 11-check', async () => {
    const r = await search('MedicationDispense', '999901085');
    expect(r.res.status).toBe(400);
    expect(r.res.json.resourceType).toBe('OperationOutcome');
    expect(r.res.json.issue[0].diagnostics).toMatch(/11-check/);
    expect(r.record.outcome.description).toMatch(/11-check/);
    expect(r.record.patient).toBeUndefined();
  });

  it('no-consent: every source suppressed, no data', async () => {
    await lsp.scenarios.apply('no-consent');
    const r = await search('MedicationDispense');
    expect(r.matches).toEqual([]);
    expect(r.outcomes.map((o) => o.code)).toEqual(['suppressed']);
    expect(r.outcomes[0]!.diagnostics).toMatch(/no choice means no/);
    const all = await Promise.all(['MedicationRequest', 'MedicationAdministration'].map((t) => search(t)));
    for (const a of all) {
      expect(a.matches).toEqual([]);
      expect(a.outcomes.every((o) => o.code === 'suppressed')).toBe(true);
    }
  });

  it("consent 'nee' for the pharmacy removes only the pharmacy's data", async () => {
    await lsp.scenarios.apply('normal');
    const before = await search('MedicationDispense');
    const gpBefore = await search('MedicationRequest');
    await lsp.scenarios.apply('pharmacy-no-consent');
    const after = await search('MedicationDispense');
    expect(after.matches).toEqual([]);
    expect(after.outcomes).toHaveLength(1);
    expect(after.outcomes[0]).toMatchObject({ code: 'suppressed', details: { text: 'no consent (Mitz)' }, source: sourceOf('pharmacy').fhirBase });
    expect(before.matches.length).toBeGreaterThan(0);
    const gpAfter = await search('MedicationRequest');
    expect(gpAfter.matches.map((m) => m.id).sort()).toEqual(gpBefore.matches.map((m) => m.id).sort());
    expect(gpAfter.outcomes).toEqual([]);
  });

  it('pharmacy-down: transient outcome for the pharmacy, other sources answer', async () => {
    await lsp.scenarios.apply('pharmacy-down');
    const ta = await search('MedicationDispense');
    expect(ta.matches).toEqual([]);
    expect(ta.outcomes).toHaveLength(1);
    expect(ta.outcomes[0]).toMatchObject({ code: 'transient', details: { text: 'source system down' }, source: sourceOf('pharmacy').fhirBase });
    expect(ta.outcomes[0]!.diagnostics).toMatch(/unreachable \(ECONNREFUSED\)/);
    const mtd = await search('MedicationAdministration');
    expect(mtd.matches.length).toBeGreaterThan(0);
    expect(mtd.outcomes).toEqual([]);
  });

  it('slow-gp: timeout outcome for the GP within the source timeout', async () => {
    await lsp.scenarios.apply('slow-gp');
    const started = Date.now();
    const ma = await search('MedicationRequest');
    expect(Date.now() - started).toBeLessThan(2500);
    // only the hospital's requests arrive; the GP's are missing with a timeout notice
    expect(ma.matches.length).toBeGreaterThan(0);
    expect(new Set(ma.matches.map((m) => m.meta?.source))).toEqual(new Set([sourceOf('hospital').fhirBase]));
    expect(ma.outcomes).toHaveLength(1);
    expect(ma.outcomes[0]).toMatchObject({ code: 'timeout', details: { text: 'timeout after 0.8 s' }, source: sourceOf('gp').fhirBase });
    const ta = await search('MedicationDispense');
    expect(ta.matches.length).toBeGreaterThan(0);
  });

  it('unregistered-patient: not-found outcome for that patient only', async () => {
    await lsp.scenarios.apply('unregistered-patient');
    const first = await search('MedicationDispense', demoPatients()[0]!);
    expect(first.matches).toEqual([]);
    expect(first.outcomes.map((o) => o.code)).toEqual(['not-found']);
    expect(first.answered).toEqual([]);
    const other = await search('MedicationDispense', OTHER);
    expect(other.matches.length).toBeGreaterThan(0);
    expect(other.outcomes).toEqual([]);
  });

  it('revoked-organisation needs the network and says so', async () => {
    const res = await internal(lsp.node, 'POST', '/internal/lsp/v1/scenarios/revoked-organisation');
    expect(res.status).toBe(400);
    expect(res.json.detail).toMatch(/needs the network/);
  });

  it('an organisation unknown to the LSP address book gets no data, with the reason', async () => {
    await lsp.scenarios.apply('normal');
    const r = await search('MedicationDispense', BSN, '', { 'x-organisation-ura': '12345678' });
    expect(r.matches).toEqual([]);
    expect(r.outcomes[0]!.diagnostics).toMatch(/not in the LSP address book/);
  });

  it('lists scenarios and applies one over the internal API; unknown names are 404', async () => {
    const list = await internal(lsp.node, 'GET', '/internal/lsp/v1/scenarios');
    expect(list.json.map((s: { name: string }) => s.name)).toEqual(['normal', 'no-consent', 'pharmacy-no-consent', 'pharmacy-down', 'slow-gp', 'unregistered-patient', 'revoked-organisation', 'revoked-dezi-declaration']);
    // a stand-alone LSP has no simulated Dezi to revoke at: a clear 400, not a silent no-op
    const dezi = await internal(lsp.node, 'POST', '/internal/lsp/v1/scenarios/revoked-dezi-declaration');
    expect(dezi.status).toBe(400);
    expect(dezi.json.detail).toMatch(/needs the simulated Dezi/);
    const applied = await internal(lsp.node, 'POST', '/internal/lsp/v1/scenarios/pharmacy-down');
    expect(applied.json.scenario).toBe('pharmacy-down');
    const sources = await internal(lsp.node, 'GET', '/internal/lsp/v1/sources');
    expect(sources.json.find((s: { id: string }) => s.id === sourceOf('pharmacy').config.id).available).toBe(false);
    expect((await internal(lsp.node, 'POST', '/internal/lsp/v1/scenarios/nope')).status).toBe(404);
    await internal(lsp.node, 'POST', '/internal/lsp/v1/scenarios/normal');
  });

  it('manages Mitz consent over the internal API, with FHIR Consent resources and decisions', async () => {
    const key = { bsn: OTHER, holderCategory: 'RPZAC005', dataCategory: 'GGC013', consulterCategory: 'RPZAC004' };
    expect((await internal(lsp.node, 'PUT', '/internal/lsp/v1/consent', { ...key, choice: 'nee' })).status).toBe(200);
    expect((await internal(lsp.node, 'POST', '/internal/lsp/v1/consent/decision', key)).json.decision).toBe('Deny');
    const fhir = await internal(lsp.node, 'GET', `/internal/lsp/v1/consent/fhir?bsn=${OTHER}`);
    expect(fhir.json.entry.map((e: { resource: { provision: { type: string } } }) => e.resource.provision.type)).toContain('deny');
    expect((await internal(lsp.node, 'DELETE', '/internal/lsp/v1/consent', key)).status).toBe(204);
    expect((await internal(lsp.node, 'POST', '/internal/lsp/v1/consent/decision', key)).json.decision).toBe('Permit');
    const bad = await internal(lsp.node, 'PUT', '/internal/lsp/v1/consent', { ...key, choice: 'misschien' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('keeps the reference index as AortaDataReference Lists, editable through FHIR', async () => {
    const regs = await internal(lsp.node, 'GET', `/internal/lsp/v1/registrations?bsn=${BSN}`);
    const blocks = new Set(regs.json.map((r: { block: string }) => r.block));
    expect(blocks).toEqual(new Set(['MA', 'MGB', 'MTD', 'MVE', 'TA', 'VV', ...(blocks.has('WDS') ? ['WDS'] : [])]));
    // the hospital registered its own medication agreement for this client beside the GP's
    expect(regs.json.filter((r: { block: string }) => r.block === 'MA').map((r: { appId: string }) => r.appId).sort()).toEqual([sourceOf('gp').config.appId, sourceOf('hospital').config.appId].sort());
    const id = regs.json.find((r: { block: string }) => r.block === 'TA').id;
    const list = await internal(lsp.node, 'GET', `/internal/fhir/List/${id}`, undefined, { 'x-request-id': 'list-read' });
    expect(list.json.code.coding[0]).toMatchObject({ system: 'urn:oid:2.16.840.1.113883.2.4.3.111.15.3', code: 'TOEDIENINGSAFSPRAAK' });
    expect(list.json.emptyReason.coding[0].code).toBe('withheld');
    expect((await internal(lsp.node, 'DELETE', `/internal/fhir/List/${id}`, undefined, { 'x-request-id': 'list-delete' })).status).toBe(204);
    // the node's own process acts on the internal surface without X-User-Id, with the operator as responsible person
    for (const [requestId, event, action] of [['list-read', 'fhir.read', 'R'], ['list-delete', 'fhir.delete', 'D']] as const) {
      expect(await auditRecords(lsp.node, { requestId })).toMatchObject([
        { event, action, patient: { bsn: BSN }, object: { type: 'List', id }, actor: { kind: 'process', organisation: { ura: '90000999' }, responsible: { id: 'lsp:operator' } }, outcome: { code: '0' } },
      ]);
    }
    // the patient is still registered for other data: no TA is no data, which the LSP states (complete, not a warning)
    const ta = await search('MedicationDispense', BSN, '&category=http://snomed.info/sct|422037009');
    expect(ta.matches).toEqual([]);
    expect(ta.outcomes).toEqual([]);
    expect(ta.answered).toEqual([expect.objectContaining({ code: 'informational', source: undefined, details: expect.objectContaining({ text: 'no source holds this data' }) })]);
    const mve = await search('MedicationDispense', BSN, '&category=http://snomed.info/sct|373784005');
    expect(mve.matches.length).toBeGreaterThan(0);
    // the LSP holds no medication data itself
    const write = await internal(lsp.node, 'PUT', '/internal/fhir/MedicationDispense/x', { resourceType: 'MedicationDispense', id: 'x' }, { 'content-type': 'application/fhir+json', 'x-request-id': 'md-write' });
    expect(write.status).toBe(400);
    expect(await auditRecords(lsp.node, { requestId: 'md-write' })).toMatchObject([{ event: 'fhir.update', object: { type: 'MedicationDispense', id: 'x' }, outcome: { code: '4', httpStatus: 400 } }]);
    await lsp.scenarios.apply('normal');
  });
});

describe('organisations holding a URA credential of the LSP (/internal/lsp/v1/organisations)', () => {
  const self = () => ({ subject: 'lsp', walletUrl: lsp.node.internalUrl, organization: { ura: '90000999', name: 'Mock LSP', city: 'Amersfoort' } });

  it('refuses a registration before the LSP has its issuing subject, and bad input naming the field', async () => {
    const early = await internal(lsp.node, 'POST', '/internal/lsp/v1/organisations', { did: 'did:web:localhost%3A1:iam:x', ...self() });
    expect(early.status).toBe(412);
    expect(early.json.detail).toMatch(/no subject 'lsp'/);
    const bad = await internal(lsp.node, 'POST', '/internal/lsp/v1/organisations', { ...self(), did: 'did:web:x', walletUrl: 'ftp://x' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/walletUrl/);
    const ura = await internal(lsp.node, 'POST', '/internal/lsp/v1/organisations', { ...self(), did: 'did:web:x', organization: { ura: '123', name: 'x', city: 'y' } });
    expect(ura.status).toBe(400);
    expect(ura.json.detail).toMatch(/organization\.ura/);
  });

  it('issues into the wallet once, keeps it on the next registration, and never revokes its own', async () => {
    const created = await internal(lsp.node, 'POST', '/internal/vdr/v2/subject', { subject: 'lsp' });
    const did = created.json.documents[0].id as string;
    const first = await internal(lsp.node, 'POST', '/internal/lsp/v1/organisations', { did, ...self() });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ did, action: 'issued', removed: [] });
    const wallet = await internal(lsp.node, 'GET', '/internal/vcr/v2/holder/lsp/vc/search?type=NutsUraCredential');
    expect(wallet.json.verifiableCredentials).toHaveLength(1);
    const again = await internal(lsp.node, 'POST', '/internal/lsp/v1/organisations', { did, ...self() });
    expect(again.json).toMatchObject({ action: 'kept', credentialId: first.json.credentialId });
    expect((await internal(lsp.node, 'GET', '/internal/lsp/v1/organisations')).json).toEqual([{ did, ...self() }]);
    // only the LSP itself is registered: there is no organisation to revoke
    const revoke = await internal(lsp.node, 'POST', '/internal/lsp/v1/scenarios/revoked-organisation');
    expect(revoke.status).toBe(400);
    expect(revoke.json.detail).toMatch(/needs the network/);
  });

  it('says which wallet it could not reach (502) and does not record that registration', async () => {
    const r = await internal(lsp.node, 'POST', '/internal/lsp/v1/organisations', { ...self(), did: 'did:web:localhost%3A1:iam:gone', subject: 'gone', walletUrl: 'http://127.0.0.1:1' });
    expect(r.status).toBe(502);
    expect(r.json.detail).toMatch(/wallet of Mock LSP at http:\/\/127\.0\.0\.1:1 unreachable/);
    expect((await internal(lsp.node, 'GET', '/internal/lsp/v1/organisations')).json.map((o: { subject: string }) => o.subject)).toEqual(['lsp']);
  });
});
