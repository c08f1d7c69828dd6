// Wallet side of OpenID4VCI's authorization-code flow (request-credential, nuts-node v6.2.10): issuer metadata → /authorize at the issuer's AS → /callback: token, proof of possession, credential into the wallet.
import { z } from 'zod';
import { readBody } from '../../core/http.js';
import { NodeError, invalidInput } from '../../core/errors.js';
import { parseBody } from '../../core/validation.js';
import type { CryptoService } from '../../crypto/index.js';
import type { SubjectService } from '../../vdr/index.js';
import { toPeCredential, credentialSubjectIds } from '../../pe/index.js';
import type { VcrPort, WireCredential } from '../ports.js';
import type { SessionStore } from '../store.js';
import { httpUrl, randomToken, sameOrigin } from './jar.js';
import { USER_SESSION_TTL_MS } from './user.js';
import { s256, withQuery } from './verifier.js';

export const RequestCredentialSchema = z.object({
  wallet_did: z.string().startsWith('did:'),
  issuer: z.string().url(),
  authorization_details: z.array(z.record(z.string(), z.unknown())).min(1),
  redirect_uri: z.string().url(),
});

/** the state of one issuance, kept under its OAuth state beside the OpenID4VP client flows */
export interface IssuanceFlow {
  kind: 'openid4vci';
  subject: string;
  walletDid: string;
  issuer: string;
  tokenEndpoint: string;
  credentialEndpoint: string;
  authorizationDetails: Array<Record<string, unknown>>;
  codeVerifier: string;
  callback: string;
  redirectUri: string;
}

export interface VciDeps {
  sessions: SessionStore;
  subjects: SubjectService;
  crypto: CryptoService;
  vcr: () => VcrPort;
  issuerUrl: (subject: string) => string;
  fetch: typeof fetch;
  clock: () => number;
  timeoutMs: number;
}

/** 424 as upstream: the issuer does not offer what the flow needs */
const failedDependency = (msg: string) => new NodeError('invalid_input', msg, { status: 424 });

/** RFC 8414-style well-known URL of an identifier (inserted between host and path). */
const wellKnown = (id: string, name: string) => {
  const u = new URL(id);
  return `${u.origin}/.well-known/${name}${u.pathname.replace(/\/$/, '')}`;
};

export class CredentialRequester {
  constructor(private readonly d: VciDeps) {}

  /** POST request-credential: where the user's browser goes to authorize the issuance. */
  async requestCredential(subject: string, body: unknown): Promise<{ redirect_uri: string }> {
    const req = parseBody(RequestCredentialSchema, body);
    const dids = await this.d.subjects.dids(subject);
    if (!dids.includes(req.wallet_did)) throw invalidInput(`wallet_did ${req.wallet_did} is not a DID of subject '${subject}'`);
    const md = (await this.getJson(wellKnown(req.issuer, 'openid-credential-issuer'), 'credential issuer metadata')) as Record<string, unknown>;
    if (md.credential_issuer !== req.issuer) throw failedDependency(`credential issuer metadata names '${String(md.credential_issuer)}', not ${req.issuer}`);
    if (!sameOrigin(md.credential_endpoint, req.issuer)) throw failedDependency('credential issuer metadata has no credential_endpoint on its own origin');
    const servers = Array.isArray(md.authorization_servers) && md.authorization_servers.length ? md.authorization_servers : [req.issuer];
    const asId = String(servers[0]);
    if (!httpUrl(asId)) throw failedDependency(`authorization server '${asId}' is not a URL`);
    const as = (await this.getJson(wellKnown(asId, 'oauth-authorization-server'), 'authorization server metadata')) as Record<string, unknown>;
    if (as.issuer !== asId) throw failedDependency(`authorization server metadata names '${String(as.issuer)}', not ${asId}`);
    if (!httpUrl(as.authorization_endpoint) || !httpUrl(as.token_endpoint)) throw failedDependency(`authorization server ${asId} has no authorization_endpoint or token_endpoint`);
    const clientId = this.d.issuerUrl(subject);
    const state = randomToken();
    const codeVerifier = randomToken();
    const flow: IssuanceFlow = {
      kind: 'openid4vci',
      subject,
      walletDid: req.wallet_did,
      issuer: req.issuer,
      tokenEndpoint: as.token_endpoint as string,
      credentialEndpoint: md.credential_endpoint as string,
      authorizationDetails: req.authorization_details,
      codeVerifier,
      callback: `${clientId}/callback`,
      redirectUri: req.redirect_uri,
    };
    await this.d.sessions.insert('oid4vp_client', state, flow, USER_SESSION_TTL_MS);
    return {
      redirect_uri: withQuery(as.authorization_endpoint as string, {
        response_type: 'code',
        client_id: clientId,
        state,
        redirect_uri: flow.callback,
        code_challenge: s256(codeVerifier),
        code_challenge_method: 'S256',
        authorization_details: JSON.stringify(req.authorization_details),
      }),
    };
  }

