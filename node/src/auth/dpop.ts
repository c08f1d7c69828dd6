// DPoP (RFC 9449): proofs signed with a subject's key, and validation of htm, htu, ath, iat, key thumbprint and single-use jti.
import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK, type JWTHeaderParameters } from 'jose';
import { BoundedCache } from '../core/cache.js';
import type { CryptoService } from '../crypto/index.js';
import type { SessionStore } from './store.js';

export const DPOP_JTI_TTL_MS = 15 * 60_000;
/** how far a proof's iat may lie in the past or future */
export const DPOP_MAX_AGE_MS = 5 * 60_000;
export const DPOP_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256'];

/** base64url(SHA-256(access token)), the `ath` claim */
export const accessTokenHash = (token: string) => createHash('sha256').update(token, 'ascii').digest('base64url');

/**
 * htu comparison ignores query and fragment (RFC 9449 §4.3) and, as nuts-node v6.2.10 does, scheme and port: a
 * resource server behind TLS offloading sees http://host:8080/x for a proof made for https://host/x.
 */
export function normalizeHtu(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return `https://${u.hostname.toLowerCase()}${u.pathname}`;
  } catch {
    return undefined;
  }
}

export interface DpopProofRequest {
  htm: string;
  htu: string;
  /** access token, for `ath` on resource requests */
  token?: string;
  nonce?: string;
}

/** Signs a proof with key `kid` (a DID URL of this node); the public key travels in the `jwk` header. */
export async function createDpopProof(crypto: CryptoService, kid: string, req: DpopProofRequest, clock: () => number): Promise<string> {
  const { publicJwk } = await crypto.publicKey(kid);
  const claims: Record<string, unknown> = { htm: req.htm, htu: req.htu, iat: Math.floor(clock() / 1000), jti: randomBytes(16).toString('base64url') };
  if (req.token) claims.ath = accessTokenHash(req.token);
  if (req.nonce) claims.nonce = req.nonce;
  const { kty, crv, x, y, n, e } = publicJwk;
  const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined)) as JWK;
  // the kid header (the DID URL) is informative; validation uses the embedded jwk only
  return crypto.signJwt(claims, kid, { header: { typ: 'dpop+jwt', jwk } });
}

export interface DpopCheck {
  method: string;
  url: string;
  /** access token the proof must be bound to (`ath`) */
  token?: string;
  /** expected JWK thumbprint (`cnf.jkt` of the token) */
  thumbprint?: string;
}

/** `malformed`: the proof cannot be a proof for any request (a 400), rather than one for another request (a 401). */
export type DpopResult = { valid: true; jkt: string; jti: string } | { valid: false; reason: string; malformed?: boolean };

/** an HTTP method is an RFC 9110 token */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
/** a URL as it travels in a request line: printable ASCII only (no CR/LF, no characters outside Latin-1) */
const ABSOLUTE_URL = /^https?:\/\/[\x21-\x7e]{1,2048}$/;

/**
 * The public key in a proof's `jwk` header, imported, with its thumbprint. A client signs every proof with the same key,
 * and importing it and hashing it were a third of a proof's cost: both depend on the key's public parameters (and the
 * algorithm) only, so they are kept per key. Nothing about trust is cached: the binding (cnf.jkt), the signature, the
 * claims and the jti are checked on every proof.
 */
const embeddedKeys = new BoundedCache<string, Promise<{ key: CryptoKey | Uint8Array; jkt: string }>>({ maxEntries: 2000, maxBytes: 4 * 1024 * 1024 });

function embeddedKey(header: JWTHeaderParameters): Promise<{ key: CryptoKey | Uint8Array; jkt: string }> {
  // the whole header value, as jose's EmbeddedJWK imports it (a private key was refused before)
  const pub = header.jwk as JWK;
  const id = `${String(header.alg)}|${JSON.stringify(pub)}`;
  const hit = embeddedKeys.get(id);
  if (hit) return hit;
  const made = (async () => {
    const key = await importJWK({ ...pub, ext: true }, header.alg);
    if (key instanceof Uint8Array || key.type !== 'public') throw new Error('"jwk" (JSON Web Key) Header Parameter must be a public key');
    return { key, jkt: await calculateJwkThumbprint(pub, 'sha256') };
  })();
  // a key that cannot be imported is not remembered: its refusal is recomputed, like any other bad proof
  made.catch(() => embeddedKeys.delete(id));
  embeddedKeys.set(id, made, id.length * 2 + 256);
  return made;
}

