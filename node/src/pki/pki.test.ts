// Test PKI generation (SAN parse-back, chain checked by node:crypto as an independent judge) and did:x509 resolution, positive and negative.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZORG, tempPki, x5cOf } from '../../../test/helpers/pki.js';
import { DidResolver } from '../vdr/index.js';
import { X509DidMethod } from './method.js';
import { parseDidX509, resolveDidX509 } from './didx509.js';
import { X509Failure } from './errors.js';
import { initPki } from './generate.js';
import { TrustAnchors, certificatesFromPem } from './trust.js';
import { parseUziOtherName, readSan, uraOf } from './uzi.js';

type Pki = Awaited<ReturnType<typeof tempPki>>;
let pki: Pki;
let other: Pki;
let ec: Pki;
const trust = new TrustAnchors();
const DAY = 86_400_000;

beforeAll(async () => {
  [pki, other, ec] = await Promise.all([
    tempPki([ZORG, { name: 'Verlopen Zorg', city: 'Zwolle', ura: '12345678', agb: '87654321', notBefore: new Date(Date.now() - 800 * DAY), notAfter: new Date(Date.now() - DAY) }]),
    tempPki([ZORG]),
    tempPki([{ name: 'EC Zorg', city: 'Leiden', ura: '23456789', agb: '12121212' }], 'P-256'),
  ]);
  trust.load([pki.root.file, ec.root.file]);
}, 20_000);
afterAll(() => {
  for (const p of [pki, other, ec]) p?.cleanup();
});

const resolve = (did: string, x5c: unknown, at = new Date()) => resolveDidX509(did, x5c, { trust, at });
async function failure(p: Promise<unknown>): Promise<{ reason: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof X509Failure) return { reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('expected an X509Failure');
}

