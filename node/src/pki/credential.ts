// X509Credential / HealthcareProviderCredential: issuing with a UZI server certificate's key, and verifying against its did:x509.
import './reflect.js';
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { X509Certificate } from '@peculiar/x509';
import { SignJWT, compactVerify } from 'jose';
import { NodeError, invalidInput } from '../core/errors.js';
import { URA_SYSTEM } from '../fhir/types.js';
import type { DidResolver } from '../vdr/index.js';
import { X509_TYPES, fail, type IssueRequest, type ParsedCredential, type X509IssuingPlan } from '../vcr/index.js';
import { didX509For, resolveDidX509, type DidX509Options, type X509Resolution } from './didx509.js';
import type { X509DidMethod } from './method.js';
import { X509Failure } from './errors.js';
import { certificatesFromPem } from './trust.js';
import { parseUziOtherName } from './uzi.js';

export type X509Alg = 'RS256' | 'PS256' | 'ES256';
const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];

/** A certificate chain (leaf first) with the leaf's private key: what an organisation issues with. */
export interface CertificateMaterial {
  chain: X509Certificate[];
  key: KeyObject;
  alg: X509Alg;
  didOptions?: DidX509Options;
}

const b64 = (c: X509Certificate) => Buffer.from(c.rawData).toString('base64');
const sameKey = (a: KeyObject, b: KeyObject) => JSON.stringify(a.export({ format: 'jwk' })) === JSON.stringify(b.export({ format: 'jwk' }));
const publicKeyOf = (c: X509Certificate) => createPublicKey({ key: Buffer.from(c.publicKey.rawData), format: 'der', type: 'spki' });

/**
 * Certificates (PEM blocks or base64 DER, any order) and a PKCS#8/PKCS#1 PEM key → material with the chain ordered
 * leaf first: the leaf is the certificate of the key, each next one the issuer of the previous. Bad input → 400.
 */
export function loadMaterial(certs: string | string[], keyPem: string, alg?: X509Alg): CertificateMaterial {
  const all: X509Certificate[] = [];
  for (const item of [certs].flat()) {
    try {
      if (item.includes('-----BEGIN')) all.push(...certificatesFromPem(item));
      else all.push(new X509Certificate(Buffer.from(item.trim(), 'base64')));
    } catch (e) {
      throw invalidInput(`certificate chain cannot be read: ${(e as Error).message}`);
    }
  }
  if (!all.length) throw invalidInput('certificate chain is empty');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw invalidInput(`private key cannot be read (PEM expected): ${(e as Error).message}`);
  }
  const pub = createPublicKey(key);
  const leaf = all.find((c) => sameKey(publicKeyOf(c), pub));
  if (!leaf) throw invalidInput('the private key does not belong to any certificate of the chain');
  const chain = [leaf];
  for (let cur = leaf; ; ) {
    const next = all.find((c) => !chain.includes(c) && c.subject === cur.issuer);
    if (!next) break;
    chain.push((cur = next));
  }
  const kty = key.asymmetricKeyType;
  const chosen = alg ?? (kty === 'rsa' ? 'RS256' : 'ES256');
  if (chosen === 'ES256' ? kty !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1' : kty !== 'rsa') throw invalidInput(`algorithm ${chosen} does not fit a ${kty} key`);
  return { chain, key, alg: chosen };
}

/** The credentialSubject (without id) the did:x509 policies back, for each X509-issued type. Throws a reason when it cannot. */
export function backedSubject(type: string, res: X509Resolution): Record<string, unknown> {
  const san = Object.fromEntries(res.parsed.policies.filter((p) => p.name === 'san').flatMap((p) => p.pairs));
  const subject = Object.fromEntries(res.parsed.policies.filter((p) => p.name === 'subject').flatMap((p) => p.pairs));
  if (type === 'HealthcareProviderCredential') {
    const ura = san['permanentIdentifier.value'] ?? (san.otherName ? parseUziOtherName(san.otherName)?.ura : undefined);
    if (!ura) throw new TypeError('the did:x509 pins no URA (san:otherName of a UZI server certificate, or san:permanentIdentifier.value)');
    if (!subject.O) throw new TypeError('the did:x509 pins no organisation name (subject:O)');
    return { '@type': 'HealthcareProvider', identifier: { '@type': 'Identifier', system: URA_SYSTEM, value: ura }, name: subject.O };
  }
  return { ...(Object.keys(san).length ? { san } : {}), ...(Object.keys(subject).length ? { subject } : {}) };
}

/** First claim of `claimed` that `backed` does not contain with the same value, as a readable reason. */
export function claimProblem(claimed: unknown, backed: unknown, at = 'credentialSubject'): string | undefined {
  if (claimed && typeof claimed === 'object' && !Array.isArray(claimed)) {
    if (!backed || typeof backed !== 'object') return `${at} is not backed by the certificate`;
    for (const [k, v] of Object.entries(claimed)) {
      if (at === 'credentialSubject' && k === 'id') continue;
      const b = (backed as Record<string, unknown>)[k];
      if (b === undefined) return `${at}.${k} is not backed by the certificate (its did:x509 policies)`;
      const p = claimProblem(v, b, `${at}.${k}`);
      if (p) return p;
    }
    return undefined;
  }
  return claimed === backed ? undefined : `${at} is ${JSON.stringify(claimed)}, the certificate says ${JSON.stringify(backed)}`;
}

function subjectProblem(types: string[], subject: Record<string, unknown>, res: X509Resolution): string | undefined {
  for (const t of types.filter((x) => X509_TYPES.includes(x))) {
    let backed: Record<string, unknown>;
    try {
      backed = backedSubject(t, res);
    } catch (e) {
      return `${t}: ${(e as Error).message}`;
    }
    const p = claimProblem(subject, backed);
    if (p) return `${t}: ${p}`;
  }
  return undefined;
}

