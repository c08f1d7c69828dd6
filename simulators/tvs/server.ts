// Simulated TVS (Toegangsverleningsservice): an OpenID Connect provider routing a client to DigiD, DigiD Machtigen or
// an eIDAS means, at a level of assurance; auth-code flow with PKCE S256, private_key_jwt clients, pairwise subjects,
// and the BSN only as a JWE for a relying party registered to receive it.
import express, { type Request, type Response } from 'express';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactEncrypt, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { DIGID_LEVELS, LOA, LOA_URIS, loaRank, MEANS, type DigidLevel, type Means, type TvsPerson } from './people.js';

/** A relying party registered at TVS (in production: after a contract and a DPIA; here: passed in at start). */
export interface TvsClient {
  clientId: string;
  name: string;
  redirectUris: string[];
  /** public keys: one `use: sig` (client assertions), and one `use: enc` for the BSN JWE when bsnAllowed */
  jwks: JSONWebKeySet;
  /** may this party receive the plain BSN (as a JWE only it can decrypt)? Others get the pairwise pseudonym only. */
  bsnAllowed: boolean;
}

export interface TvsOptions {
  people: TvsPerson[];
  clients: TvsClient[];
  clock?: () => number;
  /** public base URL (issuer); default the listening address */
  publicUrl?: string;
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 300;
const PROMPTS_MET = new Set(['login']);
/** OIDC Core 3.1.2.6 errors for the prompt values TVS cannot honour (it always shows its own login). */
const PROMPT_ERRORS: Record<string, string> = { none: 'login_required', consent: 'consent_required', select_account: 'account_selection_required' };

interface PendingAuthorization {
  client: TvsClient;
  redirectUri: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  /** the weakest level the relying party accepts (from acr_values); undefined: any */
  minimumLoa?: string;
  created: number;
}

interface IssuedCode {
  auth: PendingAuthorization;
  claims: Record<string, unknown>;
  expires: number;
}

export interface RunningTvs {
  url: string;
  app: express.Express;
  close(): Promise<void>;
}

class AuthorizeError extends Error {
  constructor(readonly error: string, message: string) {
    super(message);
  }
}

class TokenError extends Error {
  constructor(readonly error: string, message: string, readonly status = 400) {
    super(message);
  }
}

export async function createTvs(opts: TvsOptions) {
  const clock = opts.clock ?? Date.now;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = `tvs-${randomUUID().slice(0, 8)}`;
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  // pairwise subjects: the same person is a different `sub` at each relying party (no linking across parties)
  const pairwiseSecret = randomBytes(32);
  const pending = new Map<string, PendingAuthorization>();
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, { claims: Record<string, unknown>; expires: number }>();
  const usedAssertions = new Map<string, number>();
  let issuer = opts.publicUrl?.replace(/\/+$/, '') ?? '';

  const clientById = (id: unknown) => (typeof id === 'string' ? opts.clients.find((c) => c.clientId === id) : undefined);
  const pairwise = (clientId: string, id: string) => createHmac('sha256', pairwiseSecret).update(`${clientId}\n${id}`).digest('base64url');
  const sweep = () => {
    const now = clock();
    for (const [k, v] of pending) if (now - v.created > 10 * 60_000) pending.delete(k);
    for (const [k, v] of codes) if (v.expires < now) codes.delete(k);
    for (const [k, v] of accessTokens) if (v.expires < now) accessTokens.delete(k);
    for (const [k, v] of usedAssertions) if (v < now) usedAssertions.delete(k);
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  app.get('/.well-known/openid-configuration', (_req, res) => {
    res.json({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256'],
      acr_values_supported: LOA_URIS,
      prompt_values_supported: ['login'],
      request_parameter_supported: false,
      claims_parameter_supported: false,
      scopes_supported: ['openid'],
      claims_supported: ['sub', 'acr', 'amr', 'auth_time', 'nonce', 'encrypted_bsn', 'act', 'mandate_service', 'loa_nl', 'eidas_id'],
    });
  });
  app.get('/jwks', (_req, res) => void res.json(jwks));

  /** Validates an authorization request; errors that must not be sent to an unverified redirect URI are thrown as 400 pages. */
  function parseAuthorize(q: Record<string, unknown>): { auth?: PendingAuthorization; redirectError?: { uri: string; state?: string; error: string; description: string } } {
    const one = (name: string): string | undefined => {
      const v = q[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw new AuthorizeError('invalid_request', `${name} must be given once`);
      return v;
    };
    const client = clientById(one('client_id'));
    if (!client) throw new AuthorizeError('invalid_client', 'unknown client_id');
    const redirectUri = one('redirect_uri');
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) throw new AuthorizeError('invalid_request', 'redirect_uri is not registered for this client');
    const state = one('state');
    const fail = (error: string, description: string) => ({ redirectError: { uri: redirectUri, state, error, description } });
    try {
      if (q.request !== undefined) return fail('request_not_supported', 'request objects are not supported');
      if (q.request_uri !== undefined) return fail('request_uri_not_supported', 'request_uri is not supported');
      if (q.registration !== undefined) return fail('registration_not_supported', 'dynamic registration is not supported');
      if (one('response_type') !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
      if (!(one('scope') ?? '').split(' ').includes('openid')) return fail('invalid_scope', "scope must include 'openid'");
      const challenge = one('code_challenge');
      if (!challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge (PKCE, S256) is required');
      if (one('code_challenge_method') !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
      for (const p of (one('prompt') ?? '').split(' ').filter(Boolean)) {
        if (PROMPT_ERRORS[p]) return fail(PROMPT_ERRORS[p]!, `TVS always asks the person to log in; prompt=${p} cannot be met`);
        if (!PROMPTS_MET.has(p)) return fail('invalid_request', `unknown prompt value '${p}'`);
      }
      const acrValues = (one('acr_values') ?? '').split(' ').filter(Boolean);
      let minimumLoa: string | undefined;
      if (acrValues.length) {
        const known = acrValues.filter((a) => loaRank(a) >= 0);
        if (!known.length) return fail('unmet_authentication_requirements', `none of the acr_values is a level TVS offers (${LOA_URIS.join(', ')})`);
        minimumLoa = known.sort((a, b) => loaRank(a) - loaRank(b))[0];
      }
      return { auth: { client, redirectUri, state, nonce: one('nonce'), codeChallenge: challenge, minimumLoa, created: clock() } };
    } catch (e) {
      if (e instanceof AuthorizeError) return fail(e.error, e.message);
      throw e;
    }
  }

  const redirectWith = (res: Response, uri: string, params: Record<string, string | undefined>) => {
    const u = new URL(uri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    res.redirect(303, u.toString());
  };

  app.get('/authorize', (req, res) => {
    sweep();
    let parsed: ReturnType<typeof parseAuthorize>;
    try {
      parsed = parseAuthorize(req.query as Record<string, unknown>);
    } catch (e) {
      if (!(e instanceof AuthorizeError)) throw e;
      res.status(400).type('html').send(page('TVS — request refused', `<p class="error" data-testid="tvs-error">${esc(e.error)}: ${esc(e.message)}</p>`));
      return;
    }
    if (parsed.redirectError) {
      const r = parsed.redirectError;
      redirectWith(res, r.uri, { error: r.error, error_description: r.description, state: r.state });
      return;
    }
    const id = randomUUID();
    pending.set(id, parsed.auth!);
    res.type('html').send(loginPage(id, parsed.auth!, opts.people));
  });

  app.post('/authorize/login', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const auth = typeof body.session === 'string' ? pending.get(body.session) : undefined;
    if (!auth) {
      res.status(400).type('html').send(page('TVS — session expired', '<p class="error" data-testid="tvs-error">This login session expired or was already used. Start again at the website you came from.</p>'));
      return;
    }
    pending.delete(body.session as string);
    const fail = (error: string, description: string) => redirectWith(res, auth.redirectUri, { error, error_description: description, state: auth.state });
    if (body.cancel !== undefined) return fail('access_denied', 'the person cancelled the login');
    const person = opts.people[Number(body.person)];
    const means = body.means as Means;
    if (!person || !MEANS[means]) return fail('access_denied', 'no person or means chosen');
    let achieved: string;
    let subjectId: string;
    let bsn: string | undefined;
    const extra: Record<string, unknown> = {};
    if (means === 'eidas') {
      if (!person.eidas) return fail('access_denied', `${person.displayName} has no eIDAS means`);
      achieved = LOA[person.eidas.level];
      subjectId = person.eidas.id;
      bsn = person.bsn;
      extra.eidas_id = person.eidas.id;
    } else {
      const level = body.level as DigidLevel;
      if (!DIGID_LEVELS.includes(level) || !person.digid?.includes(level)) return fail('access_denied', `${person.displayName}'s DigiD does not reach level '${String(body.level)}'`);
      achieved = LOA[level];
      extra.loa_nl = level;
      if (means === 'machtigen') {
        const mandate = person.mandates?.find((m) => m.bsn === body.represented);
        if (!mandate) return fail('access_denied', `${person.displayName} holds no DigiD Machtigen mandate for that person`);
        subjectId = mandate.bsn;
        bsn = mandate.bsn;
        extra.mandate_service = mandate.service;
        extra.act = { sub: pairwise(auth.client.clientId, person.bsn!), ...(auth.client.bsnAllowed ? { bsn: person.bsn } : {}) };
      } else {
        subjectId = person.bsn!;
        bsn = person.bsn;
      }
    }
    if (auth.minimumLoa && loaRank(achieved) < loaRank(auth.minimumLoa)) {
      return fail('unmet_authentication_requirements', `the login reached ${achieved}; ${auth.client.name} requires at least ${auth.minimumLoa}`);
    }
    const code = randomBytes(32).toString('base64url');
    const now = clock();
    codes.set(code, {
      auth,
      expires: now + CODE_TTL_MS,
      claims: { sub: pairwise(auth.client.clientId, subjectId), acr: achieved, amr: MEANS[means].amr, auth_time: Math.floor(now / 1000), ...(bsn ? { bsn } : {}), ...extra },
    });
    redirectWith(res, auth.redirectUri, { code, state: auth.state });
  });

  /** private_key_jwt (RFC 7523 §2.2): signed by a registered key, iss = sub = client_id, aud = this token endpoint, jti once. */
  async function authenticateClient(body: Record<string, unknown>): Promise<TvsClient> {
    if (body.client_assertion_type !== CLIENT_ASSERTION_TYPE || typeof body.client_assertion !== 'string') throw new TokenError('invalid_client', 'client authentication by private_key_jwt is required', 401);
    let clientId: string | undefined;
    try {
      clientId = JSON.parse(Buffer.from(body.client_assertion.split('.')[1] ?? '', 'base64url').toString('utf8')).iss;
    } catch {
      throw new TokenError('invalid_client', 'client_assertion is not a JWT', 401);
    }
    const client = clientById(clientId);
    if (!client || (body.client_id !== undefined && body.client_id !== client.clientId)) throw new TokenError('invalid_client', 'unknown client', 401);
    try {
      const { payload } = await jwtVerify(body.client_assertion, createLocalJWKSet({ keys: client.jwks.keys.filter((k) => k.use !== 'enc') }), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: [`${issuer}/token`, issuer],
        maxTokenAge: '5m',
        currentDate: new Date(clock()),
      });
      if (!payload.jti || !payload.exp) throw new Error('jti and exp are required');
      if (usedAssertions.has(payload.jti)) throw new Error('client_assertion was already used');
      usedAssertions.set(payload.jti, payload.exp * 1000);
    } catch (e) {
      throw new TokenError('invalid_client', `client_assertion rejected: ${(e as Error).message}`, 401);
    }
    return client;
  }

  app.post('/token', async (req, res) => {
    res.set('cache-control', 'no-store');
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      if (!req.is('application/x-www-form-urlencoded')) throw new TokenError('invalid_request', 'the body must be application/x-www-form-urlencoded');
      for (const [k, v] of Object.entries(body)) if (typeof v !== 'string') throw new TokenError('invalid_request', `${k} must be given once`);
      const client = await authenticateClient(body);
      if (body.grant_type !== 'authorization_code') throw new TokenError('unsupported_grant_type', 'only authorization_code is supported');
      const issued = typeof body.code === 'string' ? codes.get(body.code) : undefined;
      // a code is spent on its first use, whatever the outcome (RFC 6749 §4.1.2)
      if (issued) codes.delete(body.code as string);
      if (!issued || issued.expires < clock()) throw new TokenError('invalid_grant', 'the code is unknown, expired or already used');
      if (issued.auth.client.clientId !== client.clientId) throw new TokenError('invalid_grant', 'the code was issued to another client');
      if (body.redirect_uri !== issued.auth.redirectUri) throw new TokenError('invalid_grant', 'redirect_uri does not match the authorization request');
      const verifier = typeof body.code_verifier === 'string' ? body.code_verifier : '';
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || createHash('sha256').update(verifier).digest('base64url') !== issued.auth.codeChallenge) {
        throw new TokenError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE)');
      }
      const claims = await releaseClaims(client, issued.claims);
      const now = Math.floor(clock() / 1000);
      const idToken = await new SignJWT({ ...claims, ...(issued.auth.nonce ? { nonce: issued.auth.nonce } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(client.clientId)
        .setIssuedAt(now)
        .setExpirationTime(now + TOKEN_TTL_S)
        .sign(privateKey);
      const accessToken = randomBytes(32).toString('base64url');
      accessTokens.set(accessToken, { claims, expires: clock() + TOKEN_TTL_S * 1000 });
      res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL_S, id_token: idToken, scope: 'openid' });
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      if (e.status === 401) res.set('www-authenticate', 'Bearer error="invalid_client"');
      res.status(e.status).json({ error: e.error, error_description: e.message });
    }
  });

  /** The BSN goes only to a party allowed to have it, and then only as a JWE encrypted to that party's key. */
  async function releaseClaims(client: TvsClient, claims: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { bsn, act, ...rest } = claims as { bsn?: string; act?: { sub: string; bsn?: string } } & Record<string, unknown>;
    const out: Record<string, unknown> = { ...rest };
    const enc = client.jwks.keys.find((k) => k.use === 'enc');
    const encrypt = async (value: string) => {
      const key = await importJWK(enc as JWK, (enc as JWK).alg ?? 'ECDH-ES+A256KW');
      return new CompactEncrypt(new TextEncoder().encode(value)).setProtectedHeader({ alg: (enc as JWK).alg ?? 'ECDH-ES+A256KW', enc: 'A256GCM', kid: (enc as JWK).kid }).encrypt(key);
    };
    if (client.bsnAllowed && enc && bsn) out.encrypted_bsn = await encrypt(bsn);
    if (act) out.act = { sub: act.sub, ...(client.bsnAllowed && enc && act.bsn ? { encrypted_bsn: await encrypt(act.bsn) } : {}) };
    return out;
  }

  app.get('/userinfo', (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.header('authorization') ?? '')?.[1];
    const t = token ? accessTokens.get(token) : undefined;
    if (!t || t.expires < clock()) {
      res.set('www-authenticate', 'Bearer error="invalid_token"').status(401).json({ error: 'invalid_token', error_description: 'unknown or expired access token' });
      return;
    }
    res.json(t.claims);
  });

  app.use((_req, res) => void res.status(404).json({ error: 'not_found', error_description: 'no such endpoint at TVS' }));
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: unknown) => {
    const status = err.status && err.status < 500 ? err.status : 500;
    res.status(status).json({ error: status === 500 ? 'server_error' : 'invalid_request', error_description: status === 500 ? 'internal error' : err.message });
  });

  return {
    app,
    jwks,
    listen(port = 0, host = '127.0.0.1'): Promise<RunningTvs> {
      return new Promise((resolve, reject) => {
        // express 5 also calls back with the error (a busy port): reject then, never read a null address
        const server: Server = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          const addr = server.address() as AddressInfo;
          const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
          if (!issuer) issuer = url;
          resolve({ url: issuer, app, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) });
        });
        server.on('error', reject);
      });
    },
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.4rem}
fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0;padding:.8rem}label{display:block;margin:.3rem 0}.error{color:#a40000}
.note{color:#555;font-size:.9rem}button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}.banner{background:#154273;color:#fff;padding:.6rem 1rem;border-radius:6px}</style></head>
<body><div class="banner">TVS — Toegangsverleningsservice (simulated)</div><h1>${esc(title)}</h1>${body}</body></html>`;
}

/** The routeringsvoorziening's choice page: who logs in, with which means and level (a simulation picks the person). */
function loginPage(session: string, auth: PendingAuthorization, people: TvsPerson[]): string {
  const persons = people
    .map((p, i) => {
      const means = [p.digid?.length ? `DigiD (${p.digid.join(', ')})` : '', p.eidas ? `eIDAS ${p.eidas.country} (${p.eidas.level})` : '', p.mandates?.length ? 'Machtigen' : ''].filter(Boolean).join(' · ');
      return `<option value="${i}" data-bsn="${esc(p.bsn ?? '')}">${esc(p.displayName)}${p.bsn ? ` — BSN ${esc(p.bsn)}` : ''} — ${esc(means)}</option>`;
    })
    .join('');
  const represented = [...new Map(people.flatMap((p) => p.mandates ?? []).map((m) => [m.bsn, m])).values()]
    .map((m) => `<option value="${esc(m.bsn)}">${esc(people.find((p) => p.bsn === m.bsn)?.displayName ?? m.bsn)} (${esc(m.service.name)})</option>`)
    .join('');
  const levels = DIGID_LEVELS.map((l) => `<option value="${l}"${l === 'substantieel' ? ' selected' : ''}>DigiD ${l} (${esc(LOA[l])})</option>`).join('');
  return page(
    `Inloggen bij ${auth.client.name}`,
    `<p>${esc(auth.client.name)} vraagt u in te loggen${auth.minimumLoa ? ` met minimaal niveau <strong data-testid="required-loa">${esc(auth.minimumLoa)}</strong>` : ''}.</p>
<form method="post" action="/authorize/login">
<input type="hidden" name="session" value="${esc(session)}">
<fieldset><legend>Wie bent u? (simulatie)</legend><label>Persoon <select name="person" id="person">${persons}</select></label></fieldset>
<fieldset><legend>Inlogmiddel</legend>
<label><input type="radio" name="means" value="digid" checked> DigiD</label>
<label><input type="radio" name="means" value="machtigen"> DigiD Machtigen — namens <select name="represented" id="represented">${represented || '<option value="">(geen machtigingen)</option>'}</select></label>
<label><input type="radio" name="means" value="eidas"> eIDAS (Europees inlogmiddel)</label>
<label>Niveau (DigiD) <select name="level" id="level">${levels}</select></label></fieldset>
<button type="submit" id="login">Inloggen</button><button type="submit" name="cancel" value="1" id="cancel">Annuleren</button>
<p class="note">Medische gegevens vragen minimaal DigiD Substantieel. DigiD levert geen naam aan de website, alleen (versleuteld) uw BSN.</p></form>`,
  );
}