  /**
   * The callback of an issuance: code → token (PKCE) → credential request with a proof of possession of wallet_did's
   * key over the c_nonce → the credential verified (signature, dates, issuer = the credential issuer's… subject =
   * wallet_did) and stored in the wallet. Returns where the browser goes (the caller, with `error` on failure).
   */
  async complete(flow: IssuanceFlow, query: Record<string, unknown>): Promise<string> {
    const fail = (error: string, description: string) => withQuery(flow.redirectUri, { error, error_description: description.slice(0, 512) });
    if (typeof query.error === 'string') return fail(query.error, typeof query.error_description === 'string' ? query.error_description : query.error);
    if (typeof query.code !== 'string' || !query.code) return fail('invalid_request', 'the issuer answered without a code');
    const clientId = this.d.issuerUrl(flow.subject);
    let credential: WireCredential;
    try {
      const token = (await this.post(flow.tokenEndpoint, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'authorization_code', code: query.code, code_verifier: flow.codeVerifier, redirect_uri: flow.callback, client_id: clientId }).toString(), 'token endpoint')) as Record<string, unknown>;
      if (typeof token.access_token !== 'string') throw new Error('token endpoint answered without access_token');
      const key = await this.d.subjects.signingKey(flow.walletDid);
      const now = Math.floor(this.d.clock() / 1000);
      const proof = await this.d.crypto.signJwt({ iss: clientId, aud: flow.issuer, iat: now, ...(typeof token.c_nonce === 'string' ? { nonce: token.c_nonce } : {}) }, key.kid, { headerKid: key.kid, header: { typ: 'openid4vci-proof+jwt' } });
      const details = flow.authorizationDetails[0]!;
      const res = (await this.post(flow.credentialEndpoint, { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` }, JSON.stringify({ format: details.format, credential_definition: details.credential_definition, proof: { proof_type: 'jwt', jwt: proof } }), 'credential endpoint')) as Record<string, unknown>;
      if (res.credential === undefined) throw new Error('credential endpoint answered without a credential');
      credential = res.credential as WireCredential;
    } catch (e) {
      return fail('server_error', (e as Error).message);
    }
    const problem = await this.check(credential, flow.walletDid);
    if (problem) return fail('invalid_grant', `the issued credential is refused: ${problem}`);
    await this.d.vcr().wallet.add(flow.subject, credential);
    return flow.redirectUri;
  }

  /** Why the credential may not go into the wallet (undefined: it may): about wallet_did, and it verifies. */
  private async check(vc: WireCredential, walletDid: string): Promise<string | undefined> {
    let subjects: Array<string | undefined>;
    try {
      subjects = credentialSubjectIds(toPeCredential(vc).json);
    } catch (e) {
      return (e as Error).message;
    }
    if (!subjects.length || subjects.some((s) => s !== walletDid)) return `its subject is ${subjects.join(', ') || 'missing'}, not ${walletDid}`;
    const r = await this.d.vcr().verifier.verifyCredential(vc, { validAt: new Date(this.d.clock()), checkRevocation: true });
    return r.valid ? undefined : `${r.code ?? 'invalid'}: ${r.message}`;
  }

  private async getJson(url: string, what: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.d.fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      throw failedDependency(`${what} ${url} is unreachable: ${(e as Error).message}`);
    }
    const { json } = await readBody(res);
    if (!res.ok || !json || typeof json !== 'object') throw failedDependency(`${what} ${url} answered HTTP ${res.status}${json ? '' : ' without JSON'}`);
    return json;
  }

  private async post(url: string, headers: Record<string, string>, body: string, what: string): Promise<unknown> {
    const res = await this.d.fetch(url, { method: 'POST', headers: { accept: 'application/json', ...headers }, body, redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    const { json } = await readBody(res);
    const j = json as Record<string, unknown> | undefined;
    if (!res.ok || !j) throw new Error(`${what} answered HTTP ${res.status}${typeof j?.error === 'string' ? ` ${j.error}: ${String(j.error_description ?? '')}` : ''}`);
    return j;
  }
}
