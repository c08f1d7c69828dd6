// did:key (P-256, Ed25519) and did:jwk codecs: DID <-> public JWK, and the DID documents they imply.
import { ECDH } from 'node:crypto';
import type { JWK } from 'jose';
import { NodeError } from '../core/errors.js';
import type { DIDDocument, VerificationMethod } from './document.js';
import { DID_CONTEXTS } from './document.js';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btcDecode(s: string): Uint8Array {
  let n = 0n;
  for (const ch of s) {
    const v = B58.indexOf(ch);
    if (v < 0) throw new NodeError('invalid_input', `invalid base58 character '${ch}'`);
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of s) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

export function base58btcEncode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) + BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

const ED25519_PUB = [0xed, 0x01];
const P256_PUB = [0x80, 0x24]; // varint of multicodec 0x1200

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export function didKeyToJwk(did: string): JWK {
  const m = /^did:key:z([1-9A-HJ-NP-Za-km-z]+)$/.exec(did);
  if (!m) throw new NodeError('invalid_input', `invalid did:key: ${did}`);
  const bytes = base58btcDecode(m[1]!);
  if (bytes[0] === ED25519_PUB[0] && bytes[1] === ED25519_PUB[1]) {
    const key = bytes.subarray(2);
    if (key.length !== 32) throw new NodeError('invalid_input', `did:key Ed25519 key must be 32 bytes, got ${key.length}`);
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(key) };
  }
  if (bytes[0] === P256_PUB[0] && bytes[1] === P256_PUB[1]) {
    const key = bytes.subarray(2);
    let uncompressed: Buffer;
    try {
      uncompressed = ECDH.convertKey(Buffer.from(key), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      throw new NodeError('invalid_input', 'did:key P-256 key is not a valid compressed point');
    }
    return { kty: 'EC', crv: 'P-256', x: b64u(uncompressed.subarray(1, 33)), y: b64u(uncompressed.subarray(33, 65)) };
  }
  throw new NodeError('invalid_input', `did:key with unsupported key type (only P-256 and Ed25519): ${did}`);
}

export function jwkToDidKey(jwk: JWK): string {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    return 'did:key:z' + base58btcEncode(Uint8Array.from([...ED25519_PUB, ...Buffer.from(jwk.x, 'base64url')]));
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    const raw = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
    const compressed = ECDH.convertKey(raw, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    return 'did:key:z' + base58btcEncode(Uint8Array.from([...P256_PUB, ...compressed]));
  }
  throw new NodeError('invalid_input', 'only P-256 and Ed25519 keys can be expressed as did:key');
}

function singleKeyDocument(did: string, vmId: string, jwk: JWK): DIDDocument {
  const vm: VerificationMethod = { id: vmId, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicOnly(jwk) };
  return {
    '@context': [...DID_CONTEXTS],
    id: did,
    verificationMethod: [vm],
    authentication: [vm.id],
    assertionMethod: [vm.id],
    capabilityInvocation: [vm.id],
    capabilityDelegation: [vm.id],
  };
}

export function didKeyDocument(did: string): DIDDocument {
  const jwk = didKeyToJwk(did);
  return singleKeyDocument(did, `${did}#${did.slice('did:key:'.length)}`, jwk);
}

export function didJwkDocument(did: string): DIDDocument {
  const enc = did.slice('did:jwk:'.length);
  let jwk: JWK;
  try {
    jwk = JSON.parse(Buffer.from(enc, 'base64url').toString('utf8')) as JWK;
  } catch {
    throw new NodeError('invalid_input', `invalid did:jwk (not base64url JSON): ${did}`);
  }
  if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string') throw new NodeError('invalid_input', `invalid did:jwk (no JWK): ${did}`);
  if ('d' in jwk) throw new NodeError('invalid_input', 'did:jwk must not contain private key material');
  return singleKeyDocument(did, `${did}#0`, jwk);
}

export function jwkToDidJwk(jwk: JWK): string {
  return 'did:jwk:' + Buffer.from(JSON.stringify(publicOnly(jwk))).toString('base64url');
}

export function publicOnly(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk as JWK & Record<string, unknown>;
  return pub as JWK;
}
