// The client portal as an OpenID Connect relying party of TVS: PKCE S256, private_key_jwt, id_token checks, BSN JWE.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { compactDecrypt, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from 'jose';
import { readBody } from '../../../node/src/core/index.js';
import { isValidBsn } from '../../../node/src/fhir/index.js';
import { CLIENT_ASSERTION_TYPE, type TvsClient } from '../../tvs/server.js';
import { LOA, loaRank, levelOfLoa } from '../../tvs/people.js';

/** Health data: a login below DigiD Substantieel / eIDAS substantial is refused (NEN 7513 ch. 8, DigiD assessment). */
export const REQUIRED_LOA = LOA.substantieel;

export interface PortalKeys {
  sign: CryptoKey;
  decrypt: CryptoKey;
  /** the public half, as registered at TVS */
  jwks: JSONWebKeySet;
}

export async function createPortalKeys(): Promise<PortalKeys> {
  const sig = await generateKeyPair('ES256', { extractable: true });
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  return {
    sign: sig.privateKey,
    decrypt: enc.privateKey,
    jwks: {
      keys: [
        { ...(await exportJWK(sig.publicKey)), kid: 'portal-sig', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(enc.publicKey)), kid: 'portal-enc', alg: 'ECDH-ES+A256KW', use: 'enc' },
      ],
    },
  };
}

export function portalClientRegistration(o: { clientId: string; name: string; redirectUri: string; keys: PortalKeys }): TvsClient {
  return { clientId: o.clientId, name: o.name, redirectUris: [o.redirectUri], jwks: o.keys.jwks, bsnAllowed: true };
}

/** What a login proves, as typed values the portal passes on; never re-read from the request afterwards. */
export interface PortalIdentity {
  /** the client whose data this session may see and act on */
  clientBsn: string;
  /** pairwise subject at TVS */
  subject: string;
  acr: string;
  level: string;
  means: 'DigiD' | 'DigiD Machtigen' | 'eIDAS';
  /** set when a representative acts for the client (DigiD Machtigen) */
  representative?: { bsn: string; subject: string; service: { id: string; name: string } };
}

export class LoginRefused extends Error {
  constructor(readonly code: 'loa_too_low' | 'no_bsn' | 'invalid_token' | 'tvs_error' | 'state', message: string, readonly achieved?: string) {
    super(message);
  }
}

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
}

