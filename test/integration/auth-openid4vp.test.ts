// The OpenID4VP user flow between two real nodes (organisation and user wallet), its refusals (state, code replay, PKCE, browser binding, unknown session), and OpenID4VCI request-credential.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal, startTestNode } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';
import { freePort } from '../helpers/ports.js';
import { Agent } from '../helpers/browser-agent.js';

const SCOPE = 'oid4vp-user';
const CALLER = 'http://caller.example/done';
const both = (p: string) => [`$.credentialSubject.${p}`, `$.credentialSubject[0].${p}`];
/** organisation (NutsOrganizationCredential) first, then the user wallet (EmployeeCredential), as nuts-node asks */
const policy = {
  [SCOPE]: {
    organization: {
      id: 'pd_org',
      format: { ldp_vp: { proof_type: ['JsonWebSignature2020'] }, ldp_vc: { proof_type: ['JsonWebSignature2020'] }, jwt_vp: { alg: ['ES256'] }, jwt_vc: { alg: ['ES256'] } },
      input_descriptors: [{ id: 'org', constraints: { fields: [{ path: ['$.type'], filter: { type: 'string', const: 'NutsOrganizationCredential' } }, { id: 'organization_name', path: both('organization.name'), filter: { type: 'string' } }] } }],
    },
    user: {
      id: 'pd_user',
      format: { jwt_vp: { alg: ['ES256'] }, jwt_vc: { alg: ['ES256'] } },
      input_descriptors: [
        {
          id: 'employee',
          constraints: {
            fields: [
              { path: ['$.type'], filter: { type: 'string', const: 'EmployeeCredential' } },
              { id: 'employee_identifier', path: both('identifier'), filter: { type: 'string' } },
              { id: 'employee_name', path: both('name'), filter: { type: 'string' } },
              { id: 'employee_role', path: both('roleName'), filter: { type: 'string' } },
            ],
          },
        },
      ],
    },
  },
};

let a: LabNode;
let b: LabNode;

async function start(user = { id: '1', name: 'John Doe', role: 'Janitor' }) {
  const r = await internal(b, 'POST', '/internal/auth/v2/subjectB/request-user-access-token', { authorization_server: `${a.url}/oauth2/subjectA`, scope: SCOPE, preauthorized_user: user, redirect_uri: CALLER });
  expect(r.status, r.text).toBe(200);
  return r.json as { redirect_uri: string; session_id: string };
}

const isCallback = (u: URL) => u.pathname === '/oauth2/subjectB/callback';
const isCaller = (u: URL) => u.host === 'caller.example';

/** runs the flow until B's callback (with A's code), not visiting it */
async function toCallback(agent = new Agent()) {
  const s = await start();
  const { url } = await agent.follow(s.redirect_uri, isCallback);
  expect(new URL(url).searchParams.get('code'), url).toBeTruthy();
  return { ...s, agent, callback: url, code: new URL(url).searchParams.get('code')! };
}

