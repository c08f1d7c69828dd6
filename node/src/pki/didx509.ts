// did:x509 (v0): building a DID from a certificate chain, and resolving one from the x5c chain that came with it.
import './reflect.js';
import { createHash, createPublicKey } from 'node:crypto';
import { BasicConstraintsExtension, X509Certificate } from '@peculiar/x509';
import type { JWK } from 'jose';
import type { DIDDocument } from '../vdr/index.js';
import { x509Fail } from './errors.js';
import { readSan, type SanValues } from './uzi.js';

export type HashAlg = 'sha256' | 'sha384' | 'sha512';
const HASHES: readonly HashAlg[] = ['sha256', 'sha384', 'sha512'];

export interface DidX509Policy {
  name: 'subject' | 'san';
  /** key/value pairs, values percent-decoded */
  pairs: Array<[string, string]>;
}

export interface ParsedDidX509 {
  did: string;
  hashAlg: HashAlg;
  fingerprint: string;
  policies: DidX509Policy[];
}

export const SUBJECT_KEYS: Record<string, string> = { CN: '2.5.4.3', L: '2.5.4.7', ST: '2.5.4.8', O: '2.5.4.10', OU: '2.5.4.11', C: '2.5.4.6', STREET: '2.5.4.9', serialNumber: '2.5.4.5' };
const SAN_KEYS = ['otherName', 'email', 'dns', 'uri', 'ip', 'permanentIdentifier.value', 'permanentIdentifier.assigner'];

/** did:x509 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" is escaped. */
export const pctEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function pctDecode(s: string, did: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return x509Fail('malformed', `did:x509 ${did} has an invalid percent-encoding in '${s}'`);
  }
}

/** Parses `did:x509:0:<alg>:<fingerprint>::<policy>:<k>:<v>…`; `eku` and `fulcio-issuer` are refused, as nuts-node does. */
export function parseDidX509(did: string): ParsedDidX509 {
  const [head, ...policyParts] = did.split('::');
  const m = /^did:x509:([^:]+):([^:]+):([A-Za-z0-9_-]+)$/.exec(head ?? '');
  if (!m) return x509Fail('malformed', `not a did:x509 of the form did:x509:0:<hash>:<ca-fingerprint>::<policy>…: ${did}`);
  if (m[1] !== '0') x509Fail('malformed', `did:x509 version '${m[1]}' is not supported (only 0)`);
  if (!HASHES.includes(m[2] as HashAlg)) x509Fail('malformed', `did:x509 hash algorithm '${m[2]}' is not supported (${HASHES.join(', ')})`);
  if (!policyParts.length) x509Fail('malformed', 'did:x509 needs at least one policy');
  const policies: DidX509Policy[] = policyParts.map((p) => {
    const [name, ...rest] = p.split(':');
    if (name === 'eku' || name === 'fulcio-issuer') return x509Fail('malformed', `did:x509 policy '${name}' is not supported by this node (as in nuts-node)`);
    if (name !== 'subject' && name !== 'san') return x509Fail('malformed', `unknown did:x509 policy '${String(name)}'`);
    if (!rest.length || rest.length % 2) return x509Fail('malformed', `did:x509 policy '${p}' must be ${name}:<key>:<value>[:<key>:<value>…]`);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < rest.length; i += 2) {
      const key = rest[i]!;
      if (name === 'subject' && !SUBJECT_KEYS[key]) x509Fail('malformed', `did:x509 subject policy key '${key}' is not supported (${Object.keys(SUBJECT_KEYS).join(', ')})`);
      if (name === 'san' && !SAN_KEYS.includes(key)) x509Fail('malformed', `did:x509 san policy type '${key}' is not supported (${SAN_KEYS.join(', ')})`);
      if (pairs.some(([k]) => k === key)) x509Fail('malformed', `did:x509 policy '${name}' names '${key}' twice`);
      pairs.push([key, pctDecode(rest[i + 1]!, did)]);
    }
    return { name, pairs };
  });
  return { did, hashAlg: m[2] as HashAlg, fingerprint: m[3]!, policies };
}

