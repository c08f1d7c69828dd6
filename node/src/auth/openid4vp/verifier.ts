// Authorization-server side of the OpenID4VP user flow: /authorize (code), the OpenID4VP request to the client's wallet, /response (direct_post) and the authorization_code grant.
import { createHash } from 'node:crypto';
import { readBody } from '../../core/http.js';
import { selfAttestable, toPeCredential, validateSubmission, type PresentationSubmission } from '../../pe/index.js';
import { RESERVED_CLAIMS, type PolicyStore, type WalletOwnerType } from '../../policy/index.js';
import { OAuthError, oauthError, type OAuthErrorCode } from '../errors.js';
import type { CredentialVerifierPort, WireCredential, WirePresentation } from '../ports.js';
import { checkSigner, credentialName, hasProof, parseAssertion, parsePresentation, verifyPresentationFully, type VpEnvelope } from '../presentation.js';
import type { CodeGrant, TokenRequest } from '../server.js';
import type { TokenFacts } from '../audit.js';
import type { SessionStore } from '../store.js';
import { boundToClient, randomToken, sameOrigin, type Jar } from './jar.js';
import { userOf, type FlowUser } from './user.js';

/** the verifier's state of one authorization request (nuts-node: 15 minutes) */
export const VERIFIER_SESSION_TTL_MS = 15 * 60_000;
/** an authorization code lives briefly (RFC 6749 §4.1.2: 10 minutes at most) */
export const CODE_TTL_MS = 60_000;
/** the order nuts-node asks wallets in */
const OWNER_ORDER: WalletOwnerType[] = ['organization', 'user'];

interface VerifierSession {
  subject: string;
  clientId: string;
  redirectUri: string;
  clientState?: string;
  scope: string;
  codeChallenge: string;
  walletEndpoint: string;
  owners: WalletOwnerType[];
  step: number;
  nonce: string;
  /** the organisation that presented in the organization step (signs for the client) */
  organization?: string;
  presentations: WirePresentation[];
  submissions: Record<string, PresentationSubmission>;
  claims: Record<string, unknown>;
  user?: FlowUser;
}

interface StoredCode extends CodeGrant {
  subject: string;
  redirectUri: string;
  codeChallenge: string;
  user?: FlowUser;
}

export interface VerifierDeps {
  sessions: SessionStore;
  jar: Jar;
  policies: () => PolicyStore;
  verifier: () => CredentialVerifierPort;
  issuerUrl: (subject: string) => string;
  fetch: typeof fetch;
  clock: () => number;
  timeoutMs: number;
  requireTrustedIssuers?: boolean;
}