export class TvsRelyingParty {
  private metadata?: { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string };
  private jwks?: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly o: { tvsUrl: string; clientId: string; redirectUri: string; keys: PortalKeys; clock?: () => number; timeoutMs?: number },
  ) {}

  private async get<T>(url: string): Promise<T> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000) });
    const { json } = await readBody(res);
    if (!res.ok || !json) throw new LoginRefused('tvs_error', `TVS answered ${res.status} on ${new URL(url).pathname}`);
    return json as T;
  }

  private async discover() {
    this.metadata ??= await this.get(`${this.o.tvsUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    this.jwks ??= createLocalJWKSet(await this.get<JSONWebKeySet>(this.metadata!.jwks_uri));
    return this.metadata!;
  }

  /** The authorization request: PKCE S256, a fresh state and nonce, and the minimum level as acr_values. */
  async start(): Promise<{ url: string; pending: PendingLogin }> {
    const m = await this.discover();
    const pending: PendingLogin = { state: randomBytes(16).toString('base64url'), nonce: randomBytes(16).toString('base64url'), verifier: randomBytes(48).toString('base64url') };
    const u = new URL(m.authorization_endpoint);
    u.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.o.clientId,
      redirect_uri: this.o.redirectUri,
      scope: 'openid',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      acr_values: REQUIRED_LOA,
      prompt: 'login',
    }).toString();
    return { url: u.toString(), pending };
  }

  /** The callback: state, then the code exchanged with a client assertion, then every check on the id_token. */
  async finish(query: Record<string, unknown>, pending: PendingLogin | undefined): Promise<PortalIdentity> {
    if (!pending || typeof query.state !== 'string' || query.state !== pending.state) throw new LoginRefused('state', 'this login answer does not belong to a login started here (state mismatch)');
    if (typeof query.error === 'string') {
      const description = typeof query.error_description === 'string' ? query.error_description : '';
      if (query.error === 'unmet_authentication_requirements') throw new LoginRefused('loa_too_low', description);
      throw new LoginRefused('tvs_error', `${query.error}${description ? `: ${description}` : ''}`);
    }
    if (typeof query.code !== 'string') throw new LoginRefused('tvs_error', 'TVS returned no code');
    const m = await this.discover();
    const now = Math.floor((this.o.clock ?? Date.now)() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'portal-sig' })
      .setIssuer(this.o.clientId)
      .setSubject(this.o.clientId)
      .setAudience(m.token_endpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(randomUUID())
      .sign(this.o.keys.sign);
    const res = await fetch(m.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: query.code, redirect_uri: this.o.redirectUri, code_verifier: pending.verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
    });
    const { json } = await readBody(res);
    const body = (json ?? {}) as { id_token?: string; error?: string; error_description?: string };
    if (!res.ok || typeof body.id_token !== 'string') throw new LoginRefused('tvs_error', `the token exchange failed: ${body.error ?? res.status} ${body.error_description ?? ''}`.trim());
    return this.identityFromIdToken(body.id_token, pending.nonce);
  }

  /** Signature, issuer, audience, time, nonce; then the level of assurance and the BSN decrypted with our own key. */
  async identityFromIdToken(idToken: string, nonce: string): Promise<PortalIdentity> {
    const m = await this.discover();
    let payload: JWTPayload & Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(idToken, this.jwks!, { issuer: m.issuer, audience: this.o.clientId, algorithms: ['RS256'], currentDate: new Date((this.o.clock ?? Date.now)()) }));
    } catch (e) {
      throw new LoginRefused('invalid_token', `the id_token from TVS is not valid: ${(e as Error).message}`);
    }
    if (payload.nonce !== nonce) throw new LoginRefused('invalid_token', 'the id_token nonce does not match this login');
    const acr = typeof payload.acr === 'string' ? payload.acr : '';
    if (loaRank(acr) < loaRank(REQUIRED_LOA)) throw new LoginRefused('loa_too_low', `the login reached ${acr || 'no level'}; medication data needs at least ${REQUIRED_LOA}`, acr);
    const decrypt = async (jwe: unknown) => {
      if (typeof jwe !== 'string') return undefined;
      try {
        const bsn = new TextDecoder().decode((await compactDecrypt(jwe, this.o.keys.decrypt)).plaintext);
        return isValidBsn(bsn) ? bsn : undefined;
      } catch {
        return undefined;
      }
    };
    const clientBsn = await decrypt(payload.encrypted_bsn);
    if (!clientBsn) throw new LoginRefused('no_bsn', 'TVS could not link this login to a BSN, so there is no client record to show');
    const amr = Array.isArray(payload.amr) ? payload.amr : [];
    const act = payload.act as { sub?: string; encrypted_bsn?: string } | undefined;
    const service = payload.mandate_service as { id?: string; name?: string } | undefined;
    let representative: PortalIdentity['representative'];
    if (amr.includes('machtigen')) {
      const repBsn = await decrypt(act?.encrypted_bsn);
      if (!repBsn || !act?.sub || !service?.id) throw new LoginRefused('invalid_token', 'a DigiD Machtigen login without the representative or the mandate service');
      representative = { bsn: repBsn, subject: act.sub, service: { id: service.id, name: service.name ?? service.id } };
    }
    return {
      clientBsn,
      subject: String(payload.sub),
      acr,
      level: levelOfLoa(acr) ?? acr,
      means: amr.includes('eidas') ? 'eIDAS' : representative ? 'DigiD Machtigen' : 'DigiD',
      representative,
    };
  }
}
