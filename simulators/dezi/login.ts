// Headless Dezi login as an ECD does it: PKCE S256 authorization request, the login page driven over HTTP, code exchange, and the signed userinfo with the verklaring.
import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';

export interface DeziLoginOptions {
  /** the Dezi authority (issuer) URL */
  deziUrl: string;
  /** care worker handle (or Dezi number) as listed on the login page */
  careWorker: string;
  /** one of the worker's roles; default the first listed */
  roleCode?: string;
  clientId?: string;
  /** where Dezi sends the browser back; headless, it is only read from the redirect */
  redirectUri?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface DeziLoginResult {
  /** the verklaring (Dezi 0.7 declaration JWT) to hand to the node as `id_token` */
  verklaring: string;
  verklaringId: string;
  /** the userinfo JWT Dezi returned (signature verified against Dezi's JWKS) */
  userinfo: string;
  deziNummer: string;
  roleCode: string;
  /** rol_naam of the verklaring */
  roleName: string;
  /** initials, prefix and surname as Dezi declares them */
  name: string;
}

export class DeziLoginError extends Error {
  constructor(
    readonly step: 'discovery' | 'authorize' | 'login' | 'token' | 'userinfo',
    message: string,
  ) {
    super(message);
  }
}

const attr = (html: string, re: RegExp) => [...html.matchAll(re)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'));

export async function deziLogin(o: DeziLoginOptions): Promise<DeziLoginResult> {
  const f = o.fetch ?? fetch;
  const timeout = () => AbortSignal.timeout(o.timeoutMs ?? 10_000);
  const base = o.deziUrl.replace(/\/+$/, '');
  const clientId = o.clientId ?? 'nuts-lsp-lab-ecd';
  const redirectUri = o.redirectUri ?? 'http://127.0.0.1/ecd/dezi-callback';
  const call = async (step: DeziLoginError['step'], url: string, init: RequestInit = {}) => {
    try {
      return await f(url, { ...init, redirect: 'manual', signal: timeout() });
    } catch (e) {
      throw new DeziLoginError(step, `Dezi at ${base} is unreachable: ${(e as Error).message}`);
    }
  };

  const mdRes = await call('discovery', `${base}/.well-known/openid-configuration`);
  if (!mdRes.ok) throw new DeziLoginError('discovery', `Dezi OpenID configuration answered HTTP ${mdRes.status}`);
  const md = (await mdRes.json()) as { issuer: string; authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string; jwks_uri: string };
  if (md.issuer !== base) throw new DeziLoginError('discovery', `Dezi issuer '${md.issuer}' is not '${base}'`);

  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const authz = new URL(md.authorization_endpoint);
  for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', prompt: 'login', state, nonce, code_challenge: challenge, code_challenge_method: 'S256' })) authz.searchParams.set(k, v);
  const page = await call('authorize', authz.toString());
  const html = await page.text();
  if (!page.ok) throw new DeziLoginError('authorize', `Dezi refused the authorization request (HTTP ${page.status})`);
  const [request] = attr(html, /name="request" value="([^"]*)"/g);
  const choices = attr(html, /name="choice" value="([^"]*)"/g);
  if (!request) throw new DeziLoginError('login', 'the Dezi login page has no login form');
  const mine = choices.filter((c) => c.split('|')[0] === o.careWorker);
  const choice = o.roleCode ? mine.find((c) => c.split('|')[1] === o.roleCode) : mine[0];
  if (!choice) throw new DeziLoginError('login', `Dezi offers no login for care worker '${o.careWorker}'${o.roleCode ? ` with role ${o.roleCode}` : ''} (offered: ${choices.join(', ') || 'none'})`);

  const submit = await call('login', new URL('/authorize', authz).toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ request, choice }).toString() });
  const location = submit.headers.get('location');
  if (submit.status !== 303 || !location) throw new DeziLoginError('login', `Dezi login did not redirect back (HTTP ${submit.status})`);
  const back = new URL(location);
  if (back.searchParams.get('state') !== state) throw new DeziLoginError('login', 'Dezi redirect carries another state');
  const code = back.searchParams.get('code');
  if (!code) throw new DeziLoginError('login', `Dezi login refused: ${back.searchParams.get('error') ?? 'no code'} ${back.searchParams.get('error_description') ?? ''}`.trim());

  const tokRes = await call('token', md.token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }).toString() });
  const tok = (await tokRes.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!tokRes.ok || !tok.access_token) throw new DeziLoginError('token', `Dezi token endpoint refused: ${tok.error ?? `HTTP ${tokRes.status}`}${tok.error_description ? `: ${tok.error_description}` : ''}`);

  const uiRes = await call('userinfo', md.userinfo_endpoint, { headers: { authorization: `Bearer ${tok.access_token}`, accept: 'application/jwt' } });
  const userinfo = (await uiRes.text()).trim();
  if (!uiRes.ok) throw new DeziLoginError('userinfo', `Dezi userinfo answered HTTP ${uiRes.status}`);
  const jwksRes = await call('userinfo', md.jwks_uri);
  if (!jwksRes.ok) throw new DeziLoginError('userinfo', `Dezi JWKS answered HTTP ${jwksRes.status}`);
  const jwks = (await jwksRes.json()) as JSONWebKeySet;
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(userinfo, createLocalJWKSet(jwks), { issuer: md.issuer, audience: clientId }));
  } catch (e) {
    throw new DeziLoginError('userinfo', `Dezi userinfo JWT does not verify: ${(e as Error).message}`);
  }
  if (typeof claims.verklaring !== 'string') throw new DeziLoginError('userinfo', 'Dezi userinfo carries no verklaring');
  const [, payload] = claims.verklaring.split('.');
  const v = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, string | null>;
  const name = [v.voorletters, v.voorvoegsel, v.achternaam].filter(Boolean).join(' ');
  return { verklaring: claims.verklaring, verklaringId: String(claims.verklaring_id ?? v.verklaring_id), userinfo, deziNummer: String(v.dezi_nummer), roleCode: String(v.rol_code), roleName: String(v.rol_naam ?? v.rol_code), name };
}
