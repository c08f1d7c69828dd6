// Signed authorization requests by reference (RFC 9101 JAR): kept by the party that asks, fetched once by the party asked, verified against the asker's did:web.
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { readBody } from '../../core/http.js';
import type { CryptoService } from '../../crypto/index.js';
import type { DidResolver, SubjectService } from '../../vdr/index.js';
import { oauthError } from '../errors.js';
import type { SessionStore } from '../store.js';

export const JAR_TYPE = 'oauth-authz-req+jwt';
/** how long a request object waits to be fetched (nuts-node keeps its authorization sessions 15 minutes) */
export const JAR_TTL_MS = 15 * 60_000;

export type RequestUriMethod = 'get' | 'post';

interface StoredRequestObject {
  subject: string;
  method: RequestUriMethod;
  claims: Record<string, unknown>;
}

export interface JarDeps {
  sessions: SessionStore;
  crypto: CryptoService;
  subjects: SubjectService;
  resolver: DidResolver;
  fetch: typeof fetch;
  clock: () => number;
  timeoutMs: number;
}

export const randomToken = () => randomBytes(32).toString('base64url');

/** `did:web:host%3Aport:…` → `host:port` (undefined for other methods). */
export function didWebHost(did: string): string | undefined {
  const parts = did.split('#')[0]!.split(':');
  if (parts[0] !== 'did' || parts[1] !== 'web' || !parts[2]) return undefined;
  try {
    return decodeURIComponent(parts[2]).toLowerCase();
  } catch {
    return undefined;
  }
}

/** An http(s) URL, or undefined. */
export function httpUrl(v: unknown): URL | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Same scheme, host and port: a URL the entity named by `clientId` answers for. */
export const sameOrigin = (url: unknown, clientId: string): boolean => httpUrl(url)?.origin === httpUrl(clientId)?.origin;

/**
 * The entity binding of client_id_scheme entity_id: a client_id URL is proven by a signature of a did:web on the same
 * host (whoever controls that host's did:web documents controls the client_id), never by a DID from elsewhere.
 */
export function boundToClient(did: string | undefined, clientId: string): boolean {
  const host = did ? didWebHost(did) : undefined;
  return !!host && host === httpUrl(clientId)?.host.toLowerCase();
}

export class Jar {
  constructor(private readonly d: JarDeps) {}

  /** Keeps a request object of `subject` (as client `clientId`) for `audience`; returns its request_uri. */
  async create(subject: string, clientId: string, audience: string, params: Record<string, string>, method: RequestUriMethod): Promise<string> {
    const id = randomToken();
    const stored: StoredRequestObject = { subject, method, claims: { ...params, iss: clientId, client_id: clientId, aud: audience } };
    await this.d.sessions.insert('oid4vp_jar', id, stored, JAR_TTL_MS);
    return `${clientId}/request.jwt/${id}`;
  }

  /** GET/POST request.jwt/{id}: the signed request object, once; a POST adds the wallet's nonce (OpenID4VP §5.10). */
  async serve(subject: string, id: string, method: RequestUriMethod, walletNonce?: string): Promise<string> {
    const stored = await this.d.sessions.take<StoredRequestObject>('oid4vp_jar', id);
    if (!stored || stored.subject !== subject) throw oauthError('invalid_request', 'request object not found (unknown, expired or already fetched)');
    if (stored.method !== method) throw oauthError('invalid_request', `request object must be fetched with request_uri_method ${stored.method}`);
    const key = await this.d.subjects.signingKey(subject);
    const now = Math.floor(this.d.clock() / 1000);
    const claims = { ...stored.claims, iat: now, exp: now + JAR_TTL_MS / 1000, ...(walletNonce ? { wallet_nonce: walletNonce } : {}) };
    return this.d.crypto.signJwt(claims, key.kid, { headerKid: key.kid, header: { typ: JAR_TYPE } });
  }

  /**
   * Fetches the request object an authorization request points to and verifies it: request_uri on the client's origin,
   * signed by a did:web of the client's host (assertion key), iss = client_id = the query's client_id, aud = `audience`,
   * not expired, and (POST) our wallet_nonce echoed. Any failure is invalid_request: nothing in it can be trusted.
   */
  async fetchAndVerify(query: Record<string, unknown>, audience: string, walletMetadata: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const clientId = query.client_id;
    if (typeof clientId !== 'string' || !httpUrl(clientId)) throw oauthError('invalid_request', 'client_id must be the client’s URL (client_id_scheme entity_id)');
    const requestUri = query.request_uri;
    if (typeof requestUri !== 'string') throw oauthError('invalid_request', 'request_uri is required: this authorization server requires signed request objects (require_signed_request_object)');
    if (!sameOrigin(requestUri, clientId)) throw oauthError('invalid_request', `request_uri ${requestUri} is not on the origin of client_id ${clientId}`);
    const method = (query.request_uri_method ?? 'get') as string;
    if (method !== 'get' && method !== 'post') throw oauthError('invalid_request', `request_uri_method must be get or post, got '${method}'`);
    const walletNonce = method === 'post' ? randomToken() : undefined;
    let res: Response;
    try {
      const init: RequestInit =
        method === 'post'
          ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: `application/${JAR_TYPE}` }, body: new URLSearchParams({ wallet_nonce: walletNonce!, wallet_metadata: JSON.stringify(await walletMetadata()) }).toString() }
          : { headers: { accept: `application/${JAR_TYPE}` } };
      res = await this.d.fetch(requestUri, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.d.timeoutMs) });
    } catch (e) {
      throw oauthError('invalid_request', `request_uri ${requestUri} is unreachable: ${(e as Error).message}`);
    }
    const { text } = await readBody(res);
    if (!res.ok) throw oauthError('invalid_request', `request_uri ${requestUri} answered HTTP ${res.status}`);
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(text).kid;
    } catch {
      throw oauthError('invalid_request', 'the request object is not a signed JWT');
    }
    if (typeof kid !== 'string' || !boundToClient(kid, clientId)) throw oauthError('invalid_request', `the request object is not signed by a did:web of the client's host (kid ${String(kid)}, client_id ${clientId})`);
    let claims: Record<string, unknown>;
    try {
      const key = await this.d.resolver.resolveKey(kid, 'assertionMethod');
      ({ payload: claims } = await jwtVerify(text, key.key, { issuer: clientId, audience, currentDate: new Date(this.d.clock()), requiredClaims: ['exp'] }));
    } catch (e) {
      throw oauthError('invalid_request', `the request object does not verify: ${(e as Error).message}`);
    }
    if (claims.client_id !== clientId) throw oauthError('invalid_request', 'client_id of the request object differs from the authorization request');
    if (walletNonce && claims.wallet_nonce !== walletNonce) throw oauthError('invalid_request', 'the request object does not carry the wallet_nonce this wallet sent');
    return claims;
  }
}
