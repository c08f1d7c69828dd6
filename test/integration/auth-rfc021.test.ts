// The nuts rfc021 scenario on two real nodes: org credential with revocation, token with a self-attested employee, DPoP call, introspection, revocation.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal, startTestNode } from '../helpers/node.js';
import { allowSelfAttestation, externalMissing, readExternalJson } from '../helpers/external.js';
import { auditRecords } from '../helpers/audit.js';
import { hashToken } from '../../node/src/audit/index.js';

let a: LabNode;
let b: LabNode;
let didB: string;
let orgVcId: string;
// both nodes share a clock we can move, so A's 15-minute status-list cache can lapse within the test
let offset = 0;
const clock = () => Date.now() + offset;
const TOKEN_SECONDS = 3600;

const employee = {
  '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'],
  type: ['VerifiableCredential', 'NutsEmployeeCredential'],
  credentialSubject: { name: 'Jane Doe', roleName: 'Verpleegkundige', identifier: '654321' },
};

/** A protected route on A that uses the auth capability's verifier, as the FHIR resource server will. */
function protectedRoute(node: () => LabNode): Router {
  const r = Router();
  r.get('/data', async (req, res) => {
    const v = await node().auth.verifyAccessToken({ authorization: req.header('authorization'), dpop: req.header('dpop'), method: req.method, url: `${node().url}${req.originalUrl}` });
    if (!v.active) return void res.status(401).json({ error: v.error, error_description: v.reason });
    res.json({ ok: true, organization_ura: v.organization_ura, employee_name: v.employee_name });
  });
  return r;
}

async function requestToken(body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return internal(b, 'POST', '/internal/auth/v2/vendorB/request-service-access-token', { authorization_server: `${a.url}/oauth2/vendorA`, scope: 'medicatieoverdracht-employee', credentials: [employee], ...body }, headers);
}

async function dpopFor(token: string, url: string, method = 'GET') {
  const kid = (await b.vdr.subjects.signingKey('vendorB')).kid;
  const r = await internal(b, 'POST', `/internal/auth/v2/dpop/${encodeURIComponent(kid)}`, { htm: method, htu: url, token });
  expect(r.status).toBe(200);
  return r.json.dpop as string;
}

const SERVICE = 'mp9-medicatieoverdracht';
/** the shipped service definition, with its endpoint pointed at node A */
function discoveryDir(endpointBase: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'disco-'));
  const def = JSON.parse(readFileSync(path.join('credentials', 'discovery', `${SERVICE}.json`), 'utf8'));
  writeFileSync(path.join(dir, 'def.json'), JSON.stringify({ ...def, endpoint: `${endpointBase}/discovery/${SERVICE}` }));
  return dir;
}

const noUpstream = externalMissing('nuts-node');

/** the shipped policy plus the upstream nuts-node rfc021 e2e mapping (scope `test`, ldp_vp/ldp_vc only) */
function policyDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
  writeFileSync(path.join(dir, 'medicatieoverdracht.json'), readFileSync(path.join('credentials', 'policies', 'medicatieoverdracht.json')));
  if (!noUpstream) {
    const upstream = readExternalJson('nuts-node', 'e2e-tests', 'oauth-flow', 'rfc021', 'node-A', 'presentationexchangemapping.json');
    writeFileSync(path.join(dir, 'upstream-rfc021.json'), JSON.stringify(allowSelfAttestation(upstream, ['NutsEmployeeCredential'])));
  }
  return dir;
}

