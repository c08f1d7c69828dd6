// ECD client against a test double of the other side: a node's internal API and an LSP FHIR endpoint with fixed answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EcdClient, MemoryAccessLog, mp9SearchPath, type ClientStep } from './client.js';

interface Seen {
  method: string;
  path: string;
  query: Record<string, unknown>;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A closed port: listen, note the port, close. */
async function closedPortUrl(): Promise<string> {
  const { url, server } = await listen(express());
  await new Promise((r) => server.close(r));
  return url;
}

const worker = { name: 'Anna de Vries', roleName: '30.000', identifier: 'ecd-user-17' };
const bsn = '999901084';

describe('EcdClient', () => {
  const seen: Seen[] = [];
  let nodeUrl = '';
  let lspUrl = '';
  const servers: Server[] = [];
  // Behaviour switches of the double, reset per test.
  let tokenAnswer: { status: number; body: unknown };
  let fhirAnswer: { status: number; body: unknown } | undefined;
  let registrations: unknown[];
  let auditStatus: number;
  /** 200: the lab's audit API; 404: a nuts-node (no such route); other: broken */
  let auditKeyStatus: number;

  beforeAll(async () => {
    const record = (req: express.Request) => {
      seen.push({ method: req.method, path: req.path, query: { ...(req.query as object) }, rawQuery: req.url.split('?')[1] ?? '', headers: req.headers, body: req.body });
    };
    const node = express();
    node.use(express.json());
    node.get('/internal/discovery/v1/:service', (req, res) => {
      record(req);
      if (req.params.service !== 'medicatieoverdracht') return void res.status(404).json({ title: 'unknown service', status: 404, detail: `discovery service not found: ${req.params.service}` });
      res.json(registrations);
    });
    node.post('/internal/auth/v2/:subject/request-service-access-token', (req, res) => {
      record(req);
      res.status(tokenAnswer.status).json(tokenAnswer.body);
    });
    // the own wallet holds the URA credential the ECD names its organisation from (JWT VC, payload only matters here)
    node.get('/internal/vcr/v2/holder/:subject/vc/search', (req, res) => {
      record(req);
      const payload = Buffer.from(JSON.stringify({ vc: { type: ['VerifiableCredential', 'NutsUraCredential'], credentialSubject: { organization: { ura: '90000303', name: 'Thuiszorg De Zonnebloem' } } } })).toString('base64url');
      res.json({ verifiableCredentials: [{ verifiableCredential: `eyJhbGciOiJFUzI1NiJ9.${payload}.c2ln` }] });
    });
    node.get('/internal/audit/v1/key', (req, res) => {
      record(req);
      if (auditKeyStatus === 404) return void res.status(404).json({ message: 'Not Found' }); // echo's answer on nuts-node
      res.status(auditKeyStatus).json({ kty: 'EC' });
    });
    node.post('/internal/audit/v1/records', (req, res) => {
      record(req);
      if (auditStatus !== 201) return void res.status(auditStatus).type('application/problem+json').json({ title: 'unavailable', status: auditStatus, detail: 'the audit log cannot be written' });
      res.status(201).json({ id: 'rec-1', ...(req.body as object) });
    });
    node.post('/internal/auth/v2/dpop/:kid', (req, res) => {
      record(req);
      res.json({ dpop: `proof-for-${req.params.kid}-${(req.body as { htm: string }).htm}` });
    });
    const lsp = express();
    lsp.get('/fhir/:type', (req, res) => {
      record(req);
      if (fhirAnswer) return void res.status(fhirAnswer.status).type('application/fhir+json').json(fhirAnswer.body);
      res.type('application/fhir+json').json({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          { fullUrl: `${lspUrl}/fhir/${req.params.type}/1`, resource: { resourceType: req.params.type, id: '1' }, search: { mode: 'match' } },
          { fullUrl: 'urn:uuid:1', resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'suppressed', details: { text: 'no consent (Mitz)' } }] }, search: { mode: 'outcome' } },
        ],
      });
    });
    for (const app of [node, lsp]) {
      const l = await listen(app);
      servers.push(l.server);
      if (app === node) nodeUrl = l.url;
      else lspUrl = l.url;
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
  beforeEach(() => {
    seen.length = 0;
    fhirAnswer = undefined;
    auditStatus = 201;
    auditKeyStatus = 200;
    tokenAnswer = { status: 200, body: { access_token: 'tok-123', token_type: 'DPoP', expires_in: 20, dpop_kid: 'did:web:localhost%3A8080:iam:vvt#key-1' } };
    registrations = [
      // listed first, complete, and named like the LSP: the ECD still skips it, for its URA is not the LSP's
      { id: 'did:web:x:iam:other#1', credential_subject_id: 'did:web:x:iam:other', vp: {}, fields: { organization_ura: '12345678', organization_name: 'LSP (Landelijk Schakelpunt)' }, registrationParameters: { authServerURL: 'http://x/oauth2/other', fhirBaseURL: 'http://x/fhir' } },
      {
        id: 'did:web:lsp:iam:lsp#vp1',
        credential_subject_id: 'did:web:lsp:iam:lsp',
        vp: { verifiableCredential: [{ credentialSubject: { organization: { name: 'Landelijk Schakelpunt (mock)' } } }] },
        fields: { organization_ura: '90000999' },
        registrationParameters: { authServerURL: `${lspUrl}/oauth2/lsp`, fhirBaseURL: `${lspUrl}/fhir/` },
      },
    ];
  });

  it('does discovery, a DPoP token request with the care worker, then one DPoP-bound search per building block', async () => {
    const steps: ClientStep[] = [];
    const client = new EcdClient({ nodeUrl: nodeUrl + '/', subject: 'vvt', onStep: (s) => steps.push(s) });
    const r = await client.fetchMedicationData({ careWorker: worker, bsn });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.lsp).toMatchObject({ did: 'did:web:lsp:iam:lsp', ura: '90000999', organizationName: 'Landelijk Schakelpunt (mock)', fhirBaseURL: `${lspUrl}/fhir` });
    expect(Object.keys(r.bundles)).toEqual(['MA', 'TA', 'WDS', 'MTD']);

    // The exact call sequence the node and LSP see.
    expect(seen.map((s) => `${s.method} ${decodeURIComponent(s.path)}`)).toEqual([
      'GET /internal/discovery/v1/medicatieoverdracht',
      'POST /internal/auth/v2/vvt/request-service-access-token',
      'GET /internal/vcr/v2/holder/vvt/vc/search',
      // once: is this a lab node with the NEN 7513 audit API, or a nuts-node without?
      'GET /internal/audit/v1/key',
      ...['MedicationRequest', 'MedicationDispense', 'MedicationRequest', 'MedicationAdministration'].flatMap((t) => [
        'POST /internal/audit/v1/records',
        `POST /internal/auth/v2/dpop/did:web:localhost%3A8080:iam:vvt#key-1`,
        `GET /fhir/${t}`,
      ]),
    ]);
    // The kid is a DID URL: sent percent-encoded as one path segment ('#' and '%' included).
    const dpopCalls = seen.filter((s) => s.path.startsWith('/internal/auth/v2/dpop/'));
    expect(dpopCalls[0]!.path).toBe('/internal/auth/v2/dpop/did%3Aweb%3Alocalhost%253A8080%3Aiam%3Avvt%23key-1');
    expect(seen[0]!.query).toEqual({ 'credentialSubject.organization.ura': '90000999' });
    expect(seen[1]!.body).toEqual({
      authorization_server: `${lspUrl}/oauth2/lsp`,
      scope: 'medicatieoverdracht-employee',
      credentials: [
        {
          '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'],
          type: ['VerifiableCredential', 'NutsEmployeeCredential'],
          credentialSubject: { name: 'Anna de Vries', roleName: '30.000', identifier: 'ecd-user-17' },
        },
      ],
      token_type: 'DPoP',
    });
    expect(dpopCalls[0]!.body).toEqual({ htm: 'GET', htu: `${lspUrl}/fhir/MedicationRequest`, token: 'tok-123' });

    const ma = seen.find((s) => s.path.startsWith('/fhir/'))!;
    expect(new URLSearchParams(ma.rawQuery).getAll('_include')).toEqual([
      'MedicationRequest:medication',
      'MedicationRequest:reason',
      'MedicationRequest:next-practitioner',
      'MedicationRequest:requester',
    ]);
    expect(new URLSearchParams(ma.rawQuery).get('patient.identifier')).toBe('http://fhir.nl/fhir/NamingSystem/bsn|999901084');
    expect(new URLSearchParams(ma.rawQuery).get('category')).toBe('http://snomed.info/sct|33633005');
    expect(new URLSearchParams(ma.rawQuery).getAll('_include:iterate')).toEqual(['PractitionerRole:organization', 'PractitionerRole:practitioner', 'PractitionerRole:location']);
    expect(ma.rawQuery).toContain('%7C'); // '|' is sent URL-encoded, as the Nictiz scripts do
    expect(ma.headers.authorization).toBe('DPoP tok-123');
    expect(ma.headers.dpop).toBe('proof-for-did:web:localhost%3A8080:iam:vvt#key-1-GET');
    expect(ma.headers.traceparent).toMatch(new RegExp(`^00-${r.trace.traceId}-[0-9a-f]{16}-01$`));
    expect(ma.headers['aorta-id']).toBe(`initialRequestID=${r.trace.initialRequestId}; requestID=${ma.headers['x-request-id']}`);
    // Every search has its own request id and span, one trace.
    const fhirCalls = seen.filter((s) => s.path.startsWith('/fhir/'));
    expect(new Set(fhirCalls.map((s) => s.headers['x-request-id'])).size).toBe(4);
    expect(new Set(fhirCalls.map((s) => (s.headers.traceparent as string).split('-')[1])).size).toBe(1);
    expect(new URLSearchParams(fhirCalls[1]!.rawQuery).get('category')).toBe('http://snomed.info/sct|422037009');
    expect(new URLSearchParams(fhirCalls[2]!.rawQuery).get('category')).toBe('http://snomed.info/sct|395067002');
    expect(new URLSearchParams(fhirCalls[3]!.rawQuery).get('category')).toBe('http://snomed.info/sct|18629005');
    expect(new URLSearchParams(fhirCalls[3]!.rawQuery).getAll('_include')).toContain('MedicationAdministration:medication');

    // Each search was recorded on the own node first (NEN 7513), with exactly the ids the LSP then received.
    const records = seen.filter((s) => s.path === '/internal/audit/v1/records');
    expect(records).toHaveLength(4);
    records.forEach((rec, i) => {
      const call = fhirCalls[i]!;
      expect(seen.indexOf(rec)).toBeLessThan(seen.indexOf(call));
      expect(rec.headers.traceparent).toBe(call.headers.traceparent);
      expect(rec.body).toMatchObject({
        event: 'data.request.outgoing',
        actor: { userId: 'ecd-user-17', userName: 'Anna de Vries', role: { code: '30.000', system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode' }, organisation: { ura: '90000303', name: 'Thuiszorg De Zonnebloem' } },
        patient: { bsn },
        object: { type: call.path.slice('/fhir/'.length), query: call.rawQuery },
        authorisation: { scope: 'medicatieoverdracht-employee', token: 'tok-123' },
        peer: { url: `${lspUrl}/fhir`, name: 'Landelijk Schakelpunt (mock)' },
        requestId: call.headers['x-request-id'],
        traceparent: call.headers.traceparent,
        outcome: { code: '0' },
      });
    });

    expect(steps.filter((s) => s.status !== 'running').map((s) => `${s.name}:${s.status}`)).toEqual(['discovery:ok', 'token:ok', 'fhir:MA:ok', 'fhir:TA:ok', 'fhir:WDS:ok', 'fhir:MTD:ok']);
    expect(steps.find((s) => s.name === 'fhir:MA' && s.status === 'ok')!.detail).toBe('1 found, 0 included, 1 source notices');
  });

  it('sends a Bearer token without asking for DPoP proofs', async () => {
    tokenAnswer = { status: 200, body: { access_token: 'bearer-1', token_type: 'Bearer', expires_in: 20 } };
    const r = await new EcdClient({ nodeUrl, subject: 'vvt', tokenType: 'Bearer' }).fetchMedicationData({ careWorker: worker, bsn, blocks: ['TA'] });
    expect(r.ok).toBe(true);
    expect((seen[1]!.body as { token_type: string }).token_type).toBe('Bearer');
    expect(seen.map((s) => s.path)).toEqual(['/internal/discovery/v1/medicatieoverdracht', '/internal/auth/v2/vvt/request-service-access-token', '/internal/vcr/v2/holder/vvt/vc/search', '/internal/audit/v1/key', '/internal/audit/v1/records', '/fhir/MedicationDispense']);
    expect(seen[5]!.headers.authorization).toBe('Bearer bearer-1');
    expect(seen[5]!.headers.dpop).toBeUndefined();
  });

  it('does not send a search its own node did not record, and names a configured organisation and role code', async () => {
    auditStatus = 503;
    const careWorker = { ...worker, roleName: 'Verzorgende IG', roleCode: 'VVT.001' };
    const r = await new EcdClient({ nodeUrl, subject: 'vvt', tokenType: 'Bearer', organization: { ura: '90000404' } }).fetchMedicationData({ careWorker, bsn, blocks: ['TA'] });
    expect(r).toMatchObject({ ok: false, step: 'fhir:TA', code: 'audit_refused', status: 503 });
    expect(!r.ok && r.reason).toBe('own node did not record the outgoing request (503): the audit log cannot be written; the search was not sent');
    expect(seen.some((s) => s.path.startsWith('/fhir'))).toBe(false);
    expect(seen.some((s) => s.path.includes('/holder/'))).toBe(false);
    expect((seen[1]!.body as { credentials: Array<{ credentialSubject: unknown }> }).credentials[0]!.credentialSubject).toEqual({ name: 'Anna de Vries', roleName: 'Verzorgende IG', identifier: 'ecd-user-17', roleCode: 'VVT.001' });
    expect(seen.find((s) => s.path === '/internal/audit/v1/records')!.body).toMatchObject({
      actor: { role: { code: 'VVT.001', system: 'https://nuts-lsp-lab.nl/fhir/CodeSystem/vvt-role', display: 'Verzorgende IG' }, organisation: { ura: '90000404' } },
    });
  });

  it('says the token was refused, with the OAuth error the node passed on', async () => {
    tokenAnswer = { status: 502, body: { title: 'remote error', status: 502, detail: 'invalid_scope - no presentation definition for scope medicatieoverdracht' } };
    const r = await new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(r).toMatchObject({ ok: false, step: 'token', code: 'token_refused', status: 502 });
    expect(!r.ok && r.reason).toBe('token request refused (502): invalid_scope - no presentation definition for scope medicatieoverdracht');
    expect(seen.some((s) => s.path.startsWith('/fhir'))).toBe(false);
  });

  it('maps 503 to an unreachable authorization server and 412 to missing wallet credentials', async () => {
    tokenAnswer = { status: 503, body: { title: 'unavailable', status: 503, detail: 'authorization server unreachable' } };
    const a = await new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(a).toMatchObject({ ok: false, step: 'token', code: 'lsp_unreachable' });
    tokenAnswer = { status: 412, body: { title: 'precondition failed', status: 412, detail: 'wallet does not contain the required credentials' } };
    const b = await new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(b).toMatchObject({ ok: false, step: 'token', code: 'wallet_incomplete' });
    expect(!b.ok && b.reason).toContain('wallet does not contain the required credentials');
  });

  it('reports a 403 OperationOutcome from the LSP with its text', async () => {
    fhirAnswer = { status: 403, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', details: { text: 'Request outside access token scope' } }] } };
    const r = await new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(r).toMatchObject({ ok: false, step: 'fhir:MA', code: 'fhir_refused', status: 403, reason: 'LSP refused the search (403): Request outside access token scope' });
    expect(!r.ok && r.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['discovery:ok', 'token:ok', 'fhir:MA:failed']);
  });

  it('asks once for a new token (Cache-Control: no-cache) when the LSP answers 401 to the cached one', async () => {
    // the first search is refused; the second token (bypassing the node's cache) is accepted
    fhirAnswer = { status: 401, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'credential is revoked' } }] } };
    const client = new EcdClient({ nodeUrl, subject: 'vvt' });
    const original = client.requestToken.bind(client);
    client.requestToken = async (as, w, opts) => {
      if (opts?.fresh) fhirAnswer = undefined;
      return original(as, w, opts);
    };
    const r = await client.fetchMedicationData({ careWorker: worker, bsn });
    expect(r.ok).toBe(true);
    const tokenCalls = seen.filter((x) => x.path.endsWith('/request-service-access-token'));
    expect(tokenCalls.map((x) => x.headers['cache-control'])).toEqual([undefined, 'no-cache']);
    expect(r.steps.filter((x) => x.status !== 'running').map((x) => `${x.name}:${x.status}`)).toEqual(['discovery:ok', 'token:ok', 'fhir:MA:failed', 'token:ok', 'fhir:MA:ok', 'fhir:TA:ok', 'fhir:WDS:ok', 'fhir:MTD:ok']);
  });

  it('gives up after one new token: a second 401 is the answer', async () => {
    fhirAnswer = { status: 401, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'credential is revoked' } }] } };
    const r = await new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(r).toMatchObject({ ok: false, step: 'fhir:MA', code: 'fhir_refused', status: 401, reason: 'LSP refused the search (401): credential is revoked' });
    expect(seen.filter((x) => x.path.endsWith('/request-service-access-token'))).toHaveLength(2);
  });

  it('reports an unreachable own node and an unreachable LSP as different failures', async () => {
    const dead = await closedPortUrl();
    const a = await new EcdClient({ nodeUrl: dead, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(a).toMatchObject({ ok: false, step: 'discovery', code: 'node_unreachable' });
    expect(!a.ok && a.reason).toMatch(/^own node at http:\/\/127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\)$/);

    (registrations[1] as { registrationParameters: { fhirBaseURL: string } }).registrationParameters.fhirBaseURL = `${dead}/fhir`;
    const b = await new EcdClient({ nodeUrl, subject: 'vvt', tokenType: 'Bearer' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(b).toMatchObject({ ok: false, step: 'fhir:MA', code: 'lsp_unreachable' });
  });

  it('says when discovery knows no LSP, or the service does not exist', async () => {
    registrations = [registrations[0]!];
    const a = await new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(a).toMatchObject({ ok: false, step: 'discovery', code: 'lsp_not_found' });
    const b = await new EcdClient({ nodeUrl, subject: 'vvt', serviceId: 'nope' }).fetchMedicationData({ careWorker: worker, bsn });
    expect(b).toMatchObject({ ok: false, step: 'discovery', code: 'discovery_failed', status: 404 });
    expect(!b.ok && b.reason).toContain('discovery service not found: nope');
  });

  it('against a nuts-node (no audit API) records each outgoing search in its own log first, and says so', async () => {
    auditKeyStatus = 404;
    const own = new MemoryAccessLog();
    const client = new EcdClient({ nodeUrl, subject: 'vvt', serviceId: 'medicatieoverdracht', ownLog: own });
    const r = await client.fetchMedicationData({ careWorker: worker, bsn: '999911004' });
    expect(r.ok).toBe(true);
    expect(seen.filter((s) => s.path === '/internal/audit/v1/records')).toEqual([]);
    const fhirCalls = seen.filter((s) => s.path.startsWith('/fhir/'));
    expect(own.records).toHaveLength(fhirCalls.length);
    expect(own.records.map((x) => x.traceparent)).toEqual(fhirCalls.map((c) => c.headers.traceparent));
    expect(own.records[0]).toMatchObject({ event: 'data.request.outgoing', patient: { bsn: '999911004' }, recordedBy: 'ecd', authorisation: { tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(JSON.stringify(own.records)).not.toContain('tok-123');
    expect(r.ok && r.recordedIn).toBe("the ECD's own in-memory access log");
    expect(client.auditTarget).toBe('ecd-log');
  });

  it('does not search when the audit API answers neither 200 nor 404', async () => {
    auditKeyStatus = 503;
    const r = await new EcdClient({ nodeUrl, subject: 'vvt', serviceId: 'medicatieoverdracht' }).fetchMedicationData({ careWorker: worker, bsn: '999911004' });
    expect(r).toMatchObject({ ok: false, code: 'audit_refused' });
    expect(seen.filter((s) => s.path.startsWith('/fhir/'))).toEqual([]);
  });

  it('rejects a malformed BSN before calling anything', async () => {
    await expect(new EcdClient({ nodeUrl, subject: 'vvt' }).fetchMedicationData({ careWorker: worker, bsn: '12' })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
    expect(mp9SearchPath('WDS', bsn)).toBe('MedicationRequest?patient.identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn%7C999901084&category=http%3A%2F%2Fsnomed.info%2Fsct%7C395067002&_include=MedicationRequest%3Amedication');
  });
});
