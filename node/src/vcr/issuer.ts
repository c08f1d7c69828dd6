// Issuing credentials as jwt_vc (VC-JWT 1.1) or ldp_vc (JsonWebSignature2020), with status-list entries, search and revocation.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CryptoService } from '../crypto/index.js';
import { NodeError, conflict, invalidInput, notFound } from '../core/errors.js';
import { parseBody } from '../core/validation.js';
import type { SubjectService } from '../vdr/index.js';
import type { AuditInput } from '../audit/index.js';
import { asArray } from './credential.js';
import { canonicalize, knownContexts, ldSigningInput } from './jsonld.js';
import type { RevocationService } from './revocation.js';
import { X509_TYPES, checkCredentialType } from './schema.js';
import type { IssuedRecord, StatusListType, VcrStore } from './store.js';
import type { IssueRequest, WireCredential } from './types.js';

export const IssueRequestSchema = z.object({
  '@context': z.union([z.string(), z.array(z.string())]).optional(),
  type: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  issuer: z.string().startsWith('did:', 'must be a DID'),
  credentialSubject: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).min(1)]),
  expirationDate: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(['jwt_vc', 'ldp_vc']).optional(),
  withStatusList2021Revocation: z.boolean().optional(),
  withBitstringStatusListRevocation: z.boolean().optional(),
  publishToNetwork: z.boolean().optional(),
  visibility: z.enum(['public', 'private']).optional(),
  x509: z.object({ chain: z.array(z.string()).min(1), privateKeyPem: z.string(), alg: z.enum(['RS256', 'PS256', 'ES256']).optional() }).optional(),
});

const W3C_V1 = 'https://www.w3.org/2018/credentials/v1';
const JWS2020 = 'https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json';
const NUTS_V1 = 'https://nuts.nl/credentials/v1';
const STATUS_2021 = 'https://w3id.org/vc/status-list/2021/v1';
const LAB_V1 = 'https://nuts-lsp-lab.nl/credentials/v1';
// the context that defines each credential type we know, so callers need not list contexts
const TYPE_CONTEXT: Record<string, string> = {
  NutsOrganizationCredential: NUTS_V1,
  NutsEmployeeCredential: NUTS_V1,
  NutsAuthorizationCredential: NUTS_V1,
  DiscoveryRegistrationCredential: NUTS_V1,
  NutsUraCredential: 'https://nuts.nl/credentials/2024',
  CareWorkerRoleCredential: LAB_V1,
  X509Credential: LAB_V1,
  HealthcareProviderCredential: LAB_V1,
};

/** How an X509-issued credential is made: its did:x509 issuer, the subjects completed from the certificate, and the signer. */
export interface X509IssuingPlan {
  issuerDid: string;
  subjects: Array<Record<string, unknown>>;
  sign(claims: Record<string, unknown>): Promise<string>;
}

/** Plans an X509-issued credential (provided by the pki module); 400 when the request does not fit the certificate. */
export type X509Issuing = (req: IssueRequest, types: string[], subjects: Array<Record<string, unknown>>) => Promise<X509IssuingPlan>;

/** Where issuance and revocation are recorded (NEN 7513, the audit module's recorder); resolves once committed. */
export interface VcrAuditPort {
  record(input: AuditInput): Promise<unknown>;
}

