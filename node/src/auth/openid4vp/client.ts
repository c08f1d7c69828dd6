// Client side of the OpenID4VP user flow: request-user-access-token, the user landing (session cookie, user wallet), the wallet answering a verifier, /callback (code → token) and accesstoken/{sessionID}.
import { z } from 'zod';
import { readBody } from '../../core/http.js';
import { NodeError, notFound } from '../../core/errors.js';
import { parseBody } from '../../core/validation.js';
import type { CryptoService } from '../../crypto/index.js';
import { buildSubmission, explain, matchDefinition, validateDefinition, type FormatDesignations, type PresentationDefinition } from '../../pe/index.js';
import type { SubjectService } from '../../vdr/index.js';
import { chooseVpFormat } from '../client.js';
import { createDpopProof } from '../dpop.js';
import { oauthError } from '../errors.js';
import type { IssuerPort, VcrPort, WirePresentation } from '../ports.js';
import type { SessionStore } from '../store.js';
import { boundToClient, httpUrl, randomToken, sameOrigin, type Jar } from './jar.js';
import { USER_SESSION_TTL_MS, employeeCredentialRequest, newUserKey, signUserPresentation, type UserSession } from './user.js';
import { s256, withQuery } from './verifier.js';
import type { CredentialRequester, IssuanceFlow } from './vci.js';

export const UserAccessTokenRequestSchema = z.object({
  authorization_server: z.string().url(),
  scope: z.string().min(1),
  redirect_uri: z.string().url(),
  token_type: z.preprocess((v) => (typeof v === 'string' ? ({ bearer: 'Bearer', dpop: 'DPoP' } as Record<string, string>)[v.toLowerCase()] ?? v : v), z.enum(['Bearer', 'DPoP'])).optional(),
  preauthorized_user: z.object({ id: z.string().min(1), name: z.string().min(1), role: z.string().min(1) }, { error: 'preauthorized_user ({id, name, role}) is required' }),
});
type UserAccessTokenRequest = z.infer<typeof UserAccessTokenRequestSchema>;

/** the user's start URL is opened at once (nuts-node: a short-lived redirect token) */
const REDIRECT_TTL_MS = 5 * 60_000;
/** presentations to a verifier live briefly; its nonce makes them single-use */
const VP_LIFETIME_S = 60;

interface RedirectSession {
  subject: string;
  sessionId: string;
  request: UserAccessTokenRequest;
}

interface ClientFlow {
  subject: string;
  sessionId: string;
  userSession: string;
  tokenEndpoint: string;
  codeVerifier: string;
  callback: string;
  redirectUri: string;
  tokenType: 'DPoP' | 'Bearer';
}

/** what accesstoken/{sessionID} hands out */
type SessionToken = { status: 'pending' } | { status: 'active'; token: Record<string, unknown> } | { status: 'error'; error: string; description: string };

export interface ClientDeps {
  sessions: SessionStore;
  jar: Jar;
  subjects: SubjectService;
  crypto: CryptoService;
  vcr: () => VcrPort;
  issuerUrl: (subject: string) => string;
  /** this node's AS metadata for `subject` (wallet_metadata, and to learn nothing else) */
  metadata: (subject: string) => Promise<Record<string, unknown>>;
  fetch: typeof fetch;
  clock: () => number;
  timeoutMs: number;
  defaultTokenType: 'DPoP' | 'Bearer';
  /** OpenID4VCI issuances share /callback (their state is kept beside the access-token flows) */
  issuance?: CredentialRequester;
}

export const SESSION_COOKIE = 'nuts-lab-sid';

export class OpenId4VpClient {
  constructor(private readonly d: ClientDeps) {}

  /** POST request-user-access-token: a start URL for the user's browser and a session id to poll with. */
  async requestUserAccessToken(subject: string, body: unknown): Promise<{ redirect_uri: string; session_id: string }> {
    const request = parseBody(UserAccessTokenRequestSchema, body);
    await this.d.subjects.dids(subject);
    const sessionId = randomToken();
    const token = randomToken();
    await this.d.sessions.insert('oid4vp_redirect', token, { subject, sessionId, request } satisfies RedirectSession, REDIRECT_TTL_MS);
    await this.d.sessions.insert('oid4vp_token', sessionId, { status: 'pending' } satisfies SessionToken, USER_SESSION_TTL_MS);
    return { redirect_uri: withQuery(`${this.d.issuerUrl(subject)}/user`, { token }), session_id: sessionId };
  }

