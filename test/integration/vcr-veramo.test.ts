// Veramo as an independent implementation: our JWT VC/VP verify in Veramo, a Veramo JWT VC verifies here, and we reject what Veramo lets through.
import { ECDH } from 'node:crypto';
import { createAgent, type ICredentialPlugin, type IDIDManager, type IKeyManager, type IResolver, type TAgent } from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { WebDIDProvider } from '@veramo/did-provider-web';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal, startTestNode } from '../helpers/node.js';

type Agent = TAgent<IDIDManager & IKeyManager & IResolver & ICredentialPlugin>;
let node: LabNode;
let agent: Agent;
let org: string;
let holder: string;

beforeAll(async () => {
  node = await startTestNode('veramo');
  org = (await internal(node, 'POST', '/internal/vdr/v2/subject', { subject: 'org' })).json.documents[0].id;
  holder = (await internal(node, 'POST', '/internal/vdr/v2/subject', { subject: 'holder' })).json.documents[0].id;
  agent = createAgent<IDIDManager & IKeyManager & IResolver & ICredentialPlugin>({
    plugins: [
      new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
      new DIDManager({ store: new MemoryDIDStore(), defaultProvider: 'did:web', providers: { 'did:web': new WebDIDProvider({ defaultKms: 'local' }) } }),
      new DIDResolverPlugin({ resolver: node.vdr.resolver.asResolvable() }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  });
});
afterAll(async () => node?.stop());

const uraRequest = () => ({ type: 'NutsUraCredential', issuer: org, format: 'jwt_vc', expirationDate: new Date(Date.now() + 3600_000).toISOString(), credentialSubject: { id: holder, organization: { ura: '12345678', name: 'De Linde' } } });

describe('Veramo verifies what we issue', () => {
  it('our JWT VC', async () => {
    const vc = (await internal(node, 'POST', '/internal/vcr/v2/issuer/vc', uraRequest())).json as string;
    const r = await agent.verifyCredential({ credential: vc });
    expect(r.error).toBeUndefined();
    expect(r.verified).toBe(true);
    const tampered = vc.slice(0, -4) + (vc.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await agent.verifyCredential({ credential: tampered })).verified).toBe(false);
  });
  it('our JWT VP', async () => {
    const vc = (await internal(node, 'POST', '/internal/vcr/v2/issuer/vc', uraRequest())).json as string;
    const vp = await node.vcr.holder.createPresentation({ credentials: [vc], format: 'jwt_vp', challenge: 'nonce-1', domain: 'https://as.example', lifetimeSeconds: 60 });
    const r = await agent.verifyPresentation({ presentation: vp as string, challenge: 'nonce-1', domain: 'https://as.example' });
    expect(r.error).toBeUndefined();
    expect(r.verified).toBe(true);
  });
});

describe('we verify what Veramo issues', () => {
  it('a Veramo JWT VC (did:web resolved through our resolver)', async () => {
    const id = await agent.didManagerCreate({ alias: 'veramo.example:issuer', options: { key: { type: 'Secp256r1' } } });
    const key = id.keys[0]!;
    const pt = ECDH.convertKey(key.publicKeyHex, 'prime256v1', 'hex', undefined, 'uncompressed') as Buffer;
    const jwk = { kty: 'EC', crv: 'P-256', x: pt.subarray(1, 33).toString('base64url'), y: pt.subarray(33, 65).toString('base64url') };
    node.vdr.resolver.addStatic({ id: id.did, verificationMethod: [{ id: `${id.did}#key-0`, type: 'JsonWebKey2020', controller: id.did, publicKeyJwk: jwk }], assertionMethod: [`${id.did}#key-0`], authentication: [`${id.did}#key-0`] });
    const vc = await agent.createVerifiableCredential({
      proofFormat: 'jwt',
      credential: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'NutsOrganizationCredential'], issuer: { id: id.did }, expirationDate: new Date(Date.now() + 3600_000).toISOString(), credentialSubject: { id: holder, organization: { name: 'Veramo Zorg', city: 'Utrecht' } } },
    });
    const jwt = vc.proof.jwt as string;
    expect(await node.vcr.verifier.verifyCredential(jwt)).toMatchObject({ valid: true });
    const forged = jwt.split('.').map((p, i) => (i === 1 ? Buffer.from(Buffer.from(p, 'base64url').toString().replace('Veramo Zorg', 'Forged Zorg')).toString('base64url') : p)).join('.');
    expect(await node.vcr.verifier.verifyCredential(forged)).toMatchObject({ valid: false, code: 'signature' });
  });

  it('a valid VP wrapping a forged credential: Veramo accepts it, we reject it', async () => {
    const vc = (await internal(node, 'POST', '/internal/vcr/v2/issuer/vc', uraRequest())).json as string;
    const [h, p, s] = vc.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.vc.credentialSubject.organization.ura = '99999999';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const vp = (await node.vcr.holder.createPresentation({ credentials: [forged], format: 'jwt_vp', challenge: 'n', domain: 'https://as.example' })) as string;
    expect((await agent.verifyPresentation({ presentation: vp, challenge: 'n', domain: 'https://as.example' })).verified).toBe(true);
    expect(await node.vcr.verifier.verifyPresentation(vp, { challenge: 'n', domain: 'https://as.example' })).toMatchObject({ valid: false, code: 'signature' });
  });
});
