// X509Credential and HealthcareProviderCredential over real HTTP: a subject binds its UZI server certificate and self-issues; another node verifies against its trusted roots.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { externalMissing, externalPath } from '../helpers/external.js';
import { internal, startTestNode } from '../helpers/node.js';
import { ZORG, tempPki, x5cOf } from '../helpers/pki.js';

type Pki = Awaited<ReturnType<typeof tempPki>>;
let pki: Pki;
let rogue: Pki;
let issuerNode: LabNode;
let verifierNode: LabNode;
let orgDid: string;
let holderDid: string;
const UPSTREAM = externalPath('nuts-node', 'e2e-tests', 'oauth-flow', 'didx509', 'certs');
const noUpstream = externalMissing('nuts-node');
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

beforeAll(async () => {
  [pki, rogue] = await Promise.all([tempPki([ZORG]), tempPki([{ ...ZORG, name: 'Rogue Care' }])]);
  issuerNode = await startTestNode('x509-issuer', { pki: { dir: pki.dir } });
  // the verifier trusts the lab's test root and, as an external judge, the upstream e2e root (the chain file holds root + leaf; only the CA is taken)
  verifierNode = await startTestNode('x509-verifier', { vcr: { x509: { trustedRoots: [pki.root.file, ...(noUpstream ? [] : [`${UPSTREAM}/nodeA-chain.pem`])] } } });
  orgDid = (await internal(issuerNode, 'POST', '/internal/vdr/v2/subject', { subject: 'zorg' })).json.documents[0].id;
  holderDid = orgDid;
  const bound = await internal(issuerNode, 'POST', '/internal/pki/v1/subjects/zorg/certificate', { organisation: pki.organisations[0]!.id });
  expect(bound.status).toBe(200);
}, 20_000);
afterAll(async () => {
  await issuerNode?.stop();
  await verifierNode?.stop();
  pki?.cleanup();
  rogue?.cleanup();
});

const verify = (node: LabNode, vc: unknown) => internal(node, 'POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc, verificationOptions: { allowUntrustedIssuer: true } });
const issue = (body: Record<string, unknown>) => internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { format: 'jwt_vc', issuer: orgDid, expirationDate: inAYear(), credentialSubject: { id: holderDid }, ...body });

describe('binding a certificate to a subject', () => {
  it('shows the certificate, its did:x509 and URA', async () => {
    const r = await internal(issuerNode, 'GET', '/internal/pki/v1/subjects/zorg/certificate');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ subject: 'zorg', did: orgDid, alg: 'RS256', x509Did: pki.organisations[0]!.did, certificate: { ura: '90000380', otherName: ['2.16.528.1.1007.99.2110-1-900030787-S-90000380-00.000-11223344'] } });
    expect(r.json.chain.map((c: { subject: string }) => c.subject)).toEqual([expect.stringContaining('O=Zorggroep De Linde & Co'), pki.intermediate.subject, pki.root.subject]);
  });

  it('refuses an unknown organisation, a key that does not fit the chain, and an unknown subject', async () => {
    expect((await internal(issuerNode, 'POST', '/internal/pki/v1/subjects/zorg/certificate', { organisation: 'nope' })).status).toBe(404);
    const wrongKey = await internal(issuerNode, 'POST', '/internal/pki/v1/subjects/zorg/certificate', { chain: readFileSync(pki.organisations[0]!.files.chain, 'utf8'), privateKey: readFileSync(rogue.organisations[0]!.files.key, 'utf8') });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.json.detail).toMatch(/does not belong to any certificate/);
    expect((await internal(issuerNode, 'POST', '/internal/pki/v1/subjects/ghost/certificate', { organisation: pki.organisations[0]!.id })).status).toBe(404);
    expect((await internal(issuerNode, 'POST', '/internal/pki/v1/subjects/zorg/certificate', {})).status).toBe(400);
  });
});