  /**
   * GET /user?token=…: spends the redirect token, gives the browser a session (cookie) with a user wallet holding an
   * EmployeeCredential the organisation issues for the preauthorized user, and sends it to the authorization server's
   * /authorize with a signed request object (PKCE S256, state). Returns the redirect and the session cookie to set.
   */
  async userLanding(subject: string, token: unknown, cookieSid: string | undefined): Promise<{ location: string; sid: string }> {
    const redirect = typeof token === 'string' ? await this.d.sessions.take<RedirectSession>('oid4vp_redirect', token) : undefined;
    if (!redirect || redirect.subject !== subject) throw oauthError('invalid_request', 'unknown, expired or already used token');
    const { request, sessionId } = redirect;
    const fail = async (error: string, description: string) => {
      await this.finish(sessionId, { status: 'error', error, description });
      return withQuery(request.redirect_uri, { error, error_description: description });
    };
    const user = request.preauthorized_user;
    let sid = cookieSid;
    let session = sid ? await this.d.sessions.get<UserSession>('oid4vp_user', sid) : undefined;
    // a session belongs to one organisation and one user: anything else starts a new wallet
    if (!session || session.subject !== subject || session.user.id !== user.id) {
      const [orgDid] = await this.d.subjects.dids(subject);
      const { did, key } = await newUserKey();
      const expires = this.d.clock() + USER_SESSION_TTL_MS;
      const vc = await this.issuer().issue(employeeCredentialRequest(orgDid!, did, user, expires));
      session = { subject, user, did, key, credentials: [vc], authorizationServers: [] };
      sid = randomToken();
    }
    let md: { issuer: string; authorization_endpoint: string; token_endpoint: string };
    try {
      md = await this.asMetadata(request.authorization_server);
    } catch (e) {
      return { location: await fail('server_error', (e as Error).message), sid: sid! };
    }
    if (!session.authorizationServers.includes(md.issuer)) session.authorizationServers.push(md.issuer);
    await this.d.sessions.put('oid4vp_user', sid!, session, USER_SESSION_TTL_MS);
    const clientId = this.d.issuerUrl(subject);
    const state = randomToken();
    const codeVerifier = randomToken();
    const callback = `${clientId}/callback`;
    const requestUri = await this.d.jar.create(subject, clientId, md.issuer, { response_type: 'code', scope: request.scope, state, redirect_uri: callback, code_challenge: s256(codeVerifier), code_challenge_method: 'S256' }, 'get');
    const flow: ClientFlow = { subject, sessionId, userSession: sid!, tokenEndpoint: md.token_endpoint, codeVerifier, callback, redirectUri: request.redirect_uri, tokenType: request.token_type ?? this.d.defaultTokenType };
    await this.d.sessions.insert('oid4vp_client', state, flow, USER_SESSION_TTL_MS);
    return { location: withQuery(md.authorization_endpoint, { client_id: clientId, request_uri: requestUri, request_uri_method: 'get' }), sid: sid! };
  }

  private issuer(): IssuerPort {
    const issuer = this.d.vcr().issuer;
    if (!issuer) throw new NodeError('precondition_failed', 'this node cannot issue the user wallet’s EmployeeCredential');
    return issuer;
  }

  /** RFC 8414 metadata of the authorization server, which must offer the authorization endpoint. */
  private async asMetadata(issuer: string): Promise<{ issuer: string; authorization_endpoint: string; token_endpoint: string }> {
    const u = new URL(issuer);
    const url = `${u.origin}/.well-known/oauth-authorization-server${u.pathname.replace(/\/$/, '')}`;
    const md = (await this.getJson(url, 'authorization server metadata')) as Record<string, unknown>;
    if (md.issuer !== issuer) throw new Error(`authorization server metadata issuer '${String(md.issuer)}' does not match '${issuer}'`);
    if (!httpUrl(md.authorization_endpoint)) throw new Error(`authorization server ${issuer} has no authorization_endpoint (is its authorization endpoint enabled?)`);
    if (!httpUrl(md.token_endpoint)) throw new Error(`authorization server ${issuer} has no token_endpoint`);
    return md as { issuer: string; authorization_endpoint: string; token_endpoint: string };
  }

