// The simulated TVS over HTTP: the auth-code flow with PKCE and private_key_jwt, what the id_token carries per means and
// level, the BSN only as a JWE for a party allowed to have it, and the standard OIDC errors for what it refuses.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { compactDecrypt, createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTvs, CLIENT_ASSERTION_TYPE, LOA, PORTAL_SERVICE, seedPeople, type RunningTvs } from '../../simulators/tvs/index.js';
import { createPortalKeys, portalClientRegistration, type PortalKeys } from '../../simulators/network/portal/index.js';

const CLIENTS = [
  { bsn: '999911004', name: 'Hendrika Jansen' },
  { bsn: '999911016', name: 'Cornelis de Vries' },
  { bsn: '999911028', name: 'Wilhelmina Bos' },
  { bsn: '999911041', name: 'Johannes Smit' },
];
const people = seedPeople(CLIENTS);
const idx = (pred: (p: (typeof people)[number]) => boolean) => String(people.findIndex(pred));
const REDIRECT = 'https://portal.example/callback';
const OTHER_REDIRECT = 'https://other.example/cb';

describe('simulated TVS (OIDC provider for DigiD, Machtigen, eIDAS)', () => {
  let tvs: RunningTvs;
  let keys: PortalKeys;
  let otherKeys: PortalKeys;

  beforeAll(async () => {
    keys = await createPortalKeys();
    otherKeys = await createPortalKeys();
    const t = await createTvs({
      people,
      clients: [
        portalClientRegistration({ clientId: 'portal', name: 'Cliëntportaal', redirectUri: REDIRECT, keys }),
        // a party that may not receive the BSN: pseudonym only
        { ...portalClientRegistration({ clientId: 'other', name: 'Another site', redirectUri: OTHER_REDIRECT, keys: otherKeys }), bsnAllowed: false },
      ],
    });
    tvs = await t.listen(0);
  });
  afterAll(async () => tvs?.close());

  const pkce = () => {
    const verifier = randomBytes(48).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };

  async function authorize(params: Record<string, string>): Promise<Response> {
    return fetch(`${tvs.url}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  }

  const baseParams = (challenge: string, over: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'portal',
    redirect_uri: REDIRECT,
    scope: 'openid',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...over,
  });

  /** Runs the login page as a person would: the session id from the page, then the form post. */
  async function login(form: Record<string, string>, over: Record<string, string> = {}, clientId = 'portal'): Promise<{ location: URL; verifier: string }> {
    const { verifier, challenge } = pkce();
    const res = await authorize(baseParams(challenge, { client_id: clientId, redirect_uri: clientId === 'portal' ? REDIRECT : OTHER_REDIRECT, ...over }));
    expect(res.status).toBe(200);
    const session = /name="session" value="([^"]+)"/.exec(await res.text())![1]!;
    const post = await fetch(`${tvs.url}/authorize/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session, ...form }) });
    expect(post.status).toBe(303);
    return { location: new URL(post.headers.get('location')!), verifier };
  }

  async function assertion(k: PortalKeys, clientId: string, over: { aud?: string; jti?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'portal-sig' }).setIssuer(clientId).setSubject(clientId).setAudience(over.aud ?? `${tvs.url}/token`).setIssuedAt(now).setExpirationTime(now + 60).setJti(over.jti ?? randomUUID()).sign(k.sign);
  }

  async function token(body: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${tvs.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async function exchange(code: string, verifier: string, k = keys, clientId = 'portal', redirect = REDIRECT) {
    return token({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(k, clientId) });
  }

  it('publishes OpenID Connect discovery metadata and a JWKS', async () => {
    const meta = (await (await fetch(`${tvs.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ issuer: tvs.url, code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['private_key_jwt'], subject_types_supported: ['pairwise'] });
    expect(meta.acr_values_supported).toEqual([LOA.basis, LOA.midden, LOA.substantieel, LOA.hoog]);
    const jwks = (await (await fetch(`${tvs.url}/jwks`)).json()) as { keys: Array<{ kty: string; alg: string }> };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });

  it('DigiD Substantieel: a signed id_token with the achieved LoA, a pairwise sub and the BSN as a JWE only this party can open', async () => {
    const { location, verifier } = await login({ person: idx((p) => p.bsn === '999911004'), means: 'digid', level: 'substantieel' });
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    const r = await exchange(location.searchParams.get('code')!, verifier);
    expect(r.status).toBe(200);
    const { payload } = await jwtVerify(r.json.id_token as string, createRemoteJWKSet(new URL(`${tvs.url}/jwks`)), { issuer: tvs.url, audience: 'portal' });
    expect(payload).toMatchObject({ acr: LOA.substantieel, amr: ['digid'], nonce: 'n-1', loa_nl: 'substantieel' });
    expect(payload.sub).not.toContain('999911004');
    expect(JSON.stringify(payload)).not.toContain('999911004');
    const bsn = new TextDecoder().decode((await compactDecrypt(payload.encrypted_bsn as string, keys.decrypt)).plaintext);
    expect(bsn).toBe('999911004');
    await expect(compactDecrypt(payload.encrypted_bsn as string, otherKeys.decrypt)).rejects.toThrow();
  });

  it('a party not allowed to have the BSN gets only a pseudonym, different from the one another party gets', async () => {
    const a = await login({ person: idx((p) => p.bsn === '999911004'), means: 'digid', level: 'substantieel' });
    const ta = await exchange(a.location.searchParams.get('code')!, a.verifier);
    const b = await login({ person: idx((p) => p.bsn === '999911004'), means: 'digid', level: 'substantieel' }, {}, 'other');
    const tb = await exchange(b.location.searchParams.get('code')!, b.verifier, otherKeys, 'other', OTHER_REDIRECT);
    expect(tb.status).toBe(200);
    const pa = decodeJwt(ta.json.id_token as string);
    const pb = decodeJwt(tb.json.id_token as string);
    expect(pb.encrypted_bsn).toBeUndefined();
    expect(JSON.stringify(pb)).not.toContain('999911004');
    expect(pb.sub).not.toBe(pa.sub);
  });

  it('DigiD Machtigen: the represented client is the subject, the representative is `act`, the mandate service is named', async () => {
    const rep = people.find((p) => p.mandates?.length)!;
    const { location, verifier } = await login({ person: idx((p) => p === rep), means: 'machtigen', level: 'substantieel', represented: '999911004' });
    const r = await exchange(location.searchParams.get('code')!, verifier);
    const p = decodeJwt(r.json.id_token as string) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(p.amr).toEqual(['digid', 'machtigen']);
    expect(p.mandate_service).toEqual(PORTAL_SERVICE);
    expect(new TextDecoder().decode((await compactDecrypt(p.encrypted_bsn, keys.decrypt)).plaintext)).toBe('999911004');
    expect(new TextDecoder().decode((await compactDecrypt(p.act.encrypted_bsn, keys.decrypt)).plaintext)).toBe(rep.bsn);
  });

  it('Machtigen for someone the person holds no mandate for is refused with access_denied', async () => {
    const rep = people.find((p) => p.mandates?.length)!;
    const { location } = await login({ person: idx((p) => p === rep), means: 'machtigen', level: 'substantieel', represented: '999911016' });
    expect(location.searchParams.get('error')).toBe('access_denied');
  });

  it('eIDAS: a foreign means at its own level, linked to the BSN when the BRP knows one', async () => {
    const { location, verifier } = await login({ person: idx((p) => p.bsn === '999911041'), means: 'eidas' });
    const p = decodeJwt((await exchange(location.searchParams.get('code')!, verifier)).json.id_token as string);
    expect(p).toMatchObject({ acr: LOA.substantieel, amr: ['eidas'], eidas_id: 'DE/NL/4d1f0c2a9b' });
    const noBsn = await login({ person: idx((p) => !p.bsn), means: 'eidas' });
    const q = decodeJwt((await exchange(noBsn.location.searchParams.get('code')!, noBsn.verifier)).json.id_token as string);
    expect(q.acr).toBe(LOA.hoog);
    expect(q.encrypted_bsn).toBeUndefined();
  });

  it('acr_values is a minimum: a login below it ends in unmet_authentication_requirements', async () => {
    const { location } = await login({ person: idx((p) => p.bsn === '999911004'), means: 'digid', level: 'midden' }, { acr_values: LOA.substantieel });
    expect(location.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('a level the person\'s DigiD does not reach is refused', async () => {
    const { location } = await login({ person: idx((p) => p.bsn === '999911041'), means: 'digid', level: 'hoog' });
    expect(location.searchParams.get('error')).toBe('access_denied');
  });

  it.each([
    ['prompt=none', { prompt: 'none' }, 'login_required'],
    ['prompt=consent', { prompt: 'consent' }, 'consent_required'],
    ['prompt=select_account', { prompt: 'select_account' }, 'account_selection_required'],
    ['an unknown prompt', { prompt: 'bogus' }, 'invalid_request'],
    ['acr_values TVS does not offer', { acr_values: 'urn:example:loa:9' }, 'unmet_authentication_requirements'],
    ['no PKCE', { code_challenge: '' }, 'invalid_request'],
    ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no openid scope', { scope: 'profile' }, 'invalid_scope'],
    ['a request object', { request: 'eyJ...' }, 'request_not_supported'],
  ])('refuses %s with the standard error at the redirect URI', async (_name, over, error) => {
    const { challenge } = pkce();
    const res = await authorize(baseParams(challenge, over));
    expect(res.status).toBe(303);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(REDIRECT);
    expect(loc.searchParams.get('error')).toBe(error);
    expect(loc.searchParams.get('state')).toBe('st-1');
  });

  it('never redirects to an unregistered redirect_uri or for an unknown client (an error page instead)', async () => {
    const { challenge } = pkce();
    for (const over of [{ redirect_uri: 'https://evil.example/cb' }, { client_id: 'nobody' }] as Array<Record<string, string>>) {
      const res = await authorize(baseParams(challenge, over));
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('data-testid="tvs-error"');
    }
  });

  it('the token endpoint refuses a wrong verifier, a replayed code, a wrong redirect_uri and a bad client assertion', async () => {
    const a = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const code = a.location.searchParams.get('code')!;
    expect((await exchange(code, pkce().verifier)).json.error).toBe('invalid_grant');
    // spent on first use, even a failed one
    expect((await exchange(code, a.verifier)).json.error).toBe('invalid_grant');

    const b = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const wrongRedirect = await token({ grant_type: 'authorization_code', code: b.location.searchParams.get('code')!, redirect_uri: 'https://portal.example/other', code_verifier: b.verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(keys, 'portal') });
    expect(wrongRedirect.json.error).toBe('invalid_grant');

    const c = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const forged = await token({ grant_type: 'authorization_code', code: c.location.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: c.verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(otherKeys, 'portal') });
    expect(forged).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
    const noAuth = await token({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, code_verifier: c.verifier });
    expect(noAuth).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
    const jti = randomUUID();
    const d = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const first = await token({ grant_type: 'authorization_code', code: d.location.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: d.verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(keys, 'portal', { jti }) });
    expect(first.status).toBe(200);
    const e = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const replayed = await token({ grant_type: 'authorization_code', code: e.location.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: e.verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(keys, 'portal', { jti }) });
    expect(replayed).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
    const wrongGrant = await token({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await assertion(keys, 'portal') });
    expect(wrongGrant.json.error).toBe('unsupported_grant_type');
  });

  it('a code issued to one party cannot be redeemed by another', async () => {
    const a = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const r = await exchange(a.location.searchParams.get('code')!, a.verifier, otherKeys, 'other', REDIRECT);
    expect(r.json.error).toBe('invalid_grant');
  });

  it('userinfo answers the released claims for a valid access token and 401 otherwise', async () => {
    const a = await login({ person: '0', means: 'digid', level: 'substantieel' });
    const t = await exchange(a.location.searchParams.get('code')!, a.verifier);
    const ok = await fetch(`${tvs.url}/userinfo`, { headers: { authorization: `Bearer ${t.json.access_token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ acr: LOA.substantieel });
    const bad = await fetch(`${tvs.url}/userinfo`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('a login form posted twice (session reuse) is refused', async () => {
    const { challenge } = pkce();
    const res = await authorize(baseParams(challenge));
    const session = /name="session" value="([^"]+)"/.exec(await res.text())![1]!;
    const post = () => fetch(`${tvs.url}/authorize/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ session, person: '0', means: 'digid', level: 'substantieel' }) });
    expect((await post()).status).toBe(303);
    expect((await post()).status).toBe(400);
  });
});