describe('initPki', () => {
  it('writes a UZI-style server certificate whose SAN reads back, chained to the test root (checked by node:crypto)', () => {
    const org = pki.organisations.find((o) => o.ura === ZORG.ura)!;
    const [leaf, intermediate, root] = certificatesFromPem(readFileSync(org.files.chain, 'utf8'));
    const san = readSan(leaf!);
    expect(san.otherName).toEqual(['2.16.528.1.1007.99.2110-1-900030787-S-90000380-00.000-11223344']);
    expect(san.permanentIdentifier).toEqual([{ value: '90000380', assigner: '2.16.528.1.1007.3.3' }]);
    expect(parseUziOtherName(san.otherName[0]!)).toMatchObject({ uzi: '900030787', cardType: 'S', ura: '90000380', role: '00.000', agb: '11223344' });
    expect(uraOf(san)).toBe('90000380');
    expect(leaf!.subjectName.getField('O')).toEqual([ZORG.name]);
    expect(leaf!.subjectName.getField('L')).toEqual([ZORG.city]);
    expect(intermediate!.subject).toMatch(/TEST UZI-register Server CA/);
    // an independent implementation checks the chain
    const [nLeaf, nInt, nRoot] = [leaf, intermediate, root].map((c) => new NodeX509(Buffer.from(c!.rawData)));
    expect(nLeaf!.checkIssued(nInt!) && nLeaf!.verify(nInt!.publicKey)).toBe(true);
    expect(nInt!.checkIssued(nRoot!) && nInt!.verify(nRoot!.publicKey)).toBe(true);
    expect(nRoot!.verify(nRoot!.publicKey) && nRoot!.ca && nInt!.ca && !nLeaf!.ca).toBe(true);
    expect(nLeaf!.publicKey.asymmetricKeyType).toBe('rsa');
    expect(new NodeX509(readFileSync(ec.organisations[0]!.files.certificate)).publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('is idempotent: a re-run keeps the CA and certificates, adds new organisations; force regenerates', async () => {
    const before = readFileSync(pki.organisations[0]!.files.certificate, 'utf8');
    const again = await initPki({ dir: pki.dir, organisations: [ZORG, { name: 'Nieuw', city: 'Ede', ura: '34567890', agb: '13131313' }] });
    expect(again.root).toMatchObject({ sha256: pki.root.sha256, created: false });
    expect(again.organisations.filter((o) => o.created).map((o) => o.name)).toEqual(['Nieuw']);
    expect(readFileSync(pki.organisations[0]!.files.certificate, 'utf8')).toBe(before);
    const forced = await initPki({ dir: other.dir, organisations: [ZORG], force: true });
    expect(forced.root.sha256).not.toBe(other.root.sha256);
    expect(forced.organisations[0]!.created).toBe(true);
    other = { ...other, ...forced };
  });

  it('refuses bad identifiers with a reason', async () => {
    await expect(initPki({ dir: pki.dir, organisations: [{ ...ZORG, ura: '123' }] })).rejects.toThrow(/URA must be 8 digits/);
  });
});

describe('did:x509 resolution', () => {
  const org = () => pki.organisations.find((o) => o.ura === ZORG.ura)!;

  it('resolves to one JsonWebKey2020 #0 in assertionMethod carrying the leaf key', async () => {
    const r = await resolve(org().did, x5cOf(org()));
    expect(r.document.verificationMethod).toEqual([{ id: `${org().did}#0`, type: 'JsonWebKey2020', controller: org().did, publicKeyJwk: expect.objectContaining({ kty: 'RSA', e: 'AQAB' }) }]);
    expect(r.document.assertionMethod).toEqual([`${org().did}#0`]);
    const e = ec.organisations[0]!;
    expect((await resolve(e.did, x5cOf(e))).publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  it('parses the policies (percent-decoded) and refuses eku, as nuts-node does', async () => {
    expect(parseDidX509(org().did).policies).toEqual([
      { name: 'san', pairs: [['otherName', '2.16.528.1.1007.99.2110-1-900030787-S-90000380-00.000-11223344']] },
      { name: 'subject', pairs: [['O', 'Zorggroep De Linde & Co'], ['L', 'Den Haag']] },
    ]);
    expect(await failure(resolve(`${org().did}::eku:1.3.6.1.5.5.7.3.1`, x5cOf(org())))).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/'eku' is not supported/) });
    // a permanentIdentifier policy (go-didx509-toolkit) holds too
    const withPi = `${org().did}::san:permanentIdentifier.value:90000380:permanentIdentifier.assigner:2.16.528.1.1007.3.3`;
    expect((await resolve(withPi, x5cOf(org()))).document.id).toBe(withPi);
  });

  it('wrong fingerprint → x509', async () => {
    const did = org().did.replace(pki.root.sha256, other.root.sha256);
    expect(await failure(resolve(did, x5cOf(org())))).toMatchObject({ reason: 'x509', message: expect.stringMatching(/no CA certificate in the chain has the sha256 fingerprint/) });
  });

  it('the intermediate may be the pinned CA', async () => {
    const did = org().did.replace(pki.root.sha256, pki.intermediate.sha256);
    expect((await resolve(did, x5cOf(org()))).document.id).toBe(did);
  });

  it('policy mismatch → x509 naming the policy', async () => {
    const did = org().did.replace('O:Zorggroep%20De%20Linde%20%26%20Co', 'O:Andere%20Zorg');
    expect(await failure(resolve(did, x5cOf(org())))).toMatchObject({ reason: 'x509', message: expect.stringMatching(/subject:O 'Andere Zorg' does not match the certificate \('Zorggroep De Linde & Co'\)/) });
    const ura = org().did.replace('-S-90000380-', '-S-90000381-');
    expect((await failure(resolve(ura, x5cOf(org())))).message).toMatch(/san:otherName/);
  });

  it('expired certificate → expired', async () => {
    const old = pki.organisations.find((o) => o.ura === '12345678')!;
    expect(await failure(resolve(old.did, x5cOf(old)))).toMatchObject({ reason: 'expired', message: expect.stringMatching(/Verlopen Zorg.* is expired/) });
  });

  it('untrusted root → untrusted_issuer; a chain spliced from two PKIs → x509; no x5c → x509', async () => {
    const o = other.organisations[0]!;
    expect(await failure(resolve(o.did, x5cOf(o)))).toMatchObject({ reason: 'untrusted_issuer' });
    // leaf of one PKI, CAs of another: the path does not verify
    const spliced = [x5cOf(o)[0]!, ...x5cOf(org()).slice(1)];
    expect(await failure(resolve(org().did, spliced))).toMatchObject({ reason: 'x509', message: expect.stringMatching(/chain is broken/) });
    expect(await failure(resolve(org().did, undefined))).toMatchObject({ reason: 'x509', message: expect.stringMatching(/x5c/) });
  });

  it('through the DidResolver: only with a chain in context, never cached', async () => {
    const x = new X509DidMethod(trust);
    const resolver = new DidResolver({ methods: { x509: { driver: x.driver, cache: false } } });
    await expect(resolver.resolve(org().did)).rejects.toThrow(/only be resolved with the certificate chain/);
    const ok = await x.withChain(x5cOf(org()), new Date(), () => resolver.resolve(org().did));
    expect(ok.value.document.id).toBe(org().did);
    // the next resolution with another chain is judged on that chain, not on a cached document
    const o = other.organisations[0]!;
    await expect(x.withChain(x5cOf(o), new Date(), () => resolver.resolve(org().did))).rejects.toThrow(/untrusted issuer|fingerprint/);
  });
});