export const fingerprint = (cert: X509Certificate, alg: HashAlg = 'sha256') => createHash(alg).update(new Uint8Array(cert.rawData)).digest('base64url');

export function subjectValues(cert: X509Certificate, key: string): string[] {
  return cert.subjectName.getField(SUBJECT_KEYS[key] ?? key);
}

/** Values of the leaf certificate a policy key refers to. */
function certValues(policy: DidX509Policy['name'], key: string, cert: X509Certificate, san: SanValues): string[] {
  if (policy === 'subject') return subjectValues(cert, key);
  if (key === 'permanentIdentifier.value') return san.permanentIdentifier.map((p) => p.value ?? '');
  if (key === 'permanentIdentifier.assigner') return san.permanentIdentifier.map((p) => p.assigner ?? '');
  return san[key as 'otherName' | 'email' | 'dns' | 'uri' | 'ip'];
}

export interface DidX509Options {
  /** index in the chain of the CA whose fingerprint the DID pins; default the last (the root) */
  caIndex?: number;
  /** subject attributes to pin (default O and L, as go-didx509-toolkit) */
  subject?: string[];
  /** SAN types to pin (default otherName) */
  san?: string[];
}

/** The did:x509 of a chain (leaf first): pins a CA by SHA-256 fingerprint and the leaf by its UZI otherName, O and L. */
export function didX509For(chain: X509Certificate[], opts: DidX509Options = {}): string {
  if (chain.length < 2) throw new TypeError('a did:x509 needs a chain of at least the leaf and one CA');
  const ca = chain[opts.caIndex ?? chain.length - 1];
  if (!ca || ca === chain[0]) throw new TypeError('caIndex must point at a CA certificate of the chain');
  const leaf = chain[0]!;
  const san = readSan(leaf);
  const parts = [`did:x509:0:sha256:${fingerprint(ca)}`];
  for (const key of opts.san ?? ['otherName']) {
    const v = certValues('san', key, leaf, san)[0];
    if (v === undefined) throw new TypeError(`the certificate has no SAN ${key}`);
    parts.push(`san:${key}:${pctEncode(v)}`);
  }
  const subject = (opts.subject ?? ['O', 'L']).flatMap((k) => {
    const v = subjectValues(leaf, k)[0];
    return v === undefined ? [] : [`${k}:${pctEncode(v)}`];
  });
  if (subject.length) parts.push(`subject:${subject.join(':')}`);
  return parts.join('::');
}

export interface X509Resolution {
  document: DIDDocument;
  parsed: ParsedDidX509;
  leaf: X509Certificate;
  /** the validated path, leaf first, ending at the trusted root */
  path: X509Certificate[];
  san: SanValues;
  publicKeyJwk: JWK;
}

export interface TrustAnchorSource {
  anchors(): X509Certificate[];
}

function decodeChain(x5c: unknown): X509Certificate[] {
  if (!Array.isArray(x5c) || !x5c.length || x5c.some((c) => typeof c !== 'string')) return x509Fail('x509', 'did:x509 is resolved from the certificate chain that comes with it: the JWT needs an x5c header (array of base64 DER certificates, leaf first)');
  return x5c.map((c: string, i) => {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(c)) return x509Fail('x509', `x5c[${i}] is not standard base64 DER`);
    try {
      return new X509Certificate(Buffer.from(c, 'base64'));
    } catch (e) {
      return x509Fail('x509', `x5c[${i}] is not an X.509 certificate: ${(e as Error).message}`);
    }
  });
}

const isCa = (c: X509Certificate) => c.getExtension(BasicConstraintsExtension)?.ca === true;
const describe = (c: X509Certificate) => `'${c.subject}'`;

async function signedBy(child: X509Certificate, parent: X509Certificate): Promise<boolean> {
  if (child.issuer !== parent.subject) return false;
  try {
    return await child.verify({ publicKey: parent, signatureOnly: true });
  } catch {
    return false;
  }
}

