// What an attacker brings to the security tests: fresh keys (did:jwk, or a did:web it serves), self-made credentials,
// VPs signed by hand, sent over HTTP; and hostile servers for the node to fetch from.
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { LabNode } from '../../node/src/main.js';
import { buildSubmission, matchDefinition, type PresentationDefinition, type PresentationSubmission } from '../../node/src/pe/index.js';

export const SCOPE = 'medicatieoverdracht-employee';
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

/** did:web of a host:port and a path, percent-encoded as the method requires */
export const didWebAt = (hostPort: string, ...path: string[]) => ['did', 'web', encodeURIComponent(hostPort), ...path].join(':');

/** A fresh key for a DID of the attacker's choosing (a did:web on a server it runs, or one it only claims), with its DID document. */
export async function signerFor(did: string): Promise<Signer & { document: Record<string, unknown> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const publicKeyJwk = await exportJWK(publicKey);
  const kid = `${did}#0`;
  const document = { '@context': ['https://www.w3.org/ns/did/v1'], id: did, verificationMethod: [{ id: kid, type: 'JsonWebKey2020', controller: did, publicKeyJwk }], assertionMethod: [kid], authentication: [kid] };
  return { did, kid, document, sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey) };
}

/** Signs as `claimed` (its DID and kid in the header) with a key that is not in its document: a forgery. */
export async function impostorOf(claimed: Signer): Promise<Signer> {
  const { privateKey } = await generateKeyPair('ES256');
  return { did: claimed.did, kid: claimed.kid, sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: claimed.kid, typ: 'JWT' }).sign(privateKey) };
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

/**
 * A stranger's token request at `as` (subject `subject`), signed by `s`: a URA credential it signed itself and a
 * self-made employee credential, shaped to fulfil the definition, so the AS goes on to resolve and verify the signer.
 */
export async function strangerTokenRequest(as: LabNode, subject: string, s: Signer) {
  const credentials = [await selfSigned(s, 'NutsUraCredential', organisation('12345678', 'Attacker B.V.')), selfMade(s.did, 'NutsEmployeeCredential', employee())];
  const issuer = `${as.url}/oauth2/${subject}`;
  const built = honestSubmission(as.policy.policies.definition(SCOPE), credentials);
  return tokenRequest(issuer, await vpJwt(s, built.credentials, { aud: issuer }), built.submission, 'https://attacker.example/oauth2/eve');
}

export interface HostileServer {
  /** host:port it listens on (127.0.0.1) */
  hostPort: string;
  port: number;
  /** HTTP requests it received, and TCP connections (a refused fetch makes neither) */
  requests: string[];
  connections: () => number;
  close(): Promise<void>;
}

/** An HTTP server on a free loopback port whose behaviour the test chooses, counting every connection it gets. */
export async function hostileServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<HostileServer> {
  const requests: string[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    hostPort: `127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * An HTTP request with exactly these headers (fetch adds its own Sec-Fetch-Mode and content type): what a browser sends
 * for another site's page, byte for byte where it matters. `body` as raw bytes, e.g. gzip.
 */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string | Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