/** Validates a DPoP proof; `jtiStore` makes each jti usable once for 15 minutes. */
export async function validateDpopProof(proof: string, check: DpopCheck, jtiStore: SessionStore | undefined, clock: () => number): Promise<DpopResult> {
  const bad = (reason: string): DpopResult => ({ valid: false, reason });
  if (typeof proof !== 'string' || proof.split('.').length !== 3) return bad('DPoP proof is not a JWT');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return bad('DPoP proof header is malformed');
  }
  if (header.typ !== 'dpop+jwt') return bad(`DPoP proof typ must be dpop+jwt, got ${String(header.typ)}`);
  if (!header.jwk || typeof header.jwk !== 'object') return bad('DPoP proof has no jwk header');
  if ('d' in header.jwk) return bad('DPoP proof jwk contains a private key');
  if (!DPOP_ALGS.includes(String(header.alg))) return bad(`DPoP proof alg ${String(header.alg)} is not supported`);
  let payload: Record<string, unknown>;
  let jkt: string;
  try {
    const embedded = await embeddedKey(header as JWTHeaderParameters);
    jkt = embedded.jkt;
    ({ payload } = await jwtVerify(proof, embedded.key, { typ: 'dpop+jwt', algorithms: DPOP_ALGS, currentDate: new Date(clock()) }));
  } catch (e) {
    return bad(`DPoP proof signature is invalid: ${(e as Error).message}`);
  }
  // checked before they are compared or quoted anywhere: a value with CR/LF or non-Latin-1 characters would end up in
  // the WWW-Authenticate header of the refusal
  if (typeof payload.htm !== 'string' || !METHOD.test(payload.htm)) return { valid: false, malformed: true, reason: 'DPoP proof htm is malformed (an HTTP method token is expected)' };
  if (typeof payload.htu !== 'string' || !ABSOLUTE_URL.test(payload.htu)) return { valid: false, malformed: true, reason: 'DPoP proof htu is malformed (an absolute http(s) URL in printable ASCII is expected)' };
  if (payload.htm !== check.method) return bad(`DPoP proof htm '${String(payload.htm)}' does not match the request method '${check.method}'`);
  const htu = typeof payload.htu === 'string' ? normalizeHtu(payload.htu) : undefined;
  if (!htu || htu !== normalizeHtu(check.url)) return bad(`DPoP proof htu '${String(payload.htu)}' does not match the request URL '${normalizeHtu(check.url) ?? check.url}'`);
  if (typeof payload.iat !== 'number') return bad('DPoP proof has no iat');
  if (Math.abs(clock() - payload.iat * 1000) > DPOP_MAX_AGE_MS) return bad('DPoP proof iat is outside the accepted window (5 minutes)');
  if (typeof payload.jti !== 'string' || !payload.jti) return bad('DPoP proof has no jti');
  if (check.token !== undefined) {
    if (payload.ath === undefined) return bad('DPoP proof has no ath (access token hash)');
    if (payload.ath !== accessTokenHash(check.token)) return bad('DPoP proof ath does not match the access token');
  }
  if (check.thumbprint !== undefined && check.thumbprint !== jkt) return bad('DPoP proof key does not match the key the access token is bound to (cnf.jkt)');
  const ok = { valid: true as const, jkt, jti: payload.jti };
  // the jti is spent last, so a proof rejected for another reason can be corrected and resent
  if (jtiStore && !(await spendDpopJti(jtiStore, ok))) return bad('jti already used');
  return ok;
}

/** Records a valid proof's jti as used (15 minutes); false when it was used before (a replay). */
export function spendDpopJti(store: SessionStore, proof: { jkt: string; jti: string }): Promise<boolean> {
  return store.putOnce('dpop_jti', `${proof.jkt}|${proof.jti}`, DPOP_JTI_TTL_MS);
}
