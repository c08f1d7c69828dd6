// The local test PKI: a TEST UZI-register root and server CA and, per organisation, a UZI-style server certificate (PEM files).
import './reflect.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  PemConverter,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  cryptoProvider,
} from '@peculiar/x509';
import { invalidInput } from '../core/errors.js';
import { didX509For, fingerprint } from './didx509.js';
import { SAN_OID, formatUziOtherName, uziSubjectAltName } from './uzi.js';

cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;

export type PkiKeyType = 'RSA' | 'P-256';

export interface OrganisationInput {
  name: string;
  city: string;
  ura: string;
  agb: string;
  /** UZI number of the server certificate (9 digits); derived from the URA when absent */
  uzi?: string;
  /** file-system id; default derived from the name */
  id?: string;
  /** validity window override (tests: expired or not-yet-valid certificates) */
  notBefore?: Date;
  notAfter?: Date;
}

export interface PkiOptions {
  /** default .data/pki */
  dir?: string;
  organisations?: OrganisationInput[];
  /** key type of the organisations' server certificates (UZI keys are RSA) */
  keyType?: PkiKeyType;
  /** regenerate everything, CA included */
  force?: boolean;
  clock?: () => number;
}

export interface PkiOrganisation {
  id: string;
  name: string;
  city: string;
  ura: string;
  agb: string;
  uzi: string;
  otherName: string;
  did: string;
  keyType: PkiKeyType;
  notBefore: string;
  notAfter: string;
  files: { certificate: string; chain: string; key: string };
  created: boolean;
}

export interface PkiResult {
  dir: string;
  root: { subject: string; sha256: string; file: string; created: boolean };
  intermediate: { subject: string; sha256: string; file: string; created: boolean };
  organisations: PkiOrganisation[];
}

export const ROOT_NAME = 'CN=TEST UZI-register Root CA G1, O=nuts-lsp-lab test PKI, C=NL';
export const INTERMEDIATE_NAME = 'CN=TEST UZI-register Server CA G1, O=nuts-lsp-lab test PKI, C=NL';
const DAY = 86_400_000;

const RSA_GEN = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const EC_GEN = { name: 'ECDSA', namedCurve: 'P-256' } as const;

const URA_RE = /^\d{8}$/;
export const slug = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'org';

function validate(o: OrganisationInput): void {
  if (!o.name?.trim() || !o.city?.trim()) throw invalidInput(`organisation needs a name and a city (got '${o.name}', '${o.city}')`);
  if (!URA_RE.test(o.ura)) throw invalidInput(`organisation '${o.name}': URA must be 8 digits, got '${o.ura}'`);
  if (!URA_RE.test(o.agb)) throw invalidInput(`organisation '${o.name}': AGB code must be 8 digits, got '${o.agb}'`);
  if (o.uzi !== undefined && !/^\d{9}$/.test(o.uzi)) throw invalidInput(`organisation '${o.name}': UZI number must be 9 digits, got '${o.uzi}'`);
}

/** Parses the CLI form "Name,City,URA,AGB[,UZI]". */
export function parseOrganisationArg(arg: string): OrganisationInput {
  const [name, city, ura, agb, uzi] = arg.split(',').map((s) => s.trim());
  if (!name || !city || !ura || !agb) throw invalidInput(`--org must be "Name,City,URA,AGB[,UZI]", got '${arg}'`);
  return { name, city, ura, agb, ...(uzi ? { uzi } : {}) };
}