/** RFC 7636 S256 */
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** `uri` with query parameters added (the ones it has stay). */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export class Verifier {
  constructor(private readonly d: VerifierDeps) {}

  /**
   * A verified authorization request with response_type=code (its signature already checked by the Jar). Until the
   * redirect_uri is known to belong to the client, refusals are plain 400s (RFC 6749 §4.1.2.1); after that they go
   * back to the client as `error` on its redirect_uri, with its state. Returns where the browser goes next.
   */
  async authorizeCode(subject: string, claims: Record<string, unknown>): Promise<string> {
    const clientId = claims.client_id as string;
    const redirectUri = str(claims.redirect_uri);
    if (!redirectUri) throw oauthError('invalid_request', 'redirect_uri is required');
    if (!sameOrigin(redirectUri, clientId)) throw oauthError('invalid_request', `redirect_uri ${redirectUri} is not on the origin of client_id ${clientId}`);
    const clientState = str(claims.state);
    const fail = (code: OAuthErrorCode, description: string) => withQuery(redirectUri, { error: code, error_description: description, state: clientState });
    if (!clientState) return fail('invalid_request', 'state is required');
    const challenge = str(claims.code_challenge);
    if (!challenge) return fail('invalid_request', 'code_challenge is required (PKCE)');
    if (claims.code_challenge_method !== 'S256') return fail('invalid_request', `code_challenge_method must be S256, got '${String(claims.code_challenge_method ?? '')}'`);
    const scope = str(claims.scope);
    if (!scope) return fail('invalid_scope', 'scope is required');
    let owners: WalletOwnerType[];
    let grantedScope: string;
    try {
      const profile = this.d.policies().profileFor(scope);
      grantedScope = profile.scope;
      owners = OWNER_ORDER.filter((o) => profile.definitions[o]);
    } catch (e) {
      return fail('invalid_scope', (e as Error).message);
    }
    if (!owners.length) return fail('invalid_scope', `scope '${scope}' has no presentation definition for an organization or user wallet`);
    let walletEndpoint: string;
    try {
      walletEndpoint = await this.walletEndpoint(clientId);
    } catch (e) {
      return fail('invalid_request', (e as Error).message);
    }
    const session: VerifierSession = { subject, clientId, redirectUri, clientState, scope: grantedScope, codeChallenge: challenge, walletEndpoint, owners, step: 0, nonce: '', presentations: [], submissions: {}, claims: {} };
    return this.nextRequest(session);
  }

  /** The client's wallet (its authorization endpoint, from its RFC 8414 metadata: issuer must be the client_id). */
  private async walletEndpoint(clientId: string): Promise<string> {
    const u = new URL(clientId);
    const url = `${u.origin}/.well-known/oauth-authorization-server${u.pathname.replace(/\/$/, '')}`;
    let res: Response;
    try {
      res = await this.d.fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      throw new Error(`the client's metadata ${url} is unreachable: ${(e as Error).message}`);
    }
    const { json } = await readBody(res);
    const md = json as { issuer?: unknown; authorization_endpoint?: unknown } | undefined;
    if (!res.ok || !md) throw new Error(`the client's metadata ${url} answered HTTP ${res.status}`);
    if (md.issuer !== clientId) throw new Error(`the client's metadata names issuer '${String(md.issuer)}', not ${clientId}`);
    if (!sameOrigin(md.authorization_endpoint, clientId)) throw new Error('the client’s metadata has no authorization_endpoint on its own origin (its wallet)');
    return md.authorization_endpoint as string;
  }

  /** The OpenID4VP authorization request for the next wallet owner type, to the client's wallet (a fresh state and nonce each time). */
  private async nextRequest(session: VerifierSession): Promise<string> {
    const issuer = this.d.issuerUrl(session.subject);
    const owner = session.owners[session.step]!;
    const state = randomToken();
    session.nonce = randomToken();
    const pdUri = withQuery(`${issuer}/presentation_definition`, { scope: session.scope, wallet_owner_type: owner });
    const requestUri = await this.d.jar.create(
      session.subject,
      issuer,
      session.clientId,
      {
        response_type: 'vp_token',
        response_mode: 'direct_post',
        client_id_scheme: 'entity_id',
        response_uri: `${issuer}/response`,
        nonce: session.nonce,
        state,
        presentation_definition_uri: pdUri,
        client_metadata_uri: `${issuer}/oauth-client`,
      },
      'post',
    );
    await this.d.sessions.insert('oid4vp_verifier', state, session, VERIFIER_SESSION_TTL_MS);
    return withQuery(session.walletEndpoint, { client_id: issuer, request_uri: requestUri, request_uri_method: 'post' });
  }

  /**
   * POST /response (direct_post): the wallet's presentation or error for one state, used once. Checks as the token
   * endpoint does (signer = subject of every credential, audience, nonce, definition, full verification), plus the
   * binding to the client: the organisation presenting is the client_id's did:web, and a user's credentials are issued
   * by that organisation. Refusals go to the client's redirect_uri as `error` (access_denied / invalid_request).
   */
  async response(subject: string, form: Record<string, unknown>): Promise<{ redirect_uri: string }> {
    const state = str(form.state);
    if (!state) throw oauthError('invalid_request', 'state is required');
    const session = await this.d.sessions.take<VerifierSession>('oid4vp_verifier', state);
    if (!session || session.subject !== subject) throw oauthError('invalid_request', 'unknown, expired or already used state');
    const back = (params: Record<string, string | undefined>) => ({ redirect_uri: withQuery(session.redirectUri, { ...params, state: session.clientState }) });
    const fail = (code: string, description: string) => back({ error: code, error_description: description });
    if (str(form.error)) {
      const code = /^[a-z_]{1,64}$/.test(form.error as string) ? (form.error as string) : 'access_denied';
      return fail(code, `the wallet answered: ${str(form.error_description) ?? code}`.slice(0, 512));
    }
    try {
      await this.acceptPresentation(session, form);
    } catch (e) {
      if (e instanceof OAuthError) return fail(e.oauthError, e.message);
      throw e;
    }
    session.step += 1;
    if (session.step < session.owners.length) return { redirect_uri: await this.nextRequest(session) };
    const code = randomToken();
    const stored: StoredCode = {
      subject,
      clientId: session.clientId,
      redirectUri: session.redirectUri,
      codeChallenge: session.codeChallenge,
      scope: session.scope,
      claims: session.claims,
      presentations: session.presentations,
      submissions: session.submissions,
      ...(session.user ? { user: session.user } : {}),
    };
    await this.d.sessions.insert('oid4vp_code', code, stored, CODE_TTL_MS);
    return back({ code });
  }

  private async acceptPresentation(session: VerifierSession, form: Record<string, unknown>): Promise<void> {
    const owner = session.owners[session.step]!;
    const issuer = this.d.issuerUrl(session.subject);
    const vpToken = str(form.vp_token);
    const submissionText = str(form.presentation_submission);
    if (!vpToken || !submissionText) throw oauthError('invalid_request', 'vp_token and presentation_submission are required');
    const vps = parseAssertion(vpToken);
    let submission: PresentationSubmission;
    try {
      submission = JSON.parse(submissionText) as PresentationSubmission;
    } catch (e) {
      throw oauthError('invalid_request', `presentation_submission is not valid JSON: ${(e as Error).message}`);
    }
    for (const vp of vps) {
      checkSigner(vp);
      if (vp.signer !== vps[0]!.signer) throw oauthError('invalid_request', 'not all presentations are signed by the same subject');
      if (!vp.audiences.includes(issuer)) throw oauthError('invalid_request', `presentation audience '${vp.audiences.join(', ')}' is not this verifier (${issuer})`);
      if (vp.nonce !== session.nonce) throw oauthError('invalid_request', 'presentation nonce is not the nonce of this authorization request');
      if (vp.expires === undefined) throw oauthError('invalid_request', 'presentation has no expiry (exp / expires)');
      this.checkBinding(owner, vp, session);
    }
    const pd = this.d.policies().definition(session.scope, owner);
    const match = validateSubmission(pd, submission, vps.map((v) => ({ json: v.json, format: v.format })));
    if (!match.ok) throw oauthError('invalid_request', `presentation submission does not conform to the presentation definition: ${match.reason}`);
    const allowed = selfAttestable(match.chosen);
    for (const vp of vps) {
      const r = await verifyPresentationFully(this.d.verifier(), vp, { validAt: new Date(this.d.clock()), checkTrust: this.d.requireTrustedIssuers, selfAttestable: allowed });
      if (!r.ok) throw oauthError('access_denied', r.reason);
    }
    for (const [k, v] of Object.entries(match.values)) {
      if (RESERVED_CLAIMS.has(k)) throw oauthError('server_error', `presentation definition field id '${k}' collides with a reserved introspection claim`);
      session.claims[k] = v;
    }
    if (owner === 'organization') session.organization = vps[0]!.signer;
    if (owner === 'user') session.user = vps.flatMap((v) => v.credentials).map(userOf).find((u) => u !== undefined);
    session.presentations.push(...vps.map((v) => v.wire));
    session.submissions[pd.id] = submission;
  }

  /**
   * The organisation wallet must be the client itself (a did:web of the client_id's host); a user wallet holds what
   * the organisation issued to its user: every credential with a proof from the organisation that presented (or, when
   * the scope asks no organisation, from a did:web of the client's host).
   */
  private checkBinding(owner: WalletOwnerType, vp: VpEnvelope, session: VerifierSession): void {
    if (owner === 'organization') {
      if (!boundToClient(vp.signer, session.clientId)) throw oauthError('access_denied', `the organization presentation is signed by ${String(vp.signer)}, not by a did:web of the client ${session.clientId}`);
      return;
    }
    for (const vc of vp.credentials.filter(hasProof)) {
      const issuer = issuerOf(vc);
      const ok = session.organization ? issuer === session.organization : boundToClient(issuer, session.clientId);
      if (!ok) throw oauthError('access_denied', `user credential ${credentialName(vc)} is issued by ${String(issuer)}, not by the client organisation ${session.organization ?? session.clientId}`);
    }
  }

  /**
   * The authorization_code grant: the code once, for the client it was issued to, the redirect URI it was sent to and
   * the PKCE verifier of its challenge; the presented credentials' revocation re-checked. Any mismatch: invalid_grant.
   */
  async redeemCode(subject: string, req: TokenRequest, facts: TokenFacts): Promise<CodeGrant> {
    for (const p of ['code', 'code_verifier', 'redirect_uri', 'client_id'] as const) if (!req[p]) throw oauthError('invalid_request', `${p} is required`);
    const g = await this.d.sessions.take<StoredCode>('oid4vp_code', req.code!);
    if (!g || g.subject !== subject) throw oauthError('invalid_grant', 'authorization code is unknown, expired or already used');
    facts.vps = g.presentations.map(parsePresentation);
    facts.claims = g.claims;
    if (g.user) facts.user = g.user;
    if (g.clientId !== req.client_id) throw oauthError('invalid_grant', 'authorization code was issued to another client');
    if (g.redirectUri !== req.redirect_uri) throw oauthError('invalid_grant', 'redirect_uri differs from the one of the authorization request');
    if (s256(req.code_verifier!) !== g.codeChallenge) throw oauthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE S256)');
    const verifier = this.d.verifier();
    for (const vc of facts.vps.flatMap((v) => v.credentials).filter(hasProof)) {
      const r = await verifier.verifyCredential(vc, { validAt: new Date(this.d.clock()), checkRevocation: true });
      if (!r.valid) throw oauthError('invalid_grant', `credential ${credentialName(vc)} is no longer valid (${r.code ?? 'invalid'}): ${r.message}`);
    }
    return { clientId: g.clientId, scope: g.scope, claims: g.claims, presentations: g.presentations, submissions: g.submissions };
  }
}

function issuerOf(vc: WireCredential): string | undefined {
  try {
    const i = toPeCredential(vc).json.issuer;
    return typeof i === 'string' ? i : typeof (i as { id?: unknown } | undefined)?.id === 'string' ? ((i as { id: string }).id) : undefined;
  } catch {
    return undefined;
  }
}
