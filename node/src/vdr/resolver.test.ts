import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DidResolver } from './resolver.js';
import { didKeyToJwk, jwkToDidKey } from './didkey.js';
import { didWebToUrl, didWebForSubject, subjectOfDidWeb } from './didweb.js';

// a real did:web host whose documents can be changed or removed between calls
const docs = new Map<string, unknown>();
let server: Server;
let host: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const doc = docs.get(req.url ?? '');
    if (!doc) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1%3A${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function counting() {
  let calls = 0;
  const f: typeof fetch = (input, init) => {
    calls++;
    return fetch(input, init);
  };
  return { f, calls: () => calls };
}

describe('did:web URLs', () => {
  it('maps DIDs to URLs per the did:web method, http only for listed hosts', () => {
    expect(didWebToUrl('did:web:example.com', [])).toBe('https://example.com/.well-known/did.json');
    expect(didWebToUrl('did:web:example.com:iam:acme', [])).toBe('https://example.com/iam/acme/did.json');
    expect(didWebToUrl('did:web:localhost%3A8080:iam:acme', ['localhost'])).toBe('http://localhost:8080/iam/acme/did.json');
    expect(didWebToUrl('did:web:localhost%3A8080:iam:acme', [])).toBe('https://localhost:8080/iam/acme/did.json');
    expect(() => didWebToUrl('did:web:exa%2Fmple.com', [])).toThrow(/invalid/);
    expect(() => didWebToUrl('did:web:example.com:..:x', [])).toThrow(/invalid/);
  });
  it('builds and parses the node’s own DIDs', () => {
    const did = didWebForSubject('http://localhost:8080', 'acme');
    expect(did).toBe('did:web:localhost%3A8080:iam:acme');
    expect(subjectOfDidWeb(did, 'http://localhost:8080')).toBe('acme');
    expect(subjectOfDidWeb('did:web:other%3A8080:iam:acme', 'http://localhost:8080')).toBeUndefined();
    expect(didWebForSubject('https://node.example/nuts', 'x')).toBe('did:web:node.example:nuts:iam:x');
  });
});

describe('did:key', () => {
  it('decodes the did:key spec vectors for Ed25519 and P-256 and round-trips', () => {
    const ed = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
    expect(didKeyToJwk(ed)).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(jwkToDidKey(didKeyToJwk(ed))).toBe(ed);
    const p256 = 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169';
    const jwk = didKeyToJwk(p256);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(Buffer.from(jwk.x!, 'base64url')).toHaveLength(32);
    expect(jwkToDidKey(jwk)).toBe(p256);
  });
  it('refuses unsupported or corrupt keys', () => {
    expect(() => didKeyToJwk('did:key:z0OIl')).toThrow(/invalid/);
    expect(() => didKeyToJwk('did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme')).toThrow(/unsupported key type/);
  });
});

describe('resolver cache', () => {
  it('serves from cache within the TTL and refetches after it', async () => {
    const did = `did:web:${host}:iam:cached`;
    docs.set('/iam/cached/did.json', { id: did, verificationMethod: [] });
    let now = 1_000_000;
    const c = counting();
    const r = new DidResolver({ fetch: c.f, clock: () => now, httpHosts: ['127.0.0.1'], cacheTtlMs: 60_000 });
    await r.resolve(did);
    await r.resolve(`${did}#key-1`);
    expect(c.calls()).toBe(1);
    now += 61_000;
    await r.resolve(did);
    expect(c.calls()).toBe(2);
  });

  it('collapses concurrent resolutions into one fetch', async () => {
    const did = `did:web:${host}:iam:burst`;
    docs.set('/iam/burst/did.json', { id: did });
    const c = counting();
    const r = new DidResolver({ fetch: c.f, httpHosts: ['127.0.0.1'] });
    await Promise.all(Array.from({ length: 10 }, () => r.resolve(did)));
    expect(c.calls()).toBe(1);
  });

  it('remembers a failure for the negative TTL only', async () => {
    const did = `did:web:${host}:iam:later`;
    let now = 0;
    const c = counting();
    const r = new DidResolver({ fetch: c.f, clock: () => now, httpHosts: ['127.0.0.1'], negativeCacheTtlMs: 10_000 });
    // the caller learns only that it failed; the reason (for the log) stays on the cause
    await expect(r.resolve(did)).rejects.toMatchObject({ code: 'not_found', message: `DID ${did} could not be resolved`, cause: { message: expect.stringMatching(/HTTP 404/) } });
    docs.set('/iam/later/did.json', { id: did });
    await expect(r.resolve(did)).rejects.toMatchObject({ code: 'not_found' });
    expect(c.calls()).toBe(1);
    now += 10_001;
    await expect(r.resolve(did)).resolves.toMatchObject({ document: { id: did } });
  });

  it('rejects a document whose id is another DID', async () => {
    const did = `did:web:${host}:iam:imposter`;
    docs.set('/iam/imposter/did.json', { id: 'did:web:evil.example' });
    const r = new DidResolver({ httpHosts: ['127.0.0.1'] });
    await expect(r.resolve(did)).rejects.toMatchObject({ message: `DID ${did} could not be resolved`, cause: { message: expect.stringMatching(/does not match/) } });
  });

  it('does not fetch from a host that is not listed: not over http, and not over https on a loopback address', async () => {
    const did = `did:web:${host}:iam:cached`;
    const seen: string[] = [];
    const r = new DidResolver({ httpHosts: [], fetch: async (u) => (seen.push(String(u)), fetch(String(u))) });
    await expect(r.resolve(did)).rejects.toMatchObject({ code: 'not_found', cause: { message: expect.stringMatching(/127\.0\.0\.1 \(loopback\)/) } });
    expect(seen).toEqual([]);
  });

  it('resolves keys by relationship and refuses a key outside it', async () => {
    const did = `did:web:${host}:iam:keys`;
    const jwk = didKeyToJwk('did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169');
    docs.set('/iam/keys/did.json', {
      id: did,
      verificationMethod: [
        { id: `${did}#a`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk },
        { id: `${did}#b`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk },
      ],
      assertionMethod: [`${did}#a`],
      authentication: ['#b'],
    });
    const r = new DidResolver({ httpHosts: ['127.0.0.1'] });
    expect((await r.resolveKey(`${did}#a`, 'assertionMethod')).vm.id).toBe(`${did}#a`);
    expect((await r.resolveKey(`${did}#b`, 'authentication')).vm.id).toBe(`${did}#b`);
    await expect(r.resolveKey(`${did}#b`, 'assertionMethod')).rejects.toThrow(/no assertionMethod key/);
  });

  it('serves static fixtures and registered methods; unknown methods are named', async () => {
    const r = new DidResolver({ methods: { example: { driver: async (did) => ({ document: { id: did }, documentMetadata: {} }) } } });
    r.addStatic({ id: 'did:nuts:abc', verificationMethod: [] });
    expect((await r.resolve('did:nuts:abc#k')).document.id).toBe('did:nuts:abc');
    expect((await r.resolve('did:example:1')).document.id).toBe('did:example:1');
    await expect(r.resolve('did:other:1')).rejects.toThrow(/unsupported DID method 'other'/);
    await expect(r.resolve('nonsense')).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
