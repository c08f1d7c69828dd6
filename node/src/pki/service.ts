// Binding a UZI server certificate (from the test PKI or given as PEM) to a subject, so it can self-issue X509-issued credentials.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { NodeError, invalidInput, notFound } from '../core/errors.js';
import { parseBody } from '../core/validation.js';
import type { SubjectService } from '../vdr/index.js';
import { loadMaterial, type CertificateMaterial, type X509Alg } from './credential.js';
import { didX509For, fingerprint } from './didx509.js';
import { readPki } from './generate.js';
import type { CertificateBinding, PkiStore } from './store.js';
import { readSan, uraOf } from './uzi.js';

export const BindRequestSchema = z
  .strictObject({
    /** organisation id in the node's test PKI (pki.json under pki.dir) */
    organisation: z.string().min(1).optional(),
    /** PEM chain (any order) or base64 DER certificates */
    chain: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** PEM private key of the leaf */
    privateKey: z.string().min(1).optional(),
    chainFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    alg: z.enum(['RS256', 'PS256', 'ES256']).optional(),
  })
  .refine((b) => [b.organisation !== undefined, b.chain !== undefined || b.privateKey !== undefined, b.chainFile !== undefined || b.keyFile !== undefined].filter(Boolean).length === 1, {
    message: 'give exactly one of: organisation, chain + privateKey, chainFile + keyFile',
  });

export type BindRequest = z.infer<typeof BindRequestSchema>;

export interface CertificateView {
  subject: string;
  did: string;
  x509Did: string;
  alg: string;
  organisation?: string;
  certificate: { subject: string; issuer: string; serialNumber: string; notBefore: string; notAfter: string; otherName: string[]; ura?: string };
  chain: Array<{ subject: string; sha256: string }>;
}

function readFile(p: string, what: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    throw invalidInput(`${what} ${p} cannot be read: ${(e as Error).message}`);
  }
}

export class PkiService {
  constructor(
    private readonly store: PkiStore,
    private readonly subjects: SubjectService,
    private readonly pkiDir: string,
    private readonly clock: () => number,
  ) {}

  /** Binds a certificate + key to a subject (replacing an earlier one). */
  async bind(subject: string, body: unknown): Promise<CertificateView> {
    const req = parseBody(BindRequestSchema, body);
    const [subjectDid] = await this.subjects.dids(subject);
    let chain: string | string[];
    let keyPem: string;
    if (req.organisation !== undefined) {
      const org = readPki(this.pkiDir)?.organisations.find((o) => o.id === req.organisation);
      if (!org) throw notFound(`organisation '${req.organisation}' is not in the test PKI at ${this.pkiDir} (run: nuts-lsp-lab pki init --dir ${this.pkiDir} --org …)`);
      chain = readFile(org.files.chain, 'chain file');
      keyPem = readFile(org.files.key, 'key file');
    } else if (req.chainFile !== undefined || req.keyFile !== undefined) {
      if (!req.chainFile || !req.keyFile) throw invalidInput('chainFile and keyFile go together');
      chain = readFile(req.chainFile, 'chain file');
      keyPem = readFile(req.keyFile, 'key file');
    } else {
      if (!req.chain || !req.privateKey) throw invalidInput('chain and privateKey go together');
      chain = req.chain;
      keyPem = req.privateKey;
    }
    const m = loadMaterial(chain, keyPem, req.alg);
    if (m.chain.length < 2) throw invalidInput('the chain needs the CA certificates up to the root, not only the leaf');
    let x509Did: string;
    try {
      x509Did = didX509For(m.chain);
    } catch (e) {
      throw invalidInput(`the certificate cannot make a did:x509: ${(e as Error).message}`);
    }
    const binding: CertificateBinding = {
      subject,
      subjectDid: subjectDid!,
      x509Did,
      chainPem: m.chain.map((c) => c.toString('pem')).join('\n'),
      keyPem: m.key.export({ format: 'pem', type: 'pkcs8' }) as string,
      alg: m.alg,
      ...(req.organisation ? { organisation: req.organisation } : {}),
      createdAt: this.clock(),
    };
    await this.store.put(binding);
    return this.view(binding, m);
  }

  async get(subject: string): Promise<CertificateView> {
    const b = await this.store.get(subject);
    if (!b) throw notFound(`subject '${subject}' has no certificate bound`);
    return this.view(b, loadMaterial(b.chainPem, b.keyPem, b.alg as X509Alg));
  }

  async unbind(subject: string): Promise<void> {
    if (!(await this.store.remove(subject))) throw notFound(`subject '${subject}' has no certificate bound`);
  }

  /** The material an issuer (subject id, its did:web or its did:x509) issues X509-issued credentials with. */
  materialFor = async (issuer: string): Promise<CertificateMaterial> => {
    const b = await this.store.find(issuer);
    if (!b) throw new NodeError('invalid_input', `issuer ${issuer} has no certificate bound: POST /internal/pki/v1/subjects/{subjectID}/certificate first`);
    return loadMaterial(b.chainPem, b.keyPem, b.alg as X509Alg);
  };

  private view(b: CertificateBinding, m: CertificateMaterial): CertificateView {
    const leaf = m.chain[0]!;
    const san = readSan(leaf);
    const ura = uraOf(san);
    return {
      subject: b.subject,
      did: b.subjectDid,
      x509Did: b.x509Did,
      alg: b.alg,
      ...(b.organisation ? { organisation: b.organisation } : {}),
      certificate: { subject: leaf.subject, issuer: leaf.issuer, serialNumber: leaf.serialNumber, notBefore: leaf.notBefore.toISOString(), notAfter: leaf.notAfter.toISOString(), otherName: san.otherName, ...(ura ? { ura } : {}) },
      chain: m.chain.map((c) => ({ subject: c.subject, sha256: fingerprint(c) })),
    };
  }
}

export const defaultPkiDir = (datadir: string) => path.resolve(datadir, 'pki');
