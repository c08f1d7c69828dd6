// Test access tokens for /fhir: ES256 JWTs signed with a key made per test run, checked by a jose-backed AccessTokenVerifier.
import { SignJWT, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import type { AccessTokenVerifier } from '../../node/src/fhir/index.js';

export interface TestTokens {
  verifier: AccessTokenVerifier;
  token(claims: { scope?: string; employee_role_code?: string; [k: string]: unknown }, opts?: { expiresIn?: string }): Promise<string>;
}

/** Stands in for the auth module's local introspection: signature, expiry and issuer are really checked. */
export async function testTokens(issuer = 'https://as.test'): Promise<TestTokens> {
  const { privateKey, publicKey } = (await generateKeyPair('ES256')) as { privateKey: CryptoKey; publicKey: CryptoKey };
  return {
    verifier: {
      async verify(req) {
        const [scheme, value] = (req.authorization ?? '').split(' ');
        if (scheme?.toLowerCase() !== 'bearer' || !value) return { active: false, error: 'invalid_token', reason: 'only Bearer tokens in this test verifier' };
        try {
          const { payload } = await jwtVerify(value, publicKey, { issuer });
          return { active: true, scope: String(payload.scope ?? ''), client_id: String(payload.client_id ?? 'test-client'), ...payload };
        } catch (e) {
          return { active: false, error: 'invalid_token', reason: (e as Error).message };
        }
      },
    },
    async token(claims, opts = {}) {
      return new SignJWT({ client_id: 'did:web:client.test', organization_ura: '90000303', organization_name: 'Thuiszorg De Zonnebloem', ...claims })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? '5m')
        .sign(privateKey);
    },
  };
}
