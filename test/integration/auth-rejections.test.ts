// Rejection matrix of the token endpoint and the resource check: one case per failed check, each with its exact OAuth error.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { buildSubmission, matchDefinition, type PresentationSubmission } from '../../node/src/pe/index.js';
import { completeSelfAttested, createDpopProof } from '../../node/src/auth/index.js';
import { internal, startTestNode } from '../helpers/node.js';

let a: LabNode;
let strict: LabNode;
let b: LabNode;
let didB: string;
let didOther: string;
let orgJwt: string;
let revokedJwt: string;
let foreignJwt: string;
const SCOPE = 'medicatieoverdracht-employee';
const employeeInput = { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: 'Jane Doe', roleName: 'Nurse', identifier: '654321' } };

const issuer = (n: LabNode) => `${n.url}/oauth2/vendorA`;
const issue = async (by: string, subject: string, name: string) => {
  const r = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: by, credentialSubject: { id: subject, organization: { ura: '87654321', name, city: 'Caretown' } }, withStatusList2021Revocation: true, format: 'jwt_vc' });
  expect(r.status, r.text).toBe(200);
  return r.json as string;
};
const jti = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti as string;

beforeAll(async () => {
  a = await startTestNode('a');
  strict = await startTestNode('strict', { auth: { requireTrustedIssuers: true } });
  b = await startTestNode('b');
  for (const n of [a, strict]) await internal(n, 'POST', '/internal/vdr/v2/subject', { subject: 'vendorA' });
  didB = (await internal(b, 'POST', '/internal/vdr/v2/subject', { subject: 'vendorB' })).json.documents[0].id;
  didOther = (await internal(b, 'POST', '/internal/vdr/v2/subject', { subject: 'other' })).json.documents[0].id;
  orgJwt = await issue(didB, didB, 'Caresoft B.V.');
  revokedJwt = await issue(didB, didB, 'Revoked B.V.');
  expect((await internal(b, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(jti(revokedJwt))}`)).status).toBeLessThan(300);
  foreignJwt = await issue(didOther, didB, 'Issued By Other B.V.');
  // B vouches for its own organisation; `a` trusts it for that (a self-attested employee needs a trusted organisation), `strict` does not
  expect((await internal(a, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: didB, credentialType: 'NutsUraCredential' })).status).toBe(204);
});
afterAll(async () => {
  for (const n of [a, strict, b]) await n?.stop();
});

interface Req {
  org?: string;
  employee?: Record<string, unknown>;
  signer?: 'vendorB' | 'other';
  claims?: Record<string, unknown>;
  scope?: string;
  submission?: PresentationSubmission;
  dpop?: string;
  as?: LabNode;
}

/** A token request as B's client builds it, with one thing changed per case; the VP is signed with B's real keys. */
async function tokenRequest(r: Req = {}) {
  const as = r.as ?? a;
  const now = Math.floor(Date.now() / 1000);
  const employee = r.employee ?? (completeSelfAttested(employeeInput, didB, 0, Date.now()) as Record<string, unknown>);
  const creds = [r.org ?? orgJwt, employee];
  const pd = as.policy.policies.definition(SCOPE);
  const m = matchDefinition(pd, creds);
  const built = m.ok ? buildSubmission(pd, m.chosen, randomUUID()) : { submission: { id: 's', definition_id: pd.id, descriptor_map: [{ id: pd.input_descriptors[0]!.id, format: 'jwt_vc', path: '$.verifiableCredential[0]' }, { id: pd.input_descriptors[1]!.id, format: 'ldp_vc', path: '$.verifiableCredential[1]' }] }, credentials: creds };
  const key = await b.vdr.subjects.signingKey(r.signer ?? 'vendorB');
  const claims = { iss: key.did, sub: key.did, jti: `${key.did}#${randomUUID()}`, nbf: now, iat: now, exp: now + 5, nonce: randomUUID(), aud: issuer(as), vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: built.credentials }, ...r.claims };
  const vp = await b.crypto.service.signJwt(claims, key.kid, { headerKid: key.kid });
  const form = new URLSearchParams({ grant_type: 'vp_token-bearer', assertion: vp, presentation_submission: JSON.stringify(r.submission ?? built.submission), scope: r.scope ?? SCOPE, client_id: `${b.url}/oauth2/vendorB` });
  return { form, url: `${issuer(as)}/token` };
}

async function post(req: { form: URLSearchParams; url: string }, headers: Record<string, string> = {}) {
  const res = await fetch(req.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: req.form.toString() });
  return { status: res.status, json: (await res.json()) as { error?: string; error_description?: string; access_token?: string; token_type?: string } };
}

const dpop = async (htm: string, htu: string, token?: string) => createDpopProof(b.crypto.service, (await b.vdr.subjects.signingKey('vendorB')).kid, { htm, htu, token }, Date.now);

describe('token endpoint rejections', () => {
  it('accepts the unmodified request (the baseline every case changes one thing of)', async () => {
    const r = await post(await tokenRequest());
    expect(r.status).toBe(200);
    expect(r.json.token_type).toBe('Bearer');
  });

  it('expired VP', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await post(await tokenRequest({ claims: { nbf: now - 60, iat: now - 60, exp: now - 56 } }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(/^presentation is invalid \(expired\): presentation is expired/);
  });

  it('VP lifetime longer than 5 seconds', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await post(await tokenRequest({ claims: { exp: now + 10 } }));
    expect(r.json).toEqual({ error: 'invalid_request', error_description: 'presentation is valid for too long (max 5s, got 10s)' });
  });

  it('wrong audience', async () => {
    const r = await post(await tokenRequest({ claims: { aud: 'https://elsewhere.example/oauth2/x' } }));
    expect(r.json).toEqual({ error: 'invalid_request', error_description: `presentation audience/domain 'https://elsewhere.example/oauth2/x' does not match the authorization server '${issuer(a)}'` });
  });

  it('replayed nonce', async () => {
    const req = await tokenRequest();
    expect((await post(req)).status).toBe(200);
    const again = await post(req);
    expect(again.json).toEqual({ error: 'invalid_request', error_description: 'presentation nonce has already been used' });
  });

  it('signer is not the subject of the credentials', async () => {
    const r = await post(await tokenRequest({ signer: 'other' }));
    expect(r.json.error).toBe('invalid_request');
    expect(r.json.error_description).toBe(`presentation signer ${didOther} is not the subject of credential NutsUraCredential ${jti(orgJwt)} (subject ${didB})`);
  });

  it('forged credential inside a validly signed VP', async () => {
    const [h, p, s] = orgJwt.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.vc.credentialSubject.organization.ura = '99999999';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const r = await post(await tokenRequest({ org: forged }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(new RegExp(`^credential NutsUraCredential ${jti(orgJwt).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid \\(signature\\)`));
  });

  it('revoked credential', async () => {
    const r = await post(await tokenRequest({ org: revokedJwt }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(/^credential NutsUraCredential .* is invalid \(revoked\)/);
  });

  it('untrusted issuer on a node that requires trusted issuers, accepted once trusted', async () => {
    const r = await post(await tokenRequest({ as: strict, org: foreignJwt }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(new RegExp(`is invalid \\(untrusted_issuer\\): untrusted issuer: ${didOther.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not trusted for NutsUraCredential`));
    expect((await internal(strict, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: didOther, credentialType: 'NutsUraCredential' })).status).toBeLessThan(300);
    expect((await post(await tokenRequest({ as: strict, org: foreignJwt }))).status).toBe(200);
  });

  it('presentation definition not fulfilled names the descriptor and field', async () => {
    const employee = completeSelfAttested({ ...employeeInput, credentialSubject: { roleName: 'Nurse', identifier: '654321' } }, didB, 0, Date.now()) as Record<string, unknown>;
    const r = await post(await tokenRequest({ employee }));
    expect(r.json.error).toBe('invalid_request');
    expect(r.json.error_description).toContain("input descriptor 'id_employee_credential': NutsEmployeeCredential");
    expect(r.json.error_description).toContain("field 'employee_name' ($.credentialSubject.name | $.credentialSubject[0].name): no value at path");
  });

  it('unknown scope', async () => {
    const r = await post(await tokenRequest({ scope: 'unknown' }));
    expect(r.json).toEqual({ error: 'invalid_scope', error_description: "unsupported scope 'unknown' (known: medicatiegegevens, medicatieoverdracht, medicatieoverdracht-employee)" });
  });

  it('unsupported grant type and missing parameters', async () => {
    const req = await tokenRequest();
    req.form.set('grant_type', 'authorization_code');
    expect((await post(req)).json).toEqual({ error: 'unsupported_grant_type', error_description: "grant_type 'authorization_code' is not supported (supported: vp_token-bearer, urn:ietf:params:oauth:grant-type:jwt-bearer)" });
    req.form.set('grant_type', 'vp_token-bearer');
    req.form.delete('presentation_submission');
    expect((await post(req)).json).toEqual({ error: 'invalid_request', error_description: 'presentation_submission is required' });
    const noClient = await tokenRequest();
    noClient.form.delete('client_id');
    expect((await post(noClient)).json).toEqual({ error: 'invalid_request', error_description: 'client_id is required' });
  });

  it('DPoP proof with the wrong htm', async () => {
    const req = await tokenRequest();
    const r = await post(req, { dpop: await dpop('GET', req.url) });
    expect(r.json).toEqual({ error: 'invalid_dpop_proof', error_description: `DPoP proof htm 'GET' does not match the request method 'POST'` });
  });

  it('DPoP proof with the wrong htu', async () => {
    const req = await tokenRequest();
    // scheme and port are not compared (nuts-node v6.2.10 normalises to https without port); host and path are
    const r = await post(req, { dpop: await dpop('POST', `${a.url}/oauth2/vendorB/token`) });
    expect(r.json).toEqual({ error: 'invalid_dpop_proof', error_description: `DPoP proof htu '${a.url}/oauth2/vendorB/token' does not match the request URL 'https://localhost/oauth2/vendorA/token'` });
  });

  it('DPoP proof whose jti was already used', async () => {
    const first = await tokenRequest();
    const proof = await dpop('POST', first.url);
    const ok = await post(first, { dpop: proof });
    expect(ok.json.token_type).toBe('DPoP');
    const r = await post(await tokenRequest(), { dpop: proof });
    expect(r.json).toEqual({ error: 'invalid_dpop_proof', error_description: 'jti already used' });
  });

  it('wrong content type', async () => {
    const req = await tokenRequest();
    const res = await fetch(req.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Object.fromEntries(req.form)) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'token request must be application/x-www-form-urlencoded' });
  });
});

describe('resource request rejections (verifyAccessToken)', () => {
  let token: string;
  const url = () => `${a.url}/fhir/MedicationRequest?patient=1`;
  beforeAll(async () => {
    const req = await tokenRequest();
    token = (await post(req, { dpop: await dpop('POST', req.url) })).json.access_token!;
  });

  it('accepts a correct DPoP proof once, ignoring the query in htu', async () => {
    const proof = await dpop('GET', url(), token);
    const ok = await a.auth.verifyAccessToken({ authorization: `DPoP ${token}`, dpop: proof, method: 'GET', url: url() });
    expect(ok).toMatchObject({ active: true, token_type: 'DPoP', organization_ura: '87654321', employee_name: 'Jane Doe' });
    expect(await a.auth.verifyAccessToken({ authorization: `DPoP ${token}`, dpop: proof, method: 'GET', url: url() })).toEqual({ active: false, error: 'invalid_dpop_proof', reason: 'jti already used' });
  });

  it('wrong htm, htu and ath', async () => {
    const check = async (proof: string) => a.auth.verifyAccessToken({ authorization: `DPoP ${token}`, dpop: proof, method: 'GET', url: url() });
    expect(await check(await dpop('POST', url(), token))).toEqual({ active: false, error: 'invalid_dpop_proof', reason: "DPoP proof htm 'POST' does not match the request method 'GET'" });
    expect(await check(await dpop('GET', `${a.url}/fhir/Patient`, token))).toMatchObject({ active: false, error: 'invalid_dpop_proof', reason: expect.stringMatching(/^DPoP proof htu '.*\/fhir\/Patient' does not match/) });
    expect(await check(await dpop('GET', url(), 'another-token'))).toEqual({ active: false, error: 'invalid_dpop_proof', reason: 'DPoP proof ath does not match the access token' });
    expect(await check(await dpop('GET', url()))).toEqual({ active: false, error: 'invalid_dpop_proof', reason: 'DPoP proof has no ath (access token hash)' });
  });

  it('unknown token and missing header', async () => {
    expect(await a.auth.verifyAccessToken({ authorization: 'Bearer nope', method: 'GET', url: url() })).toEqual({ active: false, error: 'invalid_token', reason: 'unknown or expired token' });
    expect(await a.auth.verifyAccessToken({ method: 'GET', url: url() })).toEqual({ active: false, error: 'invalid_token', reason: 'no access token' });
  });

  it('introspection reads a form only: a JSON body or no token is simply not active (nuts-node v6.2.10)', async () => {
    const json = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', { token });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ active: false });
    const empty = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', 'token=', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(empty.json).toEqual({ active: false });
    const unknown = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', 'token=nope', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unknown.json).toEqual({ active: false });
  });

  it('the DPoP validate helper reports the same reasons', async () => {
    const proof = await dpop('GET', url(), token);
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    const wrong = await internal(a, 'POST', '/internal/auth/v2/dpop/validate', { dpop_proof: proof, method: 'GET', thumbprint: 'x'.repeat(43), token, url: url() });
    expect(wrong.json).toEqual({ valid: false, reason: 'DPoP proof key does not match the key the access token is bound to (cnf.jkt)' });
    const ok = await internal(a, 'POST', '/internal/auth/v2/dpop/validate', { dpop_proof: proof, method: 'GET', thumbprint: intro.json.cnf.jkt, token, url: url() });
    expect(ok.json).toEqual({ valid: true });
  });
});

describe('client (request-service-access-token) errors', () => {
  const req = (body: Record<string, unknown>) => internal(b, 'POST', '/internal/auth/v2/vendorB/request-service-access-token', { authorization_server: issuer(a), scope: SCOPE, credentials: [employeeInput], ...body });

  it('400 for bad input and for self-attested credentials that carry an issuer', async () => {
    const missing = await internal(b, 'POST', '/internal/auth/v2/vendorB/request-service-access-token', { scope: SCOPE });
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toMatch(/^invalid request body: authorization_server/);
    const withIssuer = await req({ credentials: [{ ...employeeInput, issuer: didB }] });
    expect(withIssuer.status).toBe(400);
    expect(withIssuer.json.detail).toBe("credentials[0]: issuer must be omitted (it is the requester's DID)");
  });

  it('400 naming the OAuth error the authorization server returned', async () => {
    const r = await req({ scope: 'unknown' });
    expect(r.status).toBe(400);
    expect(r.json.detail).toBe("authorization server presentation definition returned invalid_scope: unsupported scope 'unknown' (known: medicatiegegevens, medicatieoverdracht, medicatieoverdracht-employee)");
  });

  it('412 when the wallet cannot fulfil the definition, naming descriptor and field', async () => {
    const r = await req({ credentials: [{ ...employeeInput, credentialSubject: { roleName: 'Nurse', identifier: '1' } }] });
    expect(r.status).toBe(412);
    expect(r.json.detail).toContain("input descriptor 'id_employee_credential': no credential matches; closest NutsEmployeeCredential");
    expect(r.json.detail).toContain("field 'employee_name'");
  });

  it('502 when the authorization server metadata does not match, 503 when it is unreachable', async () => {
    const wrong = await req({ authorization_server: `${a.url}/oauth2/unknown-subject` });
    expect(wrong.status).toBe(502);
    expect(wrong.json.detail).toMatch(/returned HTTP 404/);
    const down = await req({ authorization_server: 'http://127.0.0.1:9/oauth2/x' });
    expect(down.status).toBe(503);
    expect(down.json.detail).toMatch(/^authorization server metadata http:\/\/127\.0\.0\.1:9\/.well-known\/oauth-authorization-server\/oauth2\/x is unreachable/);
  });

  it('credential_selection picks among several matching organisation credentials', async () => {
    for (const jwt of [await issue(didB, didB, 'Second Org B.V.')]) await internal(b, 'POST', '/internal/vcr/v2/holder/vendorB/vc', JSON.stringify(jwt));
    await internal(b, 'POST', '/internal/vcr/v2/holder/vendorB/vc', JSON.stringify(orgJwt));
    const r = await req({ token_type: 'Bearer', credential_selection: { organization_name: 'Second Org B.V.' } });
    expect(r.status, r.text).toBe(200);
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${r.json.access_token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(intro.json.organization_name).toBe('Second Org B.V.');
  });
});
