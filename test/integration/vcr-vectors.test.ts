// nuts-node's signed vectors as the judge of our JSON-LD canonicalisation, JsonWebSignature2020 and VP rules.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { verifyLdProofWithKey } from '../../node/src/vcr/index.js';
import { externalMissing, externalPath, readExternalJson } from '../helpers/external.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
const SELFSIGNED = ['nuts-node', 'auth', 'services', 'selfsigned', 'test'];
const inValidity = new Date('2023-04-21T12:00:00Z');

// every vector is upstream material: without ../shared/external/nuts-node the whole file skips
const missing = externalMissing('nuts-node');

beforeAll(async () => {
  if (missing) return;
  node = await startTestNode('vectors');
  node.vdr.resolver.addStatic(readExternalJson(...SELFSIGNED, 'diddocument.json'));
  // vcr/test/public.json is the key of vcr/assets/test_assets/vc.json; its DID document is not in the repository, so we state it
  const jwk = readExternalJson('nuts-node', 'vcr', 'test', 'public.json').publicKeyJwk;
  const did = 'did:nuts:CuE3qeFGGLhEAS3gKzhMCeqd1dGa9at5JCbmCfyMU2Ey';
  const kid = `${did}#sNGDQ3NlOe6Icv0E7_ufviOLG6Y25bSEyS5EbXBgp8Y`;
  node.vdr.resolver.addStatic({ id: did, verificationMethod: [{ id: kid, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk }], assertionMethod: [kid] });
});
afterAll(async () => node?.stop());

describe.skipIf(missing)('jsonld testsuite fixtures (key: jsonld/testsuite/private_key.pem)', () => {
  const key = () => createPublicKey(readFileSync(externalPath('nuts-node', 'jsonld', 'testsuite', 'private_key.pem'), 'utf8'));
  for (const f of ['orgcred_001.ldjson', 'authcred_001.ldjson']) {
    it(`${f} verifies`, async () => {
      expect(await verifyLdProofWithKey(readExternalJson('nuts-node', 'jsonld', 'testsuite', 'fixtures', f), key())).toBe(true);
    });
    it(`${f} with one changed subject field fails`, async () => {
      const doc = readExternalJson('nuts-node', 'jsonld', 'testsuite', 'fixtures', f);
      if (doc.credentialSubject.organization) doc.credentialSubject.organization.name = 'Someone else B.V.';
      else doc.credentialSubject.purposeOfUse = 'other';
      expect(await verifyLdProofWithKey(doc, key())).toBe(false);
    });
  }
});

describe.skipIf(missing)('vcr/assets/test_assets/vc.json (key: vcr/test/public.json)', () => {
  it('verifies', async () => {
    const r = await node.vcr.verifier.verifyCredential(readExternalJson('nuts-node', 'vcr', 'assets', 'test_assets', 'vc.json'));
    expect(r).toMatchObject({ valid: true });
    expect(r.credential?.types).toContain('NutsOrganizationCredential');
  });
  it('a tampered copy fails with reason signature', async () => {
    const vc = readExternalJson('nuts-node', 'vcr', 'assets', 'test_assets', 'vc.json');
    vc.credentialSubject.organization.city = 'Elders';
    expect(await node.vcr.verifier.verifyCredential(vc)).toMatchObject({ valid: false, code: 'signature' });
  });
  it('fails as untrusted issuer when trust is required and the issuer is not trusted', async () => {
    const vc = readExternalJson('nuts-node', 'vcr', 'assets', 'test_assets', 'vc.json');
    expect(await node.vcr.verifier.verifyCredential(vc, { checkTrust: true })).toMatchObject({ valid: false, code: 'untrusted_issuer' });
    await node.vcr.trust.trust('NutsOrganizationCredential', vc.issuer);
    expect(await node.vcr.verifier.verifyCredential(vc, { checkTrust: true })).toMatchObject({ valid: true });
  });
});

describe.skipIf(missing)('auth/services/selfsigned vectors (DID document: diddocument.json)', () => {
  it('vc.json verifies inside its validity and is expired after proof.expires', async () => {
    const vc = readExternalJson(...SELFSIGNED, 'vc.json');
    expect(await node.vcr.verifier.verifyCredential(vc, { validAt: inValidity })).toMatchObject({ valid: true });
    expect(await node.vcr.verifier.verifyCredential(vc, { validAt: new Date('2023-05-01T00:00:00Z') })).toMatchObject({ valid: false, code: 'expired' });
  });
  it('vp.json verifies, with its credential bound to the signer', async () => {
    const r = await node.vcr.verifier.verifyPresentation(readExternalJson(...SELFSIGNED, 'vp.json'), { validAt: inValidity });
    expect(r.message).toBe('presentation is valid');
    expect(r.valid).toBe(true);
    expect(r.presentation?.signer).toBe('did:nuts:8NYzfsndZJHh6GqzKiSBpyERrFxuX64z6tE5raa7nEjm');
    expect(r.presentation?.credentials).toHaveLength(1);
  });
  it('vp.json with a wrong expected challenge fails with reason challenge', async () => {
    const r = await node.vcr.verifier.verifyPresentation(readExternalJson(...SELFSIGNED, 'vp.json'), { validAt: inValidity, challenge: 'something else' });
    expect(r).toMatchObject({ valid: false, code: 'challenge' });
  });
  it('vp.json with a tampered embedded credential fails on that credential', async () => {
    const vp = readExternalJson(...SELFSIGNED, 'vp.json');
    vp.verifiableCredential[0].credentialSubject[0].member.roleName = 'Chirurg';
    const r = await node.vcr.verifier.verifyPresentation(vp, { validAt: inValidity });
    expect(r.valid).toBe(false);
  });
  const negatives: Array<[string, string]> = [
    ['vp_incorrect_proof_type.json', 'signature'],
    // signed by DIDs whose documents are not part of the vectors: the signer cannot be resolved
    ['vp_incorrect_signer.json', 'unresolvable'],
    ['vp_incorrect_subject.json', 'unresolvable'],
    ['vp_invalid_contract.json', 'signature'],
    ['vp_missing_proof.json', 'signature'],
  ];
  for (const [file, code] of negatives) {
    it(`${file} fails with a reason`, async () => {
      const r = await node.vcr.verifier.verifyPresentation(readExternalJson(...SELFSIGNED, file), { validAt: inValidity });
      expect(r.valid).toBe(false);
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(10);
    });
  }
  it('vc-without-role.json fails with a reason', async () => {
    // its proof was made over the credential with the role; without it the signature no longer holds
    const r = await node.vcr.verifier.verifyCredential(readExternalJson(...SELFSIGNED, 'vc-without-role.json'), { validAt: inValidity });
    expect(r).toMatchObject({ valid: false, code: 'signature' });
  });
});
