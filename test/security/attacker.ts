// What an attacker brings to the security tests: a fresh did:jwk key, self-made credentials, and VPs signed by hand, sent over HTTP.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { LabNode } from '../../node/src/main.js';
import { buildSubmission, matchDefinition, type PresentationDefinition, type PresentationSubmission } from '../../node/src/pe/index.js';

export const SCOPE = 'medicatieoverdracht';
export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

/** A key the attacker holds, and the DID it answers to. */
export interface Signer {
  did: string;
  kid: string;
  sign(claims: Record<string, unknown>): Promise<string>;
}

/** A brand-new did:jwk: resolvable by anyone, trusted by no one. */
export async function freshDidJwk(): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), use: 'sig' };
  const did = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
  const kid = `${did}#0`;
  return { did, kid, sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey) };
}

/** A key of a subject on a node the attacker runs (a did:web it controls). */
export async function nodeSigner(node: LabNode, subject: string): Promise<Signer> {
  const key = await node.vdr.subjects.signingKey(subject);
  return { did: key.did, kid: key.kid, sign: (claims) => node.crypto.service.signJwt(claims, key.kid, { headerKid: key.kid }) };
}

const CTX = ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'];

/** A credential without proof, issuer = subject = the attacker: anything it likes to claim. */
export function selfMade(did: string, type: string, subject: Record<string, unknown>): Record<string, unknown> {
  return { '@context': CTX, id: `${did}#${randomUUID()}`, type: ['VerifiableCredential', type], issuer: did, issuanceDate: new Date().toISOString(), credentialSubject: { id: did, ...subject } };
}

/** The same claim as a JWT credential the attacker signs itself (a proof, but from an issuer no one trusts). */
export async function selfSigned(s: Signer, type: string, subject: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return s.sign({ iss: s.did, sub: s.did, jti: `${s.did}#${randomUUID()}`, nbf: now, iat: now, exp: now + 3600, vc: { '@context': CTX, type: ['VerifiableCredential', type], credentialSubject: { id: s.did, ...subject } } });
}

export const organisation = (ura: string, name = 'Zorggroep Zelfgemaakt') => ({ organization: { ura, name, city: 'Nergenshuizen' } });
export const employee = (roleCode = '01.015') => ({ name: 'E. Vil', roleName: 'Huisarts', roleCode, identifier: 'evil-1' });

/** A JWT VP over `credentials`, signed by `s` (or only claimed to be, see `forge`), for audience `aud`. */
export async function vpJwt(s: Signer, credentials: unknown[], o: { aud: string; nonce?: string; jti?: string; claims?: Record<string, unknown> }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return s.sign({
    iss: s.did,
    sub: s.did,
    jti: o.jti ?? `${s.did}#${randomUUID()}`,
    nbf: now,
    iat: now,
    exp: now + 5,
    nonce: o.nonce ?? randomUUID(),
    aud: o.aud,
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials },
    ...o.claims,
  });
}

/** A submission that maps descriptor i to credential i, whether or not the holder-side matcher would pick it. */
export function submissionByPosition(pd: PresentationDefinition, formats: string[]): PresentationSubmission {
  return { id: randomUUID(), definition_id: pd.id, descriptor_map: pd.input_descriptors.map((d, i) => ({ id: d.id, format: formats[i]!, path: `$.verifiableCredential[${i}]` })) };
}

/** The submission the honest client builds for `credentials` (they must fulfil the definition). */
export function honestSubmission(pd: PresentationDefinition, credentials: unknown[]): { submission: PresentationSubmission; credentials: unknown[] } {
  const m = matchDefinition(pd, credentials as Array<string | Record<string, unknown>>);
  if (!m.ok) throw new Error(`test set-up: the credentials do not fulfil ${pd.id}`);
  return buildSubmission(pd, m.chosen, randomUUID());
}

/** The RFC021 vp_token-bearer token request, as sent on the wire. */
export async function tokenRequest(asIssuer: string, vp: string, submission: PresentationSubmission, clientId: string, scope = SCOPE) {
  const res = await fetch(`${asIssuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'vp_token-bearer', assertion: vp, presentation_submission: JSON.stringify(submission), scope, client_id: clientId }).toString(),
  });
  return { status: res.status, json: (await res.json()) as { access_token?: string; token_type?: string; error?: string; error_description?: string } };
}

/** A FHIR search with a Bearer token: what the attacker reads once it has a token. */
export async function fhirSearch(fhirBase: string, token: string, bsn: string) {
  const res = await fetch(`${fhirBase}/MedicationRequest?patient.identifier=${encodeURIComponent(`${BSN_SYSTEM}|${bsn}`)}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
  return { status: res.status, json: (await res.json()) as { resourceType?: string; entry?: unknown[] } };
}