  private async getJson(url: string, what: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.d.fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      throw new Error(`${what} ${url} is unreachable: ${(e as Error).message}`);
    }
    const { json } = await readBody(res);
    if (!res.ok || json === undefined) throw new Error(`${what} ${url} answered HTTP ${res.status}${json === undefined ? ' without JSON' : ''}`);
    return json;
  }

  /**
   * The wallet answering a verified OpenID4VP request (response_type vp_token, direct_post): only to a verifier this
   * browser session started a flow with, the definition fetched from the verifier's own origin, the presentation from
   * the organisation's wallet or the session's user wallet as wallet_owner_type says. Errors are posted to the verifier
   * (OpenID4VP §6.4), which sends the browser back to the client with them.
   */
  async presentToVerifier(subject: string, claims: Record<string, unknown>, cookieSid: string | undefined): Promise<string> {
    const verifierId = claims.client_id as string;
    const responseUri = claims.response_uri;
    if (claims.response_mode !== 'direct_post') throw oauthError('invalid_request', `response_mode must be direct_post, got '${String(claims.response_mode ?? '')}'`);
    if (typeof responseUri !== 'string' || !sameOrigin(responseUri, verifierId)) throw oauthError('invalid_request', 'response_uri must be on the origin of the verifier’s client_id');
    const state = typeof claims.state === 'string' ? claims.state : undefined;
    const post = (form: Record<string, string>) => this.directPost(responseUri, { ...form, ...(state ? { state } : {}) });
    const refuse = (error: string, description: string) => post({ error, error_description: description });
    const session = cookieSid ? await this.d.sessions.get<UserSession>('oid4vp_user', cookieSid) : undefined;
    if (!session || session.subject !== subject) return refuse('access_denied', 'no user session at the wallet (open the flow through request-user-access-token)');
    if (!session.authorizationServers.includes(verifierId)) return refuse('access_denied', `this session started no flow with ${verifierId}`);
    const pdUri = claims.presentation_definition_uri;
    if (typeof pdUri !== 'string' || !sameOrigin(pdUri, verifierId)) return refuse('invalid_request', 'presentation_definition_uri must be on the origin of the verifier');
    let pd: PresentationDefinition;
    try {
      pd = validateDefinition(await this.getJson(pdUri, 'presentation definition'), 'presentation definition from the verifier');
    } catch (e) {
      return refuse('invalid_request', (e as Error).message);
    }
    const owner = new URL(pdUri).searchParams.get('wallet_owner_type') ?? 'organization';
    const nonce = typeof claims.nonce === 'string' ? claims.nonce : '';
    if (!nonce) return refuse('invalid_request', 'nonce is required');
    const now = this.d.clock();
    let vp: WirePresentation;
    let submission: unknown;
    if (owner === 'user') {
      const match = matchDefinition(pd, session.credentials);
      if (!match.ok) return refuse('access_denied', `the user wallet cannot fulfil the presentation definition: ${explain(match.report)}`);
      const built = buildSubmission(pd, match.chosen, randomToken());
      submission = built.submission;
      vp = await signUserPresentation(session, built.credentials, { audience: verifierId, nonce, lifetimeSeconds: VP_LIFETIME_S, now });
    } else if (owner === 'organization') {
      const [did] = await this.d.subjects.dids(subject);
      if (!boundToClient(did, this.d.issuerUrl(subject))) return refuse('server_error', `this organisation's DID ${String(did)} is not a did:web of its own host`);
      const match = matchDefinition(pd, await this.d.vcr().wallet.list(subject));
      if (!match.ok) return refuse('access_denied', `the organization wallet cannot fulfil the presentation definition: ${explain(match.report)}`);
      const built = buildSubmission(pd, match.chosen, randomToken());
      submission = built.submission;
      const format = chooseVpFormat(undefined, pd.format as FormatDesignations | undefined);
      vp = await this.d.vcr().holder.createPresentation({ subjectOrDid: did, credentials: built.credentials, format, audience: verifierId, domain: verifierId, nonce, challenge: nonce, lifetimeSeconds: VP_LIFETIME_S });
    } else {
      return refuse('invalid_request', `unsupported wallet_owner_type '${owner}'`);
    }
    return post({ vp_token: typeof vp === 'string' ? vp : JSON.stringify(vp), presentation_submission: JSON.stringify(submission) });
  }

  /** Posts to the verifier's response_uri and returns the redirect_uri it answers (where the browser goes next). */
  private async directPost(responseUri: string, form: Record<string, string>): Promise<string> {
    let res: Response;
    try {
      res = await this.d.fetch(responseUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form).toString(), redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      throw oauthError('invalid_request', `the verifier's response_uri ${responseUri} is unreachable: ${(e as Error).message}`);
    }
    const { json } = await readBody(res);
    const body = json as { redirect_uri?: unknown; error?: unknown; error_description?: unknown } | undefined;
    if (!res.ok || !httpUrl(body?.redirect_uri)) {
      throw oauthError('invalid_request', `the verifier refused the response: ${typeof body?.error === 'string' ? `${body.error}: ${String(body.error_description ?? '')}` : `HTTP ${res.status}`}`);
    }
    return body!.redirect_uri as string;
  }

  /**
   * GET /callback: the state once, from the browser session that started the flow; the code exchanged at the token
   * endpoint with the PKCE verifier (and a DPoP proof); the token kept for accesstoken/{sessionID}; the browser sent to
   * the caller's redirect_uri (with `error` when the flow failed).
   */
  async callback(subject: string, query: Record<string, unknown>, cookieSid: string | undefined): Promise<string> {
    const state = typeof query.state === 'string' ? query.state : undefined;
    const taken = state ? await this.d.sessions.take<ClientFlow | IssuanceFlow>('oid4vp_client', state) : undefined;
    if (!taken || taken.subject !== subject) throw oauthError('invalid_request', 'unknown, expired or already used state');
    if ('kind' in taken) {
      if (!this.d.issuance) throw oauthError('invalid_request', 'credential issuance is not available');
      return this.d.issuance.complete(taken, query);
    }
    const flow = taken;
    const fail = async (error: string, description: string) => {
      await this.finish(flow.sessionId, { status: 'error', error, description });
      return withQuery(flow.redirectUri, { error, error_description: description });
    };
    if (cookieSid !== flow.userSession) return fail('access_denied', 'the callback does not come from the browser session that started the flow');
    if (typeof query.error === 'string') return fail(query.error, typeof query.error_description === 'string' ? query.error_description : query.error);
    if (typeof query.code !== 'string' || !query.code) return fail('invalid_request', 'the authorization server answered without a code');
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    let dpopKid: string | undefined;
    if (flow.tokenType === 'DPoP') {
      dpopKid = (await this.d.subjects.signingKey(subject)).kid;
      headers.dpop = await createDpopProof(this.d.crypto, dpopKid, { htm: 'POST', htu: flow.tokenEndpoint }, this.d.clock);
    }
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: query.code, code_verifier: flow.codeVerifier, redirect_uri: flow.callback, client_id: this.d.issuerUrl(subject) });
    let res: Response;
    try {
      res = await this.d.fetch(flow.tokenEndpoint, { method: 'POST', headers, body: form.toString(), redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      return fail('server_error', `token endpoint ${flow.tokenEndpoint} is unreachable: ${(e as Error).message}`);
    }
    const { json } = await readBody(res);
    const t = json as Record<string, unknown> | undefined;
    if (!res.ok || typeof t?.access_token !== 'string' || typeof t.token_type !== 'string') {
      return fail(typeof t?.error === 'string' ? t.error : 'server_error', typeof t?.error_description === 'string' ? t.error_description : `token endpoint answered HTTP ${res.status}`);
    }
    const expiresIn = typeof t.expires_in === 'number' ? t.expires_in : undefined;
    const token = {
      access_token: t.access_token,
      token_type: t.token_type,
      ...(typeof t.scope === 'string' ? { scope: t.scope } : {}),
      ...(expiresIn !== undefined ? { expires_in: expiresIn, expires_at: Math.floor(this.d.clock() / 1000) + expiresIn } : {}),
      ...(t.token_type === 'DPoP' && dpopKid ? { dpop_kid: dpopKid } : {}),
    };
    await this.finish(flow.sessionId, { status: 'active', token });
    return flow.redirectUri;
  }

  private async finish(sessionId: string, value: SessionToken): Promise<void> {
    await this.d.sessions.put('oid4vp_token', sessionId, value, USER_SESSION_TTL_MS);
  }

  /** GET accesstoken/{sessionID}: pending while the flow runs; the token once (then the session id is spent). */
  async retrieveAccessToken(sessionId: string): Promise<Record<string, unknown>> {
    const current = await this.d.sessions.get<SessionToken>('oid4vp_token', sessionId);
    if (!current) throw notFound('unknown or expired session');
    if (current.status === 'pending') return { access_token: '', token_type: '', status: 'pending' };
    const taken = await this.d.sessions.take<SessionToken>('oid4vp_token', sessionId);
    if (!taken || taken.status === 'pending') throw notFound('unknown or expired session');
    if (taken.status === 'error') throw new NodeError('invalid_input', `the authorization flow failed: ${taken.error}: ${taken.description}`);
    return { ...taken.token, status: 'active' };
  }
}