describe('X509Credential (RFC023)', () => {
  it('self-issues with the certificate key and verifies on another node', async () => {
    const r = await issue({ type: 'X509Credential' });
    expect(r.status).toBe(200);
    const jwt = r.json as string;
    const header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    const payload = decodeJwt(jwt) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const did = pki.organisations[0]!.did;
    expect(header).toMatchObject({ alg: 'RS256', kid: `${did}#0`, x5c: x5cOf(pki.organisations[0]!) });
    expect(payload.iss).toBe(did);
    expect(payload.sub).toBe(holderDid);
    expect(payload.vc.type).toEqual(['VerifiableCredential', 'X509Credential']);
    expect(payload.vc.credentialSubject).toEqual({
      id: holderDid,
      san: { otherName: '2.16.528.1.1007.99.2110-1-900030787-S-90000380-00.000-11223344' },
      subject: { O: 'Zorggroep De Linde & Co', L: 'Den Haag' },
    });
    expect(await verify(verifierNode, jwt)).toMatchObject({ status: 200, json: { validity: true } });
    // the issuing node has no trusted roots configured: it cannot accept its own did:x509
    expect((await verify(issuerNode, jwt)).json).toMatchObject({ validity: false, reason: 'untrusted_issuer' });
    // the holder keeps it in its wallet; the issued record is found under the did:x509
    expect((await internal(issuerNode, 'POST', '/internal/vcr/v2/holder/zorg/vc', JSON.stringify(jwt))).status).toBe(204);
    const found = await internal(issuerNode, 'GET', `/internal/vcr/v2/issuer/vc/search?credentialType=X509Credential&issuer=${encodeURIComponent(did)}`);
    expect(found.json.verifiableCredentials).toHaveLength(1);
  });

  it('rejects claims the certificate does not back, at issuing (400) and at verifying (reason)', async () => {
    const otherUra = '2.16.528.1.1007.99.2110-1-900030787-S-12345678-00.000-11223344';
    const r = await issue({ type: 'X509Credential', credentialSubject: { id: holderDid, san: { otherName: otherUra } } });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/claims more than the certificate: .*san\.otherName/);
    // a credential signed with the real key but claiming another URA is not accepted either
    const org = pki.organisations[0]!;
    const forged = await new SignJWT({ iss: org.did, sub: holderDid, jti: `${org.did}#1`, nbf: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600, vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'X509Credential'], credentialSubject: { id: holderDid, san: { otherName: otherUra }, subject: { O: ZORG.name } } } })
      .setProtectedHeader({ alg: 'RS256', kid: `${org.did}#0`, x5c: x5cOf(org) })
      .sign(createPrivateKey(readFileSync(org.files.key, 'utf8')));
    const v = await verify(verifierNode, forged);
    expect(v.json).toMatchObject({ validity: false, reason: 'x509' });
    expect(v.json.message).toMatch(/credentialSubject\.san\.otherName is .*12345678.* the certificate says .*90000380/);
  });

  it('refuses an expirationDate after the certificate notAfter, and a missing one', async () => {
    const late = await issue({ type: 'X509Credential', expirationDate: new Date(Date.now() + 5 * 365 * 86_400_000).toISOString() });
    expect(late.status).toBe(400);
    expect(late.json.detail).toMatch(/after the certificate's notAfter/);
    const none = await issue({ type: 'X509Credential', expirationDate: undefined, withStatusList2021Revocation: true });
    expect(none.status).toBe(400);
  });

  it('is JWT only', async () => {
    const r = await issue({ type: 'X509Credential', format: 'ldp_vc' });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/only be issued as jwt_vc/);
  });

  it('a chain from an untrusted root is untrusted_issuer; a tampered signature is signature', async () => {
    const r = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', {
      type: 'X509Credential', format: 'jwt_vc', issuer: holderDid, expirationDate: inAYear(), credentialSubject: { id: holderDid },
      x509: { chain: [readFileSync(rogue.organisations[0]!.files.chain, 'utf8')], privateKeyPem: readFileSync(rogue.organisations[0]!.files.key, 'utf8'), alg: 'PS256' },
    });
    expect(r.status).toBe(200);
    expect(decodeProtectedHeader(r.json).alg).toBe('PS256');
    expect((await verify(verifierNode, r.json)).json).toMatchObject({ validity: false, reason: 'untrusted_issuer' });
    const good = (await issue({ type: 'X509Credential' })).json as string;
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
    expect((await verify(verifierNode, tampered)).json).toMatchObject({ validity: false, reason: 'signature' });
  });
});

describe('HealthcareProviderCredential (LSPxNuts pilot)', () => {
  it('carries the URA and name from the certificate and verifies', async () => {
    const r = await issue({ type: 'HealthcareProviderCredential' });
    expect(r.status).toBe(200);
    const payload = decodeJwt(r.json) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(payload.vc.credentialSubject).toEqual({ id: holderDid, '@type': 'HealthcareProvider', identifier: { '@type': 'Identifier', system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '90000380' }, name: 'Zorggroep De Linde & Co' });
    expect((await verify(verifierNode, r.json)).json).toMatchObject({ validity: true });
    const wrong = await issue({ type: 'HealthcareProviderCredential', credentialSubject: { id: holderDid, identifier: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '11111111' }, name: ZORG.name } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.detail).toMatch(/identifier\.value is "11111111", the certificate says "90000380"/);
  });
});

describe.skipIf(noUpstream)('upstream judge: nuts-node e2e didx509 certificate (Fake UZI Root CA)', () => {
  it('an X509Credential minted from its chain and key verifies; the URA 00001 comes from its otherName', async () => {
    const chainPem = readFileSync(`${UPSTREAM}/nodeA-chain.pem`, 'utf8');
    const r = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', {
      type: 'X509Credential', format: 'jwt_vc', issuer: holderDid, expirationDate: inAYear(), credentialSubject: { id: holderDid },
      x509: { chain: [chainPem], privateKeyPem: readFileSync(`${UPSTREAM}/nodeA.key`, 'utf8') },
    });
    expect(r.status).toBe(200);
    const payload = decodeJwt(r.json) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(payload.iss).toMatch(/^did:x509:0:sha256:[A-Za-z0-9_-]{43}::san:otherName:2\.16\.528\.1\.1007\.99\.2110-1-0-S-00001-00\.000-0::subject:O:Because%20We%20Care:L:Healthland$/);
    expect(payload.vc.credentialSubject.subject).toEqual({ O: 'Because We Care', L: 'Healthland' });
    expect((await verify(verifierNode, r.json)).json).toMatchObject({ validity: true });
  });
});