/** X509-issued credentials: the issuing plan and the verification of did:x509 issuers, both hooks the VCR engine is built with. */
export class X509Credentials {
  constructor(
    private readonly resolver: DidResolver,
    private readonly method: X509DidMethod,
    private readonly clock: () => number,
    /** certificate material bound to the issuer (subject id, did:web or did:x509), from the pki store */
    private readonly materialFor: (issuer: string) => Promise<CertificateMaterial>,
  ) {}

  /** Issuing hook of the VCR issuer: the issuer's certificate, its did:x509, the completed subject and a signer. */
  readonly plan = async (req: IssueRequest, types: string[], subjects: Array<Record<string, unknown>>): Promise<X509IssuingPlan> => {
    const type = types.find((t) => X509_TYPES.includes(t))!;
    const material = req.x509 ? loadMaterial(req.x509.chain, req.x509.privateKeyPem, req.x509.alg) : await this.materialFor(req.issuer);
    let did: string;
    try {
      did = didX509For(material.chain, material.didOptions);
    } catch (e) {
      throw invalidInput(`the certificate cannot issue ${type}: ${(e as Error).message}`);
    }
    if (req.issuer.startsWith('did:x509:') && req.issuer !== did) throw invalidInput(`issuer ${req.issuer} is not the did:x509 of the certificate (${did})`);
    const x5c = material.chain.map(b64);
    const now = new Date(this.clock());
    // the issuer checks its own chain (dates, policies, signatures) anchored at its own root; trust is the verifier's call
    const res = await resolveDidX509(did, x5c, { trust: { anchors: () => [material.chain[material.chain.length - 1]!] }, at: now }).catch((e: unknown) => {
      throw e instanceof X509Failure ? invalidInput(`the certificate cannot issue ${type}: ${e.message}`) : e;
    });
    const exp = new Date(req.expirationDate!);
    if (exp.getTime() > res.leaf.notAfter.getTime()) throw invalidInput(`expirationDate ${exp.toISOString()} is after the certificate's notAfter ${res.leaf.notAfter.toISOString()}`);
    if (subjects.length !== 1) throw invalidInput(`${type} has exactly one credentialSubject`);
    const s = subjects[0]!;
    if (typeof s.id !== 'string' || !s.id.startsWith('did:')) throw invalidInput(`credentialSubject.id must be the holder's DID`);
    const problem = subjectProblem(types, s, res);
    if (problem) throw invalidInput(`credentialSubject claims more than the certificate: ${problem}`);
    const completed = { id: s.id, ...backedSubject(type, res) };
    const header = { alg: material.alg, typ: 'JWT', kid: `${did}#0`, x5c, 'x5t#S256': createHash('sha256').update(new Uint8Array(res.leaf.rawData)).digest('base64url') };
    return { issuerDid: did, subjects: [completed], sign: (claims) => new SignJWT(claims).setProtectedHeader(header).sign(material.key) };
  };

  /** Verifying hook of the VCR verifier for did:x509 issuers: chain, trust, signature, dates within the certificate, claims ⊆ policies. */
  readonly verify = async (jwt: string, header: Record<string, unknown>, c: ParsedCredential, validAt?: Date): Promise<void> => {
    const alg = header.alg;
    if (typeof alg !== 'string' || !ALLOWED_ALGS.includes(alg)) fail('signature', `JWT algorithm '${String(alg)}' is not allowed for did:x509 (${ALLOWED_ALGS.join(', ')})`);
    const vm = `${c.issuer}#0`;
    if (header.kid !== undefined && header.kid !== vm) fail('signature', `kid '${String(header.kid)}' is not the did:x509 key ${vm}`);
    const at = validAt ?? new Date(this.clock());
    let res: X509Resolution;
    try {
      const out = await this.method.withChain(header.x5c, at, () => this.resolver.resolveKey(vm, 'assertionMethod', alg as string));
      res = out.resolution!;
      const thumb = header['x5t#S256'];
      if (thumb !== undefined && thumb !== createHash('sha256').update(new Uint8Array(res.leaf.rawData)).digest('base64url')) fail('x509', "x5t#S256 does not match the leaf certificate (x5c[0])");
      try {
        await compactVerify(jwt, out.value.key, { algorithms: [alg as string] });
      } catch {
        fail('signature', `signature is invalid: the key of certificate '${res.leaf.subject}' does not verify it`);
      }
    } catch (e) {
      if (e instanceof X509Failure) return fail(e.reason, e.message);
      if (e instanceof NodeError) return fail('signature', e.message);
      throw e;
    }
    if (!c.expirationDate) fail('x509', 'a credential issued by a did:x509 needs an expirationDate');
    if (c.expirationDate!.getTime() > res.leaf.notAfter.getTime()) fail('x509', `expirationDate ${c.expirationDate!.toISOString()} is after the certificate's notAfter ${res.leaf.notAfter.toISOString()}`);
    if (c.issuanceDate && c.issuanceDate.getTime() < res.leaf.notBefore.getTime()) fail('x509', `issuanceDate ${c.issuanceDate.toISOString()} is before the certificate's notBefore ${res.leaf.notBefore.toISOString()}`);
    if (c.subjects.length !== 1) fail('x509', 'a credential issued by a did:x509 has exactly one credentialSubject');
    const problem = subjectProblem(c.types, c.subjects[0]!, res);
    if (problem) fail('x509', `credentialSubject claims more than the certificate: ${problem}`);
  };
}
