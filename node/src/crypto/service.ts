// Key management and signing through jose; private key material never leaves this file's objects.
import { CompactSign, FlattenedSign, SignJWT, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, type JWSHeaderParameters } from 'jose';
import type { KeyObject } from 'node:crypto';

/** A key jose signs or verifies with. */
export type JoseKey = CryptoKey | KeyObject | Uint8Array;
import { NodeError, notFound } from '../core/errors.js';
import type { KeyStore, SigningAlg, StoredKey } from './store.js';

export type KeyType = 'P-256' | 'Ed25519';

export const algForKeyType = (t: KeyType): SigningAlg => (t === 'Ed25519' ? 'EdDSA' : 'ES256');

export interface PublicKeyInfo {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
}

export class CryptoService {
  private readonly privateKeys = new Map<string, { key: JoseKey; alg: SigningAlg }>();

  constructor(
    private readonly store: KeyStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates and stores a new key pair under `kid`. */
  async generateKey(kid: string, keyType: KeyType = 'P-256'): Promise<PublicKeyInfo> {
    const alg = algForKeyType(keyType);
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const stored: StoredKey = { kid, alg, publicJwk, privateJwk, createdAt: this.clock() };
    await this.store.put(stored);
    this.privateKeys.set(kid, { key: privateKey, alg });
    return { kid, alg, publicJwk };
  }

  async publicKey(kid: string): Promise<PublicKeyInfo> {
    const k = await this.store.get(kid);
    if (!k) throw notFound(`key ${kid} not found`);
    return { kid: k.kid, alg: k.alg, publicJwk: k.publicJwk };
  }

  async exists(kid: string): Promise<boolean> {
    return (await this.store.get(kid)) !== undefined;
  }

  async deleteKey(kid: string): Promise<void> {
    this.privateKeys.delete(kid);
    if (!(await this.store.delete(kid))) throw notFound(`key ${kid} not found`);
  }

  private async signer(kid: string): Promise<{ key: JoseKey; alg: SigningAlg }> {
    const cached = this.privateKeys.get(kid);
    if (cached) return cached;
    const k = await this.store.get(kid);
    if (!k) throw notFound(`key ${kid} not found`);
    const key = (await importJWK(k.privateJwk, k.alg)) as JoseKey;
    const entry = { key, alg: k.alg };
    this.privateKeys.set(kid, entry);
    return entry;
  }

  /**
   * Signs a JWT with key `kid`. `headerKid` is what goes in the `kid` header (e.g. the DID URL of the
   * verification method); by default the storage kid.
   */
  async signJwt(claims: JWTPayload, kid: string, opts: { headerKid?: string; header?: JWSHeaderParameters } = {}): Promise<string> {
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new NodeError('invalid_input', 'claims must be a JSON object');
    const { key, alg } = await this.signer(kid);
    return await new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', ...opts.header, alg, kid: opts.headerKid ?? kid })
      .sign(key);
  }

  /**
   * Signs a JWS over `payload`. With `detached` and `b64: false` (RFC 7797) it yields `header..signature`,
   * the form JsonWebSignature2020 proofs use.
   */
  async signJws(payload: Uint8Array, kid: string, opts: { header?: JWSHeaderParameters; detached?: boolean; unencodedPayload?: boolean; headerKid?: string } = {}): Promise<string> {
    const { key, alg } = await this.signer(kid);
    const header: JWSHeaderParameters & { alg: string } = { ...opts.header, alg, kid: opts.headerKid ?? opts.header?.kid ?? kid };
    if (opts.unencodedPayload) {
      // jose's CompactSign refuses b64:false; the flattened form carries the same protected header and signature
      Object.assign(header, { b64: false, crit: ['b64'] });
      const f = await new FlattenedSign(payload).setProtectedHeader(header).sign(key);
      return opts.detached ? `${f.protected}..${f.signature}` : `${f.protected}.${f.payload}.${f.signature}`;
    }
    const jws = await new CompactSign(payload).setProtectedHeader(header).sign(key);
    if (!opts.detached) return jws;
    const [h, , s] = jws.split('.');
    return `${h}..${s}`;
  }
}