/**
 * Resolves a did:x509 with the x5c chain that came with it: the chain must verify up to a trusted root, a CA in it must
 * have the DID's fingerprint, every certificate must be valid at `at`, and every policy must hold for the leaf.
 * Throws X509Failure with the verification code (x509, untrusted_issuer, expired, not_yet_valid, malformed).
 */
export async function resolveDidX509(did: string, x5c: unknown, opts: { trust: TrustAnchorSource; at: Date }): Promise<X509Resolution> {
  const parsed = parseDidX509(did);
  const chain = decodeChain(x5c);
  const leaf = chain[0]!;
  // build the path: each certificate signed by the next; then anchor it at a configured root
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!(await signedBy(chain[i]!, chain[i + 1]!))) x509Fail('x509', `x5c[${i}] ${describe(chain[i]!)} is not signed by x5c[${i + 1}] ${describe(chain[i + 1]!)}: the chain is broken`);
  }
  const anchors = opts.trust.anchors();
  const last = chain[chain.length - 1]!;
  const path = [...chain];
  const selfSigned = chain.length > 1 && (await signedBy(last, last));
  if (selfSigned) {
    if (!anchors.some((a) => fingerprint(a) === fingerprint(last))) x509Fail('untrusted_issuer', `untrusted issuer: root CA ${describe(last)} (sha256 ${fingerprint(last)}) is not a trusted did:x509 root (vcr.x509.trustedRoots)`);
  } else {
    let anchor: X509Certificate | undefined;
    for (const a of anchors) if (await signedBy(last, a)) anchor = a;
    if (!anchor) x509Fail('untrusted_issuer', `untrusted issuer: the chain ends at ${describe(last)}, issued by '${last.issuer}', which is not a trusted did:x509 root (vcr.x509.trustedRoots)`);
    path.push(anchor!);
  }
  for (const [i, c] of path.slice(1).entries()) if (!isCa(c)) x509Fail('x509', `certificate ${i + 1} ${describe(c)} of the chain is not a CA (basicConstraints cA)`);
  const ca = path.slice(1).find((c) => fingerprint(c, parsed.hashAlg) === parsed.fingerprint);
  if (!ca) x509Fail('x509', `no CA certificate in the chain has the ${parsed.hashAlg} fingerprint ${parsed.fingerprint} of the DID`);
  for (const c of path) {
    if (c.notBefore.getTime() > opts.at.getTime()) x509Fail('not_yet_valid', `certificate ${describe(c)} is not valid yet (valid from ${c.notBefore.toISOString()})`);
    if (c.notAfter.getTime() < opts.at.getTime()) x509Fail('expired', `certificate ${describe(c)} is expired (since ${c.notAfter.toISOString()})`);
  }
  let san: SanValues;
  try {
    san = readSan(leaf);
  } catch (e) {
    return x509Fail('x509', `the leaf certificate's subjectAltName cannot be read: ${(e as Error).message}`);
  }
  for (const p of parsed.policies) {
    for (const [key, value] of p.pairs) {
      const actual = certValues(p.name, key, leaf, san);
      if (!actual.includes(value)) x509Fail('x509', `did:x509 policy ${p.name}:${key} '${value}' does not match the certificate (${actual.length ? actual.map((a) => `'${a}'`).join(', ') : 'absent'})`);
    }
  }
  const publicKeyJwk = createPublicKey({ key: Buffer.from(leaf.publicKey.rawData), format: 'der', type: 'spki' }).export({ format: 'jwk' }) as JWK;
  const vmId = `${did}#0`;
  const document: DIDDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json'],
    id: did,
    verificationMethod: [{ id: vmId, type: 'JsonWebKey2020', controller: did, publicKeyJwk }],
    assertionMethod: [vmId],
  };
  return { document, parsed, leaf, path, san, publicKeyJwk };
}