/** The record of one issued or revoked credential: what it is, who issued it to whom. */
function credentialAuditInput(event: 'vcr.issue' | 'vcr.revoke', r: Pick<IssuedRecord, 'id' | 'issuer' | 'subject' | 'types' | 'format' | 'status'>): AuditInput {
  const type = r.types.filter((t) => t !== 'VerifiableCredential').join(',').slice(0, 128) || 'VerifiableCredential';
  const status = r.status ? `, ${r.status.type} page ${r.status.page} index ${r.status.index}` : '';
  return {
    event,
    ...(event === 'vcr.revoke' ? { action: 'U' as const } : {}),
    object: { type, id: r.id.slice(0, 512), description: `${event === 'vcr.issue' ? `issued as ${r.format}` : 'revoked'} by ${r.issuer}${r.subject ? ` to ${r.subject}` : ''}${status}`.slice(0, 2048) },
    outcome: { code: '0' },
  };
}

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class Issuer {
  constructor(
    private readonly store: VcrStore,
    private readonly crypto: CryptoService,
    private readonly subjects: SubjectService,
    private readonly revocation: RevocationService,
    private readonly clock: () => number,
    private readonly audit?: VcrAuditPort,
    /** X509Credential / HealthcareProviderCredential issuing (the PKI's); without it those types are refused */
    private readonly x509Issuing?: X509Issuing,
  ) {}

  /** Issues a credential (request body as nuts-node's IssueVCRequest). Bad input → 400 naming the problem. */
  async issue(request: IssueRequest | unknown): Promise<WireCredential> {
    const req = parseBody(IssueRequestSchema, request) as IssueRequest;
    const format = req.format ?? 'ldp_vc';
    const types = ['VerifiableCredential', ...asArray(req.type).filter((t) => t !== 'VerifiableCredential')];
    let subjects = asArray(req.credentialSubject);
    const now = this.clock();
    const x509Type = types.find((t) => X509_TYPES.includes(t));
    const isX509 = x509Type !== undefined;
    if (isX509 && format !== 'jwt_vc') throw invalidInput(`${x509Type} can only be issued as jwt_vc`);
    if (isX509 && !req.expirationDate) throw invalidInput(`${x509Type} requires an expirationDate (not after the certificate's notAfter)`);
    if (isX509 && (req.withStatusList2021Revocation || req.withBitstringStatusListRevocation)) throw invalidInput(`${x509Type} cannot carry a status list: its issuer is a did:x509, revoked through the certificate`);
    const statusType: StatusListType | undefined = req.withBitstringStatusListRevocation ? 'BitstringStatusList' : req.withStatusList2021Revocation ? 'StatusList2021' : undefined;
    if (req.withBitstringStatusListRevocation && req.withStatusList2021Revocation) throw invalidInput('choose one of withStatusList2021Revocation and withBitstringStatusListRevocation');
    // as nuts-node v6.2.10 ("withStatusList2021Revocation and/or expirationDate MUST be set"): false is an answer
    if (!req.expirationDate && req.withStatusList2021Revocation === undefined && req.withBitstringStatusListRevocation === undefined) {
      throw invalidInput('set withStatusList2021Revocation (true or false) and/or expirationDate');
    }
    if (req.expirationDate && new Date(req.expirationDate).getTime() <= now) throw invalidInput('expirationDate must be in the future');
    if (statusType && !req.issuer.startsWith('did:web:')) throw invalidInput('status list revocation is only available for did:web issuers');
    let x509: X509IssuingPlan | undefined;
    if (isX509) {
      if (!this.x509Issuing) throw new NodeError('precondition_failed', `${x509Type} issuing is not available`);
      x509 = await this.x509Issuing(req, types, subjects as Array<Record<string, unknown>>);
      subjects = x509.subjects;
    }
    const issuer = x509?.issuerDid ?? req.issuer;
    const schemaProblem = checkCredentialType(types, issuer, subjects as Array<Record<string, unknown>>);
    if (schemaProblem) throw invalidInput(`credentialSubject does not fit the credential type: ${schemaProblem}`);

    const key = isX509 ? undefined : await this.subjects.signingKey(req.issuer).catch(() => {
      throw invalidInput(`issuer ${req.issuer} is not a subject DID of this node`);
    });
    const id = `${issuer}#${randomUUID()}`;
    const status = statusType ? await this.revocation.allocate(statusType, req.issuer) : undefined;
    const contexts = this.contextsFor(req, types, statusType, format);
    const issuanceDate = isoSeconds(now);
    let credential: WireCredential;
    if (format === 'jwt_vc') {
      const vc: Record<string, unknown> = { '@context': contexts, type: types, credentialSubject: subjects.length === 1 ? subjects[0] : subjects, ...(status ? { credentialStatus: status.entry } : {}) };
      const sub = subjects.length === 1 && typeof subjects[0]!.id === 'string' ? (subjects[0]!.id as string) : undefined;
      const claims: Record<string, unknown> = {
        iss: issuer,
        ...(sub ? { sub } : {}),
        jti: id,
        nbf: Math.floor(now / 1000),
        iat: Math.floor(now / 1000),
        ...(req.expirationDate ? { exp: Math.floor(new Date(req.expirationDate).getTime() / 1000) } : {}),
        vc,
      };
      if (x509) credential = await x509.sign(claims);
      else credential = await this.crypto.signJwt(claims, key!.kid, { headerKid: key!.kid });
    } else {
      const doc: Record<string, unknown> = {
        '@context': contexts,
        id,
        type: types,
        issuer: req.issuer,
        issuanceDate,
        ...(req.expirationDate ? { expirationDate: new Date(req.expirationDate).toISOString() } : {}),
        credentialSubject: subjects.length === 1 ? subjects[0] : subjects,
        ...(status ? { credentialStatus: status.entry } : {}),
      };
      credential = await this.signLd(doc, key!.kid, 'assertionMethod', { created: issuanceDate });
    }
    const record: IssuedRecord = {
      id,
      issuer,
      ...(subjects.length === 1 && typeof subjects[0]!.id === 'string' ? { subject: subjects[0]!.id as string } : {}),
      types,
      format,
      credential: typeof credential === 'string' ? credential : JSON.stringify(credential),
      ...(status && statusType ? { status: { type: statusType, page: status.page, index: status.index } } : {}),
      createdAt: now,
    };
    // recorded before it is kept or returned: no credential exists without its record (503 when the log is down)
    await this.audit?.record(credentialAuditInput('vcr.issue', record));
    await this.store.addIssued(record);
    return credential;
  }

  private contextsFor(req: IssueRequest, types: string[], statusType: StatusListType | undefined, format: string): string[] {
    const requested = asArray(req['@context']);
    const out = [W3C_V1, ...requested.filter((c) => c !== W3C_V1)];
    for (const t of types) if (TYPE_CONTEXT[t] && !out.includes(TYPE_CONTEXT[t]!)) out.push(TYPE_CONTEXT[t]!);
    if (!requested.length && out.length === 1) out.push(NUTS_V1);
    if (statusType === 'StatusList2021' && !out.includes(STATUS_2021)) out.push(STATUS_2021);
    if (statusType === 'BitstringStatusList' && !out.includes(LAB_V1)) out.push(LAB_V1);
    if (format === 'ldp_vc') {
      if (!out.includes(JWS2020)) out.push(JWS2020);
      const unknown = out.filter((c) => !knownContexts().includes(c));
      if (unknown.length) throw invalidInput(`unknown JSON-LD context(s) ${unknown.join(', ')}; this node only uses embedded contexts`);
    }
    return out;
  }

  /** Adds a JsonWebSignature2020 proof made with key `kid` (a DID URL). Undefined terms fail rather than go unsigned. */
  async signLd(doc: Record<string, unknown>, kid: string, proofPurpose: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const proof: Record<string, unknown> = { type: 'JsonWebSignature2020', created: isoSeconds(this.clock()), ...extra, proofPurpose, verificationMethod: kid };
    let input: Uint8Array;
    try {
      await canonicalize({ '@context': doc['@context'], ...proof });
      input = await ldSigningInput(doc, proof);
    } catch (e) {
      throw invalidInput(`credential cannot be signed as JSON-LD: ${(e as { details?: { event?: { message?: string } } }).details?.event?.message ?? (e as Error).message} (are all terms defined by its @context?)`);
    }
    const jws = await this.crypto.signJws(input, kid, { detached: true, unencodedPayload: true, headerKid: kid });
    return { ...doc, proof: { ...proof, jws } };
  }

  async search(q: { credentialType?: string; issuer?: string; subject?: string }): Promise<IssuedRecord[]> {
    return this.store.searchIssued({ type: q.credentialType, issuer: q.issuer, subject: q.subject });
  }

  /** Revokes an issued credential by setting its bit on the issuer's status list. */
  async revoke(id: string): Promise<void> {
    const r = await this.store.getIssued(id);
    if (!r) throw notFound(`credential '${id}' was not issued by this node`);
    if (!r.status) throw invalidInput(`credential '${id}' has no credentialStatus and cannot be revoked`);
    if (r.revokedAt !== undefined) throw conflict(`credential '${id}' is already revoked`);
    await this.audit?.record(credentialAuditInput('vcr.revoke', r));
    await this.store.markRevoked(id, this.clock());
    this.revocation.invalidate(r.status.type, r.issuer, r.status.page);
  }
}