async function tokenAtA(form: Record<string, string>) {
  const res = await fetch(`${a.url}/oauth2/subjectA/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'oid4vp-policy-'));
  writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy));
  const cfg = { auth: { authorizationEndpoint: { enabled: true } }, policy: { directory: dir } };
  [a, b] = await Promise.all([startTestNode('oid4vp-a', cfg), startTestNode('oid4vp-b', cfg)]);
  for (const [node, subject] of [[a, 'subjectA'], [b, 'subjectB']] as const) expect((await internal(node, 'POST', '/internal/vdr/v2/subject', { subject })).status).toBe(200);
  const [didB] = await b.vdr.subjects.dids('subjectB');
  const vc = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsOrganizationCredential', issuer: didB, credentialSubject: { id: didB, organization: { name: 'Caresoft B.V.', city: 'Caretown' } }, withStatusList2021Revocation: false });
  expect(vc.status, vc.text).toBe(200);
  expect((await internal(b, 'POST', '/internal/vcr/v2/holder/subjectB/vc', vc.json)).status).toBe(204);
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('OpenID4VP user flow (organisation + user wallet)', () => {
  it('ends at the caller; the token carries organisation and user claims; the grant is recorded with the user', async () => {
    const s = await start();
    const agent = new Agent();
    const { url } = await agent.follow(s.redirect_uri, isCaller);
    expect(url).toBe(CALLER);
    const t = await internal(b, 'GET', `/internal/auth/v2/accesstoken/${s.session_id}`);
    expect(t.status, t.text).toBe(200);
    expect(t.json).toMatchObject({ token_type: 'DPoP', scope: SCOPE, status: 'active' });
    expect(t.json.dpop_kid).toMatch(/^did:web:/);
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${t.json.access_token}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(intro.json).toMatchObject({ active: true, organization_name: 'Caresoft B.V.', employee_identifier: '1', employee_name: 'John Doe', employee_role: 'Janitor', client_id: `${b.url}/oauth2/subjectB` });
    const granted = await auditRecords(a, { event: 'oauth.token.granted' });
    expect(granted.at(-1)?.actor).toMatchObject({ userId: '1', userName: 'John Doe', kind: 'person' });
    // the organisation issued the user wallet's EmployeeCredential to an ephemeral did:jwk
    const issued = await auditRecords(b, { event: 'vcr.issue' });
    expect(issued.some((r) => r.object?.type === 'EmployeeCredential' && /to did:jwk:/.test(r.object.description ?? ''))).toBe(true);
  });
});

describe('OpenID4VP refusals', () => {
  it('a callback with a state B never issued: 400 invalid_request (OAuth dialect)', async () => {
    const { agent } = await toCallback();
    const res = await agent.get(`${b.url}/oauth2/subjectB/callback?code=x&state=not-a-state`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a replayed code is invalid_grant at A (and recorded as refused)', async () => {
    const { agent, callback, code } = await toCallback();
    const { url } = await agent.follow(callback, isCaller);
    expect(url).toBe(CALLER);
    const replay = await tokenAtA({ grant_type: 'authorization_code', code, code_verifier: 'x'.repeat(43), redirect_uri: `${b.url}/oauth2/subjectB/callback`, client_id: `${b.url}/oauth2/subjectB` });
    expect(replay.status).toBe(400);
    expect(replay.json).toMatchObject({ error: 'invalid_grant', error_description: 'authorization code is unknown, expired or already used' });
    const refused = await auditRecords(a, { event: 'oauth.token.refused' });
    expect(refused.at(-1)?.outcome.description).toMatch(/invalid_grant: authorization code is unknown/);
  });

  it('a wrong PKCE verifier is invalid_grant, burns the code, and the caller gets the error', async () => {
    const { agent, callback, code, session_id } = await toCallback();
    const wrong = await tokenAtA({ grant_type: 'authorization_code', code, code_verifier: 'y'.repeat(43), redirect_uri: `${b.url}/oauth2/subjectB/callback`, client_id: `${b.url}/oauth2/subjectB` });
    expect(wrong).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge (PKCE S256)' } });
    const { url } = await agent.follow(callback, isCaller);
    expect(new URL(url).searchParams.get('error')).toBe('invalid_grant');
    const t = await internal(b, 'GET', `/internal/auth/v2/accesstoken/${session_id}`);
    expect(t.status).toBe(400);
    expect(t.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('the code is bound to client and redirect URI', async () => {
    const { code } = await toCallback();
    const r = await tokenAtA({ grant_type: 'authorization_code', code, code_verifier: 'z'.repeat(43), redirect_uri: 'http://elsewhere.example/cb', client_id: `${b.url}/oauth2/subjectB` });
    expect(r.json.error).toBe('invalid_grant');
  });

  it('a callback from another browser is refused: the caller gets access_denied', async () => {
    const { callback } = await toCallback();
    const { url } = await new Agent().follow(callback, isCaller);
    expect(new URL(url).searchParams.get('error')).toBe('access_denied');
  });

  it('an unknown session: accesstoken/{sessionID} is 404 problem+json', async () => {
    const r = await internal(b, 'GET', '/internal/auth/v2/accesstoken/no-such-session');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('request-user-access-token without preauthorized_user is 400', async () => {
    const r = await internal(b, 'POST', '/internal/auth/v2/subjectB/request-user-access-token', { authorization_server: `${a.url}/oauth2/subjectA`, scope: SCOPE, redirect_uri: CALLER });
    expect(r.status).toBe(400);
    expect(r.text).toContain('preauthorized_user');
  });

  it('a user start token is single-use', async () => {
    const s = await start();
    expect((await new Agent().get(s.redirect_uri)).status).toBe(302);
    const again = await new Agent().get(s.redirect_uri);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('/response with an unknown state, and /authorize without a signed request object: 400 invalid_request', async () => {
    const res = await fetch(`${a.url}/oauth2/subjectA/response`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'state=nope&vp_token=x&presentation_submission={}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    const authz = await fetch(`${a.url}/oauth2/subjectA/authorize?client_id=${encodeURIComponent(`${b.url}/oauth2/subjectB`)}&response_type=code`, { redirect: 'manual' });
    expect(authz.status).toBe(400);
    expect(await authz.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('request_uri is required') });
  });

  it('PKCE plain (or none) is refused by redirect to the client with invalid_request and its state', async () => {
    const clientId = `${b.url}/oauth2/subjectB`;
    const requestUri = await b.auth.openid4vp!.jar.create('subjectB', clientId, `${a.url}/oauth2/subjectA`, { response_type: 'code', scope: SCOPE, state: 's1', redirect_uri: `${clientId}/callback`, code_challenge: 'abc', code_challenge_method: 'plain' }, 'get');
    const res = await fetch(`${a.url}/oauth2/subjectA/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri, request_uri_method: 'get' })}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(`${clientId}/callback`);
    expect(Object.fromEntries(loc.searchParams)).toMatchObject({ error: 'invalid_request', state: 's1' });
    // the request object was fetched once: a second authorize with it finds nothing
    const again = await fetch(`${a.url}/oauth2/subjectA/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`, { redirect: 'manual' });
    expect(again.status).toBe(400);
  });

  it('a request object kept by another host than the client_id is refused (A cannot speak for B)', async () => {
    // A makes a request claiming to be B and points to where A keeps it
    const fake = await a.auth.openid4vp!.jar.create('subjectA', `${b.url}/oauth2/subjectB`, `${a.url}/oauth2/subjectA`, { response_type: 'code', scope: SCOPE, state: 's', redirect_uri: `${b.url}/oauth2/subjectB/callback`, code_challenge: 'abc', code_challenge_method: 'S256' }, 'get');
    const res = await fetch(`${a.url}/oauth2/subjectA/authorize?${new URLSearchParams({ client_id: `${b.url}/oauth2/subjectB`, request_uri: fake.replace(b.url, a.url) })}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect((await res.json()).error_description).toMatch(/not on the origin of client_id/);
  });
});

describe('OpenID4VCI wallet side (request-credential) against an issuer made of a third node', () => {
  let c: LabNode;
  let issuerServer: Server;
  let issuerUrl: string;
  let walletDid: string;
  /** what the issuer hands out: a credential about `about` (the wallet, or someone else in the refusal test) */
  let about: () => string;
  const codes = new Map<string, string>();

  beforeAll(async () => {
    c = await startTestNode('oid4vci-issuer');
    await internal(c, 'POST', '/internal/vdr/v2/subject', { subject: 'issuer' });
    const [issuerDid] = await c.vdr.subjects.dids('issuer');
    [walletDid] = await b.vdr.subjects.dids('subjectB');
    about = () => walletDid;
    const app = express();
    app.get('/.well-known/openid-credential-issuer', (_req, res) => void res.json({ credential_issuer: issuerUrl, credential_endpoint: `${issuerUrl}/credential`, authorization_servers: [issuerUrl] }));
    app.get('/.well-known/oauth-authorization-server', (_req, res) => void res.json({ issuer: issuerUrl, authorization_endpoint: `${issuerUrl}/authorize`, token_endpoint: `${issuerUrl}/token` }));
    // the issuer's user consents at once: the code carries the PKCE challenge
    app.get('/authorize', (req, res) => {
      const q = req.query as Record<string, string>;
      if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !JSON.parse(q.authorization_details!)[0]) return void res.status(400).json({ error: 'invalid_request' });
      const code = `code-${codes.size}`;
      codes.set(code, q.code_challenge!);
      res.redirect(302, `${q.redirect_uri}?code=${code}&state=${q.state}`);
    });
    app.post('/token', express.urlencoded({ extended: false }), (req, res) => {
      const challenge = codes.get(req.body.code);
      codes.delete(req.body.code);
      if (!challenge || createHash('sha256').update(req.body.code_verifier).digest('base64url') !== challenge) return void res.status(400).json({ error: 'invalid_grant' });
      res.json({ access_token: 'issuer-token', token_type: 'Bearer', c_nonce: 'c-nonce-1' });
    });
    app.post('/credential', express.json(), async (req, res) => {
      if (req.header('authorization') !== 'Bearer issuer-token') return void res.status(401).json({ error: 'invalid_token' });
      // proof of possession: signed by the wallet DID's key over our c_nonce
      const jwt = req.body.proof?.jwt as string;
      const { kid } = decodeProtectedHeader(jwt);
      const key = await c.vdr.resolver.resolveKey(kid!, 'assertionMethod');
      const { payload } = await jwtVerify(jwt, key.key, { audience: issuerUrl, typ: 'openid4vci-proof+jwt' });
      if (payload.nonce !== 'c-nonce-1' || !kid!.startsWith(walletDid)) return void res.status(400).json({ error: 'invalid_proof' });
      const credential = await c.vcr.issuer.issue({ type: 'NutsOrganizationCredential', issuer: issuerDid, format: 'jwt_vc', withStatusList2021Revocation: false, credentialSubject: { id: about(), organization: { name: 'Issued B.V.', city: 'Issuetown' } } });
      res.json({ credential });
    });
    const port = await freePort();
    issuerUrl = `http://localhost:${port}`;
    issuerServer = await new Promise<Server>((r) => {
      const s = app.listen(port, '127.0.0.1', () => r(s));
    });
  });
  afterAll(async () => {
    await new Promise((r) => issuerServer?.close(r));
    await c?.stop();
  });

  const request = () => internal(b, 'POST', '/internal/auth/v2/subjectB/request-credential', { wallet_did: walletDid, issuer: issuerUrl, redirect_uri: CALLER, authorization_details: [{ type: 'openid_credential', format: 'jwt_vc_json', credential_definition: { type: ['VerifiableCredential', 'NutsOrganizationCredential'] } }] });
  /** how many credentials from the issuer the wallet holds (JWTs: read their payload) */
  const issuedInWallet = async () =>
    ((await internal(b, 'GET', '/internal/vcr/v2/holder/subjectB/vc')).json as unknown[]).filter((v) => typeof v === 'string' && Buffer.from(v.split('.')[1]!, 'base64url').toString('utf8').includes('Issued B.V.')).length;

  it('the browser authorizes at the issuer; the credential, proven for wallet_did, lands in the wallet', async () => {
    const r = await request();
    expect(r.status, r.text).toBe(200);
    expect(r.json.redirect_uri.startsWith(`${issuerUrl}/authorize?`)).toBe(true);
    const { url } = await new Agent().follow(r.json.redirect_uri, isCaller);
    expect(url).toBe(CALLER);
    expect(await issuedInWallet()).toBe(1);
  });

  it('a credential about another DID is refused: the caller gets invalid_grant, the wallet stays as it was', async () => {
    about = () => 'did:web:elsewhere.example';
    const before = await issuedInWallet();
    const r = await request();
    const { url } = await new Agent().follow(r.json.redirect_uri, isCaller);
    expect(new URL(url).searchParams.get('error')).toBe('invalid_grant');
    expect(await issuedInWallet()).toBe(before);
    about = () => walletDid;
  });

  it('a wallet_did the subject does not own is 400; an issuer without metadata is 424', async () => {
    const other = await internal(b, 'POST', '/internal/auth/v2/subjectB/request-credential', { wallet_did: 'did:web:elsewhere.example', issuer: issuerUrl, redirect_uri: CALLER, authorization_details: [{}] });
    expect(other.status).toBe(400);
    const none = await internal(b, 'POST', '/internal/auth/v2/subjectB/request-credential', { wallet_did: walletDid, issuer: `${a.url}/nothing`, redirect_uri: CALLER, authorization_details: [{}] });
    expect(none.status).toBe(424);
  });
});
