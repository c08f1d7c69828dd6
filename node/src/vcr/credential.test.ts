// Shared decodes of JWT credentials: one parse per string, frozen so no caller can change what another reads.
import { SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeJwtCached, decodeJwtParts, parseCredential } from './credential.js';

const { privateKey } = await generateKeyPair('ES256');
const did = 'did:web:example.com:iam:org';
const jwt = await new SignJWT({ vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'NutsUraCredential'], credentialSubject: { organization: { ura: '1', name: 'Org' } } } })
  .setProtectedHeader({ alg: 'ES256', kid: `${did}#0` })
  .setIssuer(did)
  .setSubject(did)
  .setJti(`${did}#1`)
  .setNotBefore(1_700_000_000)
  .sign(privateKey);

describe('JWT credential parse cache', () => {
  it('parses a string once and hands every caller the same frozen result', () => {
    const a = parseCredential(jwt);
    expect(parseCredential(` ${jwt}`.trim())).toBe(a);
    expect(a.document).toMatchObject({ id: `${did}#1`, issuer: did, credentialSubject: { id: did, organization: { ura: '1' } }, issuanceDate: '2023-11-14T22:13:20.000Z' });
    expect(() => {
      (a.document.credentialSubject as { id: string }).id = 'did:web:evil';
    }).toThrow(TypeError);
    expect(() => a.types.push('Other')).toThrow(TypeError);
    expect(parseCredential(jwt).subjectId).toBe(did);
  });

  it('decodes natively what jose decodes, and leaves malformed input to jose and its error', async () => {
    const { decodeJwt, decodeProtectedHeader } = await import('jose');
    expect(decodeJwtCached(jwt)).toEqual({ header: decodeProtectedHeader(jwt), payload: decodeJwt(jwt) });
    expect(() => decodeJwtParts('a.b')).toThrow(/not a decodable JWT: Invalid Token or Protected Header/);
    const [h, , s] = jwt.split('.');
    expect(() => decodeJwtParts(`${h}.${Buffer.from('[1]').toString('base64url')}.${s}`)).toThrow(/not a decodable JWT: Invalid JWT Claims Set/);
    expect(() => decodeJwtParts(`${h}.${Buffer.from('{"a":').toString('base64url')}.${s}`)).toThrow(/not a decodable JWT: Failed to parse/);
  });
});
