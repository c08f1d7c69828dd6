// The simulated Dezi over HTTP: PKCE and code refusals, userinfo, verklaring shape (Dezi spec 0.7), status and revocation.
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeziSimulator } from './server.js';
import { deziLogin } from './login.js';
import { deziControl } from './control.js';
import { operations } from '../../test/helpers/openapi.js';

let dezi: DeziSimulator;
let base: string;
const REDIRECT = 'http://127.0.0.1/cb';

beforeAll(async () => {
  dezi = new DeziSimulator();
  base = await dezi.listen(0);
});
afterAll(() => dezi.close());

/** Runs the login page as a browser would and returns the code and the verifier used. */
async function code(opts: { choice?: string } = {}): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({ response_type: 'code', client_id: 'ecd', redirect_uri: REDIRECT, scope: 'openid', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
  const html = await (await fetch(`${base}/authorize?${q}`)).text();
  const request = /name="request" value="([^"]+)"/.exec(html)![1]!;
  const res = await fetch(`${base}/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ request, choice: opts.choice ?? 'chris|30.000' }).toString() });
  expect(res.status).toBe(303);
  const back = new URL(res.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe('s1');
  return { code: back.searchParams.get('code')!, verifier };
}

const token = (form: Record<string, string>) =>
  fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: REDIRECT, client_id: 'ecd', ...form }).toString() }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));

describe('simulated Dezi', () => {
  it('publishes OIDC metadata with PKCE S256 only', async () => {
    const md = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, userinfo_endpoint: `${base}/userinfo`, jwks_uri: `${base}/jwks.json`, code_challenge_methods_supported: ['S256'] });
  });

  it('refuses an authorization request without PKCE S256 or without openid', async () => {
    const q = (extra: Record<string, string>) => new URLSearchParams({ response_type: 'code', client_id: 'ecd', redirect_uri: REDIRECT, scope: 'openid', ...extra });
    const plain = await fetch(`${base}/authorize?${q({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })}`);
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain('PKCE is required');
    const none = await fetch(`${base}/authorize?${q({})}`);
    expect(none.status).toBe(400);
    const noOpenid = await fetch(`${base}/authorize?${q({ scope: 'profile', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' })}`);
    expect(await noOpenid.text()).toMatch(/scope must include (&#39;|')openid/);
  });

  it('lists every care worker and role on the login page, one choice per role', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({ response_type: 'code', client_id: 'ecd', redirect_uri: REDIRECT, scope: 'openid', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const html = await (await fetch(`${base}/authorize?${q}`)).text();
    const choices = [...html.matchAll(/name="choice" value="([^"]+)"/g)].map((m) => m[1]);
    expect(choices).toEqual(['chris|30.000', 'anna|VVT.001', 'noor|VVT.003', 'noor|30.000', 'sam|VVT.005', 'eva|01.015', 'pieter|30.000']);
    expect(html).toContain('(no BIG)');
  });

  it('exchanges a code once, only with the right code_verifier and redirect_uri', async () => {
    const wrongVerifier = await code();
    expect(await token({ code: wrongVerifier.code, code_verifier: randomBytes(32).toString('base64url') })).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('PKCE') } });
    // the failed attempt used the code up
    expect((await token({ code: wrongVerifier.code, code_verifier: wrongVerifier.verifier })).body.error).toBe('invalid_grant');
    const wrongRedirect = await code();
    expect((await token({ code: wrongRedirect.code, code_verifier: wrongRedirect.verifier, redirect_uri: 'http://127.0.0.1/other' })).body.error).toBe('invalid_grant');
    const ok = await code();
    const t = await token({ code: ok.code, code_verifier: ok.verifier });
    expect(t.status).toBe(200);
    expect(t.body.token_type).toBe('Bearer');
    expect((await token({ code: ok.code, code_verifier: ok.verifier })).body.error).toBe('invalid_grant');
  });

  it('answers userinfo as a signed JWT carrying a Dezi 0.7 verklaring (RS256, kid, jku)', async () => {
    expect((await fetch(`${base}/userinfo`)).status).toBe(401);
    const c = await code({ choice: 'noor|VVT.003' });
    const t = await token({ code: c.code, code_verifier: c.verifier });
    const res = await fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${t.body.access_token}` } });
    expect(res.headers.get('content-type')).toMatch(/^application\/jwt/);
    const jwks = (await (await fetch(`${base}/jwks.json`)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(await res.text(), createLocalJWKSet(jwks), { issuer: base, audience: 'ecd' });
    const verklaring = payload.verklaring as string;
    expect(decodeProtectedHeader(verklaring)).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwks.keys[0]!.kid, jku: `${base}/jwks.json` });
    const v = decodeJwt(verklaring);
    expect(v).toMatchObject({
      iss: base,
      json_schema: 'https://www.dezi.nl/json_schemas/v1/verklaring.json',
      loa_dezi: 'http://eidas.europe.eu/LoA/high',
      dezi_nummer: '900010003',
      voorletters: 'N.',
      voorvoegsel: null,
      achternaam: 'El Amrani',
      abonnee_nummer: '90000303',
      rol_code: 'VVT.003',
      status_uri: `${base}/status/v1/verklaring/${String(payload.verklaring_id)}`,
      verklaring_id: payload.verklaring_id,
    });
    expect(typeof v.jti).toBe('string');
    expect(v.exp! - v.nbf!).toBeGreaterThan(3600);
  });

  it('gives an expired verklaring to a care worker whose registration ended', async () => {
    const r = await deziLogin({ deziUrl: base, careWorker: 'pieter' });
    expect(decodeJwt(r.verklaring).exp! * 1000).toBeLessThan(Date.now());
  });

  it('reports each verklaring active or revoked, and lifts revocations', async () => {
    const r = await deziLogin({ deziUrl: base, careWorker: 'anna' });
    const status = async () => ((await (await fetch(`${base}/status/v1/verklaring/${r.verklaringId}`)).json()) as { status: string }).status;
    expect(await status()).toBe('active');
    const revoked = await fetch(`${base}/internal/dezi/v1/revocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ worker: 'anna' }) });
    expect(((await revoked.json()) as { message: string }).message).toMatch(/Anna de Vries \(Dezi 900010002\) revoked/);
    expect(await status()).toBe('revoked');
    await fetch(`${base}/internal/dezi/v1/revocations`, { method: 'DELETE' });
    expect(await status()).toBe('active');
    expect((await fetch(`${base}/status/v1/verklaring/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it('deziControl revokes and lifts over the lab control API, and words a refusal as the scenarios report it', async () => {
    const control = deziControl(base);
    expect(await control.revoke('anna')).toBe('every verklaring of Anna de Vries (Dezi 900010002) revoked at Dezi');
    await expect(control.revoke('nobody')).rejects.toThrow(new Error("Dezi control POST answered HTTP 404: unknown Dezi care worker 'nobody'"));
    expect(await control.restore()).toBe('1 Dezi revocations lifted');
    await expect(deziControl('http://127.0.0.1:1').restore()).rejects.toThrow(/^Dezi control at http:\/\/127\.0\.0\.1:1 unreachable/);
  });

  it('serves every operation of simulators/dezi/api/dezi-v1.yaml', async () => {
    const ops = operations('simulators/dezi/api/dezi-v1.yaml');
    expect(ops.length).toBe(3);
    const unserved: string[] = [];
    for (const op of ops) {
      const res = await fetch(base + op.path, { method: op.method, headers: { 'content-type': 'application/json' }, body: op.method === 'POST' ? '{}' : undefined });
      // Express's own 404 for a route it does not have
      if (res.status === 404 && (await res.text()).includes(`Cannot ${op.method} ${op.path}`)) unserved.push(`${op.method} ${op.path}`);
    }
    await fetch(`${base}/internal/dezi/v1/revocations`, { method: 'DELETE' });
    expect(unserved).toEqual([]);
  });

  it('headless login names a care worker it does not know', async () => {
    await expect(deziLogin({ deziUrl: base, careWorker: 'nobody' })).rejects.toThrow(/offers no login for care worker 'nobody'/);
    await expect(deziLogin({ deziUrl: base, careWorker: 'chris', roleCode: '01.015' })).rejects.toThrow(/with role 01\.015/);
  });
});
