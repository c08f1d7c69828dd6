// DPoP proofs and the SQL session store: creation, every validation failure, single-use jti and TTLs on an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { openDatabase, type Database } from '../store/index.js';
import { CryptoService, SqlKeyStore, cryptoMigrations } from '../crypto/index.js';
import { accessTokenHash, createDpopProof, normalizeHtu, validateDpopProof, DPOP_JTI_TTL_MS } from './dpop.js';
import { SqlSessionStore, authMigrations } from './store.js';

let db: Database;
const now = 1_800_000_000_000;
const clock = () => now;
let crypto: CryptoService;
let sessions: SqlSessionStore;
const kid = 'did:web:example.com:iam:x#k1';
const htu = 'https://as.example/oauth2/x/token';

beforeAll(async () => {
  db = await openDatabase({ sqlite: ':memory:' });
  await db.migrate({ ...cryptoMigrations, ...authMigrations });
  crypto = new CryptoService(new SqlKeyStore({ db }), clock);
  await crypto.generateKey(kid, 'P-256');
  sessions = new SqlSessionStore({ db }, clock);
});
afterAll(async () => db.close());

describe('DPoP', () => {
  it('creates a proof that validates once, and names a reused jti', async () => {
    const proof = await createDpopProof(crypto, kid, { htm: 'POST', htu }, clock);
    const first = await validateDpopProof(proof, { method: 'POST', url: htu }, sessions, clock);
    expect(first.valid).toBe(true);
    expect(await validateDpopProof(proof, { method: 'POST', url: htu }, sessions, clock)).toEqual({ valid: false, reason: 'jti already used' });
  });

  it('checks the signature of every proof, also from a key it has seen before', async () => {
    const good = await createDpopProof(crypto, kid, { htm: 'GET', htu: 'https://rs.example/fhir/Patient', token: 'tok' }, clock);
    expect(await validateDpopProof(good, { method: 'GET', url: 'https://rs.example/fhir/Patient', token: 'tok' }, undefined, clock)).toMatchObject({ valid: true });
    const other = await createDpopProof(crypto, kid, { htm: 'GET', htu: 'https://rs.example/fhir/Patient', token: 'another' }, clock);
    // the header (same key) of one proof with the claims of another: the signature no longer fits
    const [h, , sig] = good.split('.');
    const forged = [h, other.split('.')[1], sig].join('.');
    expect(await validateDpopProof(forged, { method: 'GET', url: 'https://rs.example/fhir/Patient', token: 'another' }, undefined, clock)).toMatchObject({ valid: false, reason: expect.stringMatching(/^DPoP proof signature is invalid/) });
  });

  it('ignores query and fragment in htu', () => {
    expect(normalizeHtu('https://a.example/x?y=1#z')).toBe('https://a.example/x');
  });

  it('binds to the access token through ath', async () => {
    const proof = await createDpopProof(crypto, kid, { htm: 'GET', htu: 'https://rs.example/fhir/Patient', token: 'tok' }, clock);
    expect(await validateDpopProof(proof, { method: 'GET', url: 'https://rs.example/fhir/Patient?x=1', token: 'tok' }, undefined, clock)).toMatchObject({ valid: true });
    expect(await validateDpopProof(proof, { method: 'GET', url: 'https://rs.example/fhir/Patient', token: 'other' }, undefined, clock)).toEqual({ valid: false, reason: 'DPoP proof ath does not match the access token' });
    expect(accessTokenHash('tok')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rejects an old proof, a wrong typ and a private key in the header', async () => {
    const proof = await createDpopProof(crypto, kid, { htm: 'POST', htu }, clock);
    const later = () => now + 6 * 60_000;
    expect(await validateDpopProof(proof, { method: 'POST', url: htu }, undefined, later)).toEqual({ valid: false, reason: 'DPoP proof iat is outside the accepted window (5 minutes)' });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const claims = { htm: 'POST', htu, iat: Math.floor(now / 1000), jti: 'j' };
    const wrongTyp = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk }).sign(privateKey);
    expect(await validateDpopProof(wrongTyp, { method: 'POST', url: htu }, undefined, clock)).toEqual({ valid: false, reason: 'DPoP proof typ must be dpop+jwt, got JWT' });
    const withPrivate = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(privateKey) }).sign(privateKey);
    expect(await validateDpopProof(withPrivate, { method: 'POST', url: htu }, undefined, clock)).toEqual({ valid: false, reason: 'DPoP proof jwk contains a private key' });
    const otherKey = await generateKeyPair('ES256');
    const badSig = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(otherKey.privateKey);
    expect((await validateDpopProof(badSig, { method: 'POST', url: htu }, undefined, clock)) as { reason: string }).toMatchObject({ valid: false, reason: expect.stringMatching(/^DPoP proof signature is invalid/) });
    expect(await validateDpopProof('not-a-jwt', { method: 'POST', url: htu }, undefined, clock)).toEqual({ valid: false, reason: 'DPoP proof is not a JWT' });
  });

  it('names the RFC 7638 thumbprint of each key type, and a key it saw before still needs a valid signature', async () => {
    const claims = () => ({ htm: 'POST', htu, iat: Math.floor(now / 1000), jti: nextJti() });
    for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(publicKey);
      const proof = await new SignJWT(claims()).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).sign(privateKey);
      expect(await validateDpopProof(proof, { method: 'POST', url: htu }, undefined, clock)).toMatchObject({ valid: true, jkt: await calculateJwkThumbprint(jwk, 'sha256') });
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk }).sign((await generateKeyPair(alg)).privateKey);
      expect(await validateDpopProof(forged, { method: 'POST', url: htu }, undefined, clock)).toMatchObject({ valid: false, reason: expect.stringMatching(/^DPoP proof signature is invalid/) });
    }
  });
});

let jtis = 0;
const nextJti = () => `jti-${++jtis}`;

// the store itself is covered by the session store contract (test/contracts/session-store.contract.ts)
describe('DPoP jti replay in the session store', () => {
  it('still refuses a used jti minutes later, while the proof itself would still be fresh', async () => {
    const proof = await createDpopProof(crypto, kid, { htm: 'POST', htu }, clock);
    expect((await validateDpopProof(proof, { method: 'POST', url: htu }, sessions, clock)).valid).toBe(true);
    const later = () => now + 4 * 60_000;
    expect(await validateDpopProof(proof, { method: 'POST', url: htu }, sessions, later)).toEqual({ valid: false, reason: 'jti already used' });
    expect(DPOP_JTI_TTL_MS).toBe(15 * 60_000);
  });
});