interface Ca {
  cert: X509Certificate;
  key: CryptoKey;
  created: boolean;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function importKeyPem(pem: string, t: PkiKeyType): Promise<CryptoKey> {
  const der = PemConverter.decode(pem)[0]!;
  return subtle.importKey('pkcs8', der, t === 'RSA' ? RSA_GEN : EC_GEN, true, ['sign']);
}

const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

async function loadOrCreateCa(dir: string, file: string, subject: string, issuer: Ca | undefined, years: number, now: number, force: boolean): Promise<Ca> {
  const certFile = path.join(dir, `${file}.pem`);
  const keyFile = path.join(dir, `${file}.key.pem`);
  if (!force && existsSync(certFile) && existsSync(keyFile)) {
    return { cert: new X509Certificate(readFileSync(certFile, 'utf8')), key: await importKeyPem(readFileSync(keyFile, 'utf8'), 'RSA'), created: false };
  }
  const keys = (await subtle.generateKey(RSA_GEN, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions = [
    new BasicConstraintsExtension(true, issuer ? 0 : 1, true),
    new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ...(issuer ? [await AuthorityKeyIdentifierExtension.create(issuer.cert)] : []),
  ];
  const common = { serialNumber: serial(), notBefore: new Date(now - DAY), notAfter: new Date(now + years * 365 * DAY), signingAlgorithm: RSA_GEN, extensions };
  const cert = issuer
    ? await X509CertificateGenerator.create({ ...common, subject, issuer: issuer.cert.subject, publicKey: keys.publicKey, signingKey: issuer.key })
    : await X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys });
  writeFileSync(certFile, cert.toString('pem') + '\n');
  writeFileSync(keyFile, await exportKeyPem(keys.privateKey), { mode: 0o600 });
  return { cert, key: keys.privateKey, created: true };
}

/** A UZI-style server certificate: SAN otherName 2.5.5.5 (+ permanentIdentifier URA), subject C/O/L/CN/serialNumber. */
export async function issueServerCertificate(ca: { cert: X509Certificate; key: CryptoKey }, org: OrganisationInput & { uzi: string }, keyType: PkiKeyType, now: number): Promise<{ cert: X509Certificate; key: CryptoKey; otherName: string }> {
  const keys = (await subtle.generateKey(keyType === 'RSA' ? RSA_GEN : EC_GEN, true, ['sign', 'verify'])) as CryptoKeyPair;
  const otherName = formatUziOtherName({ uzi: org.uzi, ura: org.ura, agb: org.agb });
  const subject = new Name([{ C: ['NL'] }, { O: [org.name] }, { L: [org.city] }, { CN: [`${slug(org.name)}.nuts-lsp-lab.test`] }, { '2.5.4.5': [org.uzi] }]);
  const cert = await X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: org.notBefore ?? new Date(now - DAY),
    notAfter: org.notAfter ?? new Date(now + 3 * 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: RSA_GEN,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature | (keyType === 'RSA' ? KeyUsageFlags.keyEncipherment : 0), true),
      new ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']),
      new Extension(SAN_OID, false, uziSubjectAltName(otherName, org.ura)),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { cert, key: keys.privateKey, otherName };
}

/**
 * Creates (or reuses) the test PKI under `dir`: ca/root.pem, ca/intermediate.pem (+ keys) and per organisation
 * orgs/<id>/{certificate,chain,key}.pem plus pki.json. Existing certificates are kept unless `force`.
 */
export async function initPki(opts: PkiOptions = {}): Promise<PkiResult> {
  const dir = path.resolve(opts.dir ?? path.join('.data', 'pki'));
  const now = (opts.clock ?? Date.now)();
  const force = opts.force === true;
  const orgs = opts.organisations ?? [];
  orgs.forEach(validate);
  const keyType = opts.keyType ?? 'RSA';
  if (force) rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'ca'), { recursive: true });
  const root = await loadOrCreateCa(path.join(dir, 'ca'), 'root', ROOT_NAME, undefined, 20, now, force);
  // a new root invalidates everything signed by the old one
  const intermediate = await loadOrCreateCa(path.join(dir, 'ca'), 'intermediate', INTERMEDIATE_NAME, root, 10, now, force || root.created);
  const manifestFile = path.join(dir, 'pki.json');
  const previous: PkiOrganisation[] = !intermediate.created && existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as PkiResult).organisations : [];
  const out = new Map(previous.map((o) => [o.id, { ...o, created: false }]));
  for (const o of orgs) {
    const id = o.id ?? slug(o.name);
    const orgDir = path.join(dir, 'orgs', id);
    const files = { certificate: path.join(orgDir, 'certificate.pem'), chain: path.join(orgDir, 'chain.pem'), key: path.join(orgDir, 'key.pem') };
    if (out.has(id) && existsSync(files.chain) && existsSync(files.key)) continue;
    const uzi = o.uzi ?? `9${o.ura}`;
    const leaf = await issueServerCertificate(intermediate, { ...o, uzi }, keyType, now);
    const chain = [leaf.cert, intermediate.cert, root.cert];
    mkdirSync(orgDir, { recursive: true });
    writeFileSync(files.certificate, leaf.cert.toString('pem') + '\n');
    writeFileSync(files.chain, chain.map((c) => c.toString('pem')).join('\n') + '\n');
    writeFileSync(files.key, await exportKeyPem(leaf.key), { mode: 0o600 });
    out.set(id, { id, name: o.name, city: o.city, ura: o.ura, agb: o.agb, uzi, otherName: leaf.otherName, did: didX509For(chain), keyType, notBefore: leaf.cert.notBefore.toISOString(), notAfter: leaf.cert.notAfter.toISOString(), files, created: true });
  }
  const result: PkiResult = {
    dir,
    root: { subject: root.cert.subject, sha256: fingerprint(root.cert), file: path.join(dir, 'ca', 'root.pem'), created: root.created },
    intermediate: { subject: intermediate.cert.subject, sha256: fingerprint(intermediate.cert), file: path.join(dir, 'ca', 'intermediate.pem'), created: intermediate.created },
    organisations: [...out.values()],
  };
  writeFileSync(manifestFile, JSON.stringify(result, null, 2) + '\n');
  return result;
}

/** Reads pki.json of an initialised PKI directory (undefined when there is none). */
export function readPki(dir: string): PkiResult | undefined {
  const f = path.join(path.resolve(dir), 'pki.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as PkiResult) : undefined;
}