beforeAll(async () => {
  a = await startTestNode('a', { policy: { directory: policyDir() }, auth: { accessTokenValiditySeconds: TOKEN_SECONDS }, discovery: { directory: discoveryDir('http://unused.invalid'), serverIds: [SERVICE] } }, { clock }, (n) =>
    n.http.mountPublic('/protected', protectedRoute(() => a), 'oauth'),
  );
  b = await startTestNode('b', { discovery: { directory: discoveryDir(a.url) } }, { clock });
  expect((await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'vendorA' })).status).toBe(200);
  const sb = await internal(b, 'POST', '/internal/vdr/v2/subject', { subject: 'vendorB' });
  didB = sb.json.documents[0].id;
  // B vouches for its own organisation (as in the nuts e2e test); A, and B's own discovery client, trust it for that
  for (const n of [a, b]) for (const credentialType of ['NutsUraCredential', 'NutsOrganizationCredential']) expect((await internal(n, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: didB, credentialType })).status).toBe(204);
  const issued = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', {
    type: 'NutsUraCredential',
    issuer: didB,
    credentialSubject: { id: didB, organization: { ura: '87654321', name: 'Caresoft B.V.', city: 'Caretown' } },
    withStatusList2021Revocation: true,
  });
  expect(issued.status, issued.text).toBe(200);
  // a JSON-LD credential (JsonWebSignature2020), as the nuts e2e test issues it
  orgVcId = issued.json.id;
  // NEN 7513: the issuance is in B's log, naming the credential
  const [issue] = await auditRecords(b, { event: 'vcr.issue' });
  expect(issue).toMatchObject({ action: 'C', object: { type: 'NutsUraCredential', id: orgVcId, description: expect.stringContaining(`to ${didB}, StatusList2021 page`) }, outcome: { code: '0' } });
  const loaded = await internal(b, 'POST', '/internal/vcr/v2/holder/vendorB/vc', issued.json);
  expect(loaded.status, loaded.text).toBeLessThan(300);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe('rfc021 between two nodes', () => {
  let token: string;
  it('B registers on the discovery service A hosts, and a wildcard search finds it', async () => {
    const act = await internal(b, 'POST', `/internal/discovery/v1/${SERVICE}/vendorB`, { registrationParameters: { fhirBaseURL: `${b.url}/fhir` } });
    expect(act.status, act.text).toBe(200);
    const status = await internal(b, 'GET', `/internal/discovery/v1/${SERVICE}/vendorB`);
    expect(status.json).toMatchObject({ activated: true, status: 'active' });
    expect(status.json.vp).toHaveLength(1);
    for (const node of [b, a]) {
      await node.discovery.refreshNow();
      const found = await internal(node, 'GET', `/internal/discovery/v1/${SERVICE}?credentialSubject.organization.name=caresoft*`);
      expect(found.status).toBe(200);
      expect(found.json).toHaveLength(1);
      expect(found.json[0]).toMatchObject({
        credential_subject_id: didB,
        registrationParameters: { authServerURL: `${b.url}/oauth2/vendorB`, fhirBaseURL: `${b.url}/fhir` },
        fields: { organization_ura: '87654321', organization_name: 'Caresoft B.V.', authServerURL: `${b.url}/oauth2/vendorB` },
      });
    }
    const none = await internal(b, 'GET', `/internal/discovery/v1/${SERVICE}?credentialSubject.organization.name=*hospital`);
    expect(none.json).toEqual([]);
  });

  it('serves AS metadata and the presentation definition', async () => {
    const md = await (await fetch(`${a.url}/.well-known/oauth-authorization-server/oauth2/vendorA`)).json();
    expect(md).toMatchObject({ issuer: `${a.url}/oauth2/vendorA`, token_endpoint: `${a.url}/oauth2/vendorA/token`, grant_types_supported: ['vp_token-bearer'] });
    const pd = await fetch(`${a.url}/oauth2/vendorA/presentation_definition?scope=medicatieoverdracht-employee`);
    expect(pd.status).toBe(200);
    expect((await pd.json()).id).toBe('pd_medicatieoverdracht_care_organization_with_employee');
    const bad = await fetch(`${a.url}/oauth2/vendorA/presentation_definition?scope=unknown`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('invalid_scope');
  });

  it('B gets a DPoP-bound token from A with a self-attested employee credential, and A records the grant', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const r = await requestToken({}, { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'x-request-id': 'token-req-1' });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'DPoP', scope: 'medicatieoverdracht-employee', expires_in: TOKEN_SECONDS });
    expect(r.json.dpop_kid).toMatch(/^did:web:.*:iam:vendorB#/);
    token = r.json.access_token;
    // cached until near expiry
    const again = await requestToken();
    expect(again.json.access_token).toBe(token);
    // one grant (the cached answer never reached A), joined to B's request by the trace id B passed on
    const granted = await auditRecords(a, { event: 'oauth.token.granted' });
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      node: 'a',
      action: 'E',
      actor: { userId: '654321', kind: 'person', userName: 'Jane Doe', role: { code: 'Verpleegkundige' }, organisation: { ura: '87654321', name: 'Caresoft B.V.' }, clientId: `${b.url}/oauth2/vendorB` },
      authorisation: { protocol: 'nuts-rfc021', scope: 'medicatieoverdracht-employee', tokenHash: hashToken(token) },
      peer: { url: `${b.url}/oauth2/vendorB`, ura: '87654321' },
      client: { address: expect.stringMatching(/127\.0\.0\.1/) },
      outcome: { code: '0', httpStatus: 200 },
      traceId,
      requestId: 'token-req-1',
    });
    expect(granted[0]!.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(granted[0]!.authorisation!.credentials!.map((c) => c.type).sort()).toEqual(['NutsEmployeeCredential', 'NutsUraCredential']);
    expect(granted[0]!.authorisation!.credentials!.find((c) => c.type === 'NutsUraCredential')!.id).toBe(orgVcId);
    expect(JSON.stringify(granted[0])).not.toContain(token);
  });

  it('a DPoP-bound call to a protected route on A succeeds, and the proof cannot be replayed', async () => {
    const url = `${a.url}/protected/data`;
    const proof = await dpopFor(token, url);
    const ok = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, organization_ura: '87654321', employee_name: 'Jane Doe' });
    const replay = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'jti already used' });
    const asBearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect((await asBearer.json()).error_description).toBe('token is DPoP-bound but was presented with scheme Bearer');
  });

  it('introspection at A shows the PD claims', async () => {
    const r = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      active: true,
      iss: `${a.url}/oauth2/vendorA`,
      client_id: `${b.url}/oauth2/vendorB`,
      scope: 'medicatieoverdracht-employee',
      organization_ura: '87654321',
      organization_name: 'Caresoft B.V.',
      organization_city: 'Caretown',
      employee_name: 'Jane Doe',
      employee_identifier: '654321',
      employee_role: 'Verpleegkundige',
    });
    expect(r.json.cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.json.exp - r.json.iat).toBe(TOKEN_SECONDS);
    const ext = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect_extended', `token=${token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ext.json.vps).toHaveLength(1);
    expect(Object.keys(ext.json.presentation_submissions)).toEqual(['pd_medicatieoverdracht_care_organization_with_employee']);
    expect(ext.json.presentation_definitions.organization.id).toBe('pd_medicatieoverdracht_care_organization_with_employee');
    const intro = await auditRecords(a, { event: 'oauth.introspect' });
    expect(intro).toHaveLength(2);
    for (const rec of intro) expect(rec).toMatchObject({ authorisation: { tokenHash: hashToken(token), scope: 'medicatieoverdracht-employee' }, peer: { ura: '87654321' }, object: { description: `active token of ${b.url}/oauth2/vendorB` }, outcome: { code: '0' } });
    const unknown = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', 'token=nope', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unknown.json).toEqual({ active: false });
    expect((await auditRecords(a, { event: 'oauth.introspect' })).at(-1)).toMatchObject({ authorisation: { tokenHash: hashToken('nope') }, object: { description: 'token not active: unknown or expired token' } });
  });

  it('refuses tokens (503 server_error) while the access log cannot be written, and hands out none', async () => {
    const tokens = async () => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM auth_sessions WHERE ns = 'access_token'`.execute(a.store.db.db)).rows[0]!.n);
    const before = { records: (await auditRecords(a)).length, tokens: await tokens() };
    await sql`CREATE TRIGGER audit_full BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`.execute(a.store.db.db);
    try {
      const viaB = await requestToken({ token_type: 'Bearer' }, { 'cache-control': 'no-cache' });
      expect(viaB.status).toBe(502);
      expect(viaB.json.detail).toMatch(/token endpoint .* returned HTTP 503 \(server_error\)$/);
      // a request that would be refused anyway is not answered without its record either
      const direct = await fetch(`${a.url}/oauth2/vendorA/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
      expect(direct.status).toBe(503);
      expect(await direct.json()).toEqual({ error: 'server_error', error_description: 'the access log (NEN 7513) cannot be written; the token request is refused' });
    } finally {
      await sql`DROP TRIGGER audit_full`.execute(a.store.db.db);
    }
    expect(await tokens()).toBe(before.tokens);
    expect((await auditRecords(a)).length).toBe(before.records);
    const direct = await fetch(`${a.url}/oauth2/vendorA/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    expect(direct.status).toBe(400);
    expect((await auditRecords(a, { event: 'oauth.token.refused' })).at(-1)).toMatchObject({
      outcome: { code: '4', httpStatus: 400, description: "unsupported_grant_type: grant_type 'password' is not supported (supported: vp_token-bearer)" },
      client: { address: expect.stringMatching(/127\.0\.0\.1/) },
    });
  });

  it.skipIf(noUpstream)('the upstream rfc021 policy (ldp_vp only) gets a JSON-LD presentation with a NutsOrganizationCredential', async () => {
    const org = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsOrganizationCredential', issuer: didB, credentialSubject: { id: didB, organization: { name: 'Caresoft B.V.', city: 'Caretown' } }, withStatusList2021Revocation: true });
    expect(org.status, org.text).toBe(200);
    expect((await internal(b, 'POST', '/internal/vcr/v2/holder/vendorB/vc', org.json)).status).toBeLessThan(300);
    const r = await requestToken({ scope: 'test', token_type: 'Bearer' });
    expect(r.status, r.text).toBe(200);
    const ext = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect_extended', `token=${r.json.access_token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ext.json).toMatchObject({ active: true, scope: 'test', organization_name: 'Caresoft B.V.', employee_name: 'Jane Doe' });
    expect(ext.json.vps[0].proof).toMatchObject({ type: 'JsonWebSignature2020', domain: `${a.url}/oauth2/vendorA` });
  });

  it('a Bearer token on request', async () => {
    const r = await requestToken({ token_type: 'Bearer' });
    expect(r.status, r.text).toBe(200);
    expect(r.json.token_type).toBe('Bearer');
    expect(r.json.dpop_kid).toBeUndefined();
    const ok = await fetch(`${a.url}/protected/data`, { headers: { authorization: `Bearer ${r.json.access_token}` } });
    expect(ok.status).toBe(200);
  });

  it('after revocation a new token is refused and the old token stops working', async () => {
    const rev = await internal(b, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(orgVcId)}`);
    expect(rev.status, rev.text).toBeLessThan(300);
    expect(await auditRecords(b, { event: 'vcr.revoke' })).toMatchObject([{ action: 'U', object: { type: 'NutsUraCredential', id: orgVcId, description: expect.stringMatching(/^revoked by did:web:/) } }]);
    // A keeps B's status list for 15 minutes; move both clocks past that
    offset += 16 * 60_000;
    // as nuts-node: B's wallet no longer offers the revoked credential, so B cannot fulfil A's definition (412); A's
    // own refusal of a revoked credential presented anyway is in test/security/self-made-credentials.test.ts
    const grantsBefore = (await auditRecords(a, { event: 'oauth.token.granted' })).length;
    const again = await requestToken({}, { 'cache-control': 'no-cache' });
    expect(again.status).toBe(412);
    expect(again.json.detail).toMatch(/skipped from the wallet: NutsUraCredential \S+ \(revoked\)$/);
    expect((await auditRecords(a, { event: 'oauth.token.granted' })).length).toBe(grantsBefore);
    const url = `${a.url}/protected/data`;
    const old = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await dpopFor(token, url) } });
    expect(old.status).toBe(401);
    expect((await old.json()).error_description).toMatch(/is no longer valid \(revoked\)/);
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(intro.json).toEqual({ active: false });
  });
});
