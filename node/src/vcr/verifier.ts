// Verification of credentials and presentations: proof, dates, type rules, trust, revocation, and holder binding for every embedded credential.
import { BoundedCache } from '../core/cache.js';
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { JoseKey } from '../crypto/index.js';
import { methodsFor, type DidResolver, type Relationship } from '../vdr/index.js';
import { NodeError } from '../core/errors.js';
import { asArray, decodeJwtParts, isJwt, parseCredential, parseDate } from './credential.js';
import { CheckFailure, fail, UnknownContextError } from './errors.js';
import { ldSigningInput, verifyDetachedJws } from './jsonld.js';
import { checkCredentialType } from './schema.js';
import { checkDeziBinding, isDeziCredential, type DeziVerifier } from './dezi.js';
import type {
  CredentialVerification,
  ParsedCredential,
  ParsedPresentation,
  PresentationVerification,
  VerifyCredentialOptions,
  VerifyPresentationOptions,
  WireCredential,
  WirePresentation,
} from './types.js';

export interface StatusChecker {
  /** true when the entry marks the credential revoked; throws CheckFailure('status_unavailable') when it cannot tell */
  isRevoked(entry: Record<string, unknown>, credentialIssuer: string): Promise<boolean>;
}

export interface TrustChecker {
  isTrusted(type: string, issuer: string): Promise<boolean>;
}

/** Verifies an X509Credential JWT (did:x509 issuer, x5c chain); given by the PKI engine. */
export type X509JwtVerifier = (jwt: string, header: Record<string, unknown>, credential: ParsedCredential, validAt?: Date) => Promise<void>;

const baseDid = (u: string) => u.split('#')[0]!.split('?')[0]!;

// A compact JWT's signature is fixed; remember which key verified it so a repeat costs a map lookup, not an ECDSA verify.
// Keys are whole JWTs a remote party chose, so the cache is bounded in bytes as well as in entries.
const SIGNATURE_CACHE = { maxEntries: 10_000, maxBytes: 32 * 1024 * 1024 };

export class Verifier {
  private readonly verifiedJwts = new BoundedCache<string, JoseKey>(SIGNATURE_CACHE);
  /** remember verified JWT signatures (on by default; the benchmark turns it off to measure the cold path) */
  cacheSignatures = true;

  constructor(
    private readonly resolver: DidResolver,
    private readonly status: StatusChecker,
    private readonly trust: TrustChecker,
    private readonly clock: () => number,
    /** DeziUserCredentials are verified against the Dezi key sets allowed in config; without it they are refused */
    private readonly dezi?: DeziVerifier,
    /** did:x509-issued JWTs (the PKI's); without it they are refused as unresolvable */
    private readonly x509?: X509JwtVerifier,
  ) {}

  /** Verifies a credential; never throws for a bad credential, the result says why. */
  async verifyCredential(vc: WireCredential, opts: VerifyCredentialOptions = {}): Promise<CredentialVerification> {
    try {
      const credential = await this.checkCredential(vc, opts);
      return { valid: true, message: 'credential is valid', credential };
    } catch (e) {
      return toResult(e);
    }
  }

  private async checkCredential(vc: WireCredential, opts: VerifyCredentialOptions): Promise<ParsedCredential> {
    // a Dezi verklaring has its own proof, trust anchor (the jku allow-list) and status endpoint: one narrow branch
    if (isDeziCredential(vc)) {
      if (!this.dezi?.enabled) fail('untrusted_issuer', 'DeziUserCredentials are not accepted: this node allows no Dezi key set (vcr.dezi.allowedjku)');
      return this.dezi!.verify(vc as Record<string, unknown>, opts);
    }
    const c = parseCredential(vc);
    if (c.format === 'jwt_vc') await this.checkJwtCredentialProof(c, opts.validAt);
    else await this.checkLdProof(c.document, c.issuer, ['assertionMethod']);
    this.checkDates(c.issuanceDate, c.expirationDate, opts.validAt, 'credential');
    if (c.format === 'ldp_vc') {
      const proof = c.document.proof as Record<string, unknown>;
      this.checkDates(undefined, parseDate(proof.expires, 'proof.expires'), opts.validAt, 'credential proof');
    }
    const reason = typeVerdict(c);
    if (reason) fail('schema', reason);
    // a did:x509 issuer was already tied to a configured trusted root CA when its chain was checked: that is its trust
    if (opts.checkTrust && !c.issuer.startsWith('did:x509:')) {
      for (const t of c.types.filter((x) => x !== 'VerifiableCredential')) {
        if (!(await this.trust.isTrusted(t, c.issuer))) fail('untrusted_issuer', `untrusted issuer: ${c.issuer} is not trusted for ${t}`);
      }
    }
    if (opts.checkRevocation !== false) {
      for (const entry of c.credentialStatus) {
        if (await this.status.isRevoked(entry, c.issuer)) fail('revoked', 'credential is revoked');
      }
    }
    return c;
  }

  private checkDates(notBefore: Date | undefined, notAfter: Date | undefined, validAt: Date | undefined, what: string): void {
    const at = validAt ?? new Date(this.clock());
    if (notBefore && notBefore.getTime() > at.getTime()) fail('not_yet_valid', `${what} is not valid yet (valid from ${notBefore.toISOString()})`);
    if (notAfter && notAfter.getTime() < at.getTime()) fail('expired', `${what} is expired (since ${notAfter.toISOString()})`);
  }

  private async checkJwtCredentialProof(c: ParsedCredential, validAt?: Date): Promise<void> {
    const jwt = (c.raw as string).trim();
    const { header } = decodeJwtParts(jwt);
    if (c.issuer.startsWith('did:x509:')) {
      if (!this.x509) fail('unresolvable', 'did:x509 issuers are not supported by this node');
      await this.x509!(jwt, header, c, validAt);
      return;
    }
    await this.verifyJwtSignature(jwt, header, c.issuer, ['assertionMethod']);
  }

  /** Verifies a JWT's signature with a key of `did` under one of `relationships` (kid header, or each key when absent). */
  private async verifyJwtSignature(jwt: string, header: Record<string, unknown>, did: string, relationships: Relationship[]): Promise<string> {
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const alg = typeof header.alg === 'string' ? header.alg : undefined;
    if (!alg || alg === 'none' || alg.startsWith('HS')) fail('signature', `JWT algorithm '${String(alg)}' is not allowed`);
    if (kid && baseDid(kid) !== did && !kid.startsWith('#')) fail('signature', `key ${kid} does not belong to ${did}`);
    const candidates = await this.candidateKeys(kid?.startsWith('#') ? did + kid : kid ?? did, relationships, alg);
    for (const { key, vmId } of candidates) {
      if (this.cacheSignatures && this.verifiedJwts.get(jwt) === key) return vmId;
      try {
        await compactVerify(jwt, key, { algorithms: [alg!] });
        if (!this.cacheSignatures) return vmId;
        this.verifiedJwts.set(jwt, key, jwt.length * 2 + 64);
        return vmId;
      } catch {
        // next candidate
      }
    }
    return fail('signature', `signature is invalid: no ${relationships.join('/')} key of ${did} verifies it`);
  }

  private async candidateKeys(didOrUrl: string, relationships: Relationship[], alg: string | undefined): Promise<Array<{ key: JoseKey; vmId: string }>> {
    let lastError: Error | undefined;
    const out: Array<{ key: JoseKey; vmId: string }> = [];
    for (const rel of relationships) {
      try {
        if (didOrUrl.includes('#')) {
          const k = await this.resolver.resolveKey(didOrUrl, rel, alg);
          out.push({ key: k.key, vmId: k.vm.id });
          break;
        }
        const { document } = await this.resolver.resolve(didOrUrl);
        for (const vm of methodsFor(document, rel)) {
          try {
            const k = await this.resolver.resolveKey(vm.id.startsWith('#') ? document.id + vm.id : vm.id, rel, alg);
            out.push({ key: k.key, vmId: k.vm.id });
          } catch {
            // key of another type: not a candidate for this alg
          }
        }
      } catch (e) {
        lastError = e as Error;
        if (e instanceof NodeError && e.code === 'not_found' && /could not be resolved|unsupported DID method|deactivated/.test(e.message)) fail('unresolvable', e.message);
      }
    }
    if (!out.length) fail(lastError && !/no .* key/.test(lastError.message) ? 'unresolvable' : 'signature', lastError?.message ?? `no ${relationships.join('/')} key found for ${didOrUrl}`);
    return out;
  }

  /** JsonWebSignature2020 proof of a JSON-LD credential or presentation, by a key of `signer` (or, when undefined, of the VM's DID). */
  private async checkLdProof(doc: Record<string, unknown>, signer: string | undefined, relationships: Relationship[]): Promise<string> {
    const proofs = asArray(doc.proof as Record<string, unknown> | Array<Record<string, unknown>>);
    if (proofs.length !== 1) fail('signature', proofs.length ? 'exactly one proof is required' : 'proof is missing');
    const proof = proofs[0]!;
    if (proof.type !== 'JsonWebSignature2020') fail('signature', `unsupported proof type '${String(proof.type)}' (only JsonWebSignature2020)`);
    if (typeof proof.jws !== 'string') fail('signature', 'proof has no jws');
    const vm = proof.verificationMethod;
    if (typeof vm !== 'string' || !vm.startsWith('did:') || !vm.includes('#')) fail('signature', 'proof.verificationMethod must be a DID URL');
    const did = baseDid(vm as string);
    if (signer && did !== signer) fail('signature', `proof is signed by ${did}, not by ${signer}`);
    const purpose = proof.proofPurpose ?? 'assertionMethod';
    const rels = relationships.filter((r) => r === purpose || (purpose === 'authentication' && r === 'authentication'));
    if (!rels.length) fail('signature', `proofPurpose '${String(purpose)}' is not accepted here`);
    let jwsAlg: string;
    try {
      jwsAlg = String(decodeProtectedHeader(proof.jws as string).alg);
    } catch {
      return fail('signature', 'proof.jws is not a JWS');
    }
    const [candidate] = await this.candidateKeys(vm as string, rels, jwsAlg);
    let input: Uint8Array;
    try {
      input = await ldSigningInput(doc, proof);
    } catch (e) {
      if (e instanceof UnknownContextError || (e as { cause?: unknown }).cause instanceof UnknownContextError) fail('malformed', (e as Error).message);
      return fail('malformed', `JSON-LD canonicalisation failed: ${(e as { details?: { event?: { message?: string } } }).details?.event?.message ?? (e as Error).message}`);
    }
    if (!(await verifyDetachedJws(proof.jws as string, input, candidate!.key))) fail('signature', `signature is invalid (key ${vm as string})`);
    return did;
  }

  /** Verifies a presentation and everything in it; never throws for a bad presentation. */
  async verifyPresentation(vp: WirePresentation, opts: VerifyPresentationOptions = {}): Promise<PresentationVerification> {
    let presentation: ParsedPresentation | undefined;
    try {
      presentation = typeof vp === 'string' ? await this.checkJwtPresentation(vp, opts) : await this.checkLdPresentation(vp, opts);
      const verifyCredentials = opts.verifyCredentials !== false;
      for (const [i, raw] of asArray(presentation.document.verifiableCredential as WireCredential | WireCredential[]).entries()) {
        let c: ParsedCredential;
        if (verifyCredentials) {
          const r = await this.verifyCredential(raw, opts);
          if (!r.valid) fail(r.code!, `credential ${i}${r.credential?.id ? ` (${r.credential.id})` : ''}: ${r.message}`);
          c = r.credential!;
        } else c = parseCredential(raw);
        // holder binding is never optional: a presentation only proves possession of credentials about its signer
        if (c.subjects.some((s) => s.id !== presentation!.signer)) fail('subject_not_holder', `subject is not the holder: credential ${i} is about ${String(c.subjects[0]!.id)}, presentation signed by ${presentation!.signer}`);
        presentation.credentials.push(c);
      }
      const dezi = checkDeziBinding(presentation.credentials.map((c) => c.raw), presentation.signer);
      if (!dezi.ok) fail('binding', dezi.reason);
      return { valid: true, message: 'presentation is valid', presentation };
    } catch (e) {
      return { ...toResult(e), ...(presentation ? { presentation } : {}) };
    }
  }

  private checkBinding(p: ParsedPresentation, opts: VerifyPresentationOptions): void {
    const nonce = opts.nonce;
    if (nonce !== undefined && p.nonce !== nonce) fail('nonce', `nonce mismatch: expected '${nonce}', got '${String(p.nonce)}'`);
    if (opts.challenge !== undefined && (p.challenge ?? p.nonce) !== opts.challenge) fail('challenge', `challenge mismatch: expected '${opts.challenge}', got '${String(p.challenge ?? p.nonce)}'`);
    const aud = opts.audience;
    if (aud !== undefined && !(p.aud ?? []).includes(aud)) fail('audience', `audience mismatch: presentation is for ${JSON.stringify(p.aud ?? [])}, not '${aud}'`);
    if (opts.domain !== undefined && p.domain !== opts.domain && !(p.aud ?? []).includes(opts.domain)) fail('domain', `domain mismatch: expected '${opts.domain}', got '${String(p.domain ?? p.aud)}'`);
  }

  private async checkJwtPresentation(jwt: string, opts: VerifyPresentationOptions): Promise<ParsedPresentation> {
    if (!isJwt(jwt)) fail('malformed', 'a presentation string must be a compact JWT');
    const { header, payload } = decodeJwtParts(jwt.trim());
    const vp = payload.vp as Record<string, unknown> | undefined;
    if (!vp || typeof vp !== 'object') fail('malformed', "JWT presentation has no 'vp' claim");
    const iss = (payload.iss as string | undefined) ?? (payload.sub as string | undefined) ?? (typeof header.kid === 'string' ? baseDid(header.kid) : undefined);
    if (!iss) fail('malformed', 'JWT presentation has no iss');
    if (payload.sub !== undefined && payload.iss !== undefined && payload.sub !== payload.iss) fail('malformed', "JWT presentation 'sub' differs from 'iss'");
    if (typeof vp!.holder === 'string' && vp!.holder !== iss) fail('signature', `holder ${String(vp!.holder)} is not the signer ${iss!}`);
    await this.verifyJwtSignature(jwt.trim(), header, iss!, ['authentication', 'assertionMethod']);
    const nbf = parseDate(payload.nbf, 'nbf');
    const exp = parseDate(payload.exp, 'exp');
    const iat = parseDate(payload.iat, 'iat');
    this.checkDates(nbf, exp, opts.validAt, 'presentation');
    const p: ParsedPresentation = {
      format: 'jwt_vp',
      ...(typeof payload.jti === 'string' ? { id: payload.jti, jti: payload.jti } : {}),
      types: asArray(vp!.type as string | string[]),
      signer: iss!,
      holder: (vp!.holder as string | undefined) ?? iss!,
      credentials: [],
      ...(nbf ? { nbf } : {}),
      ...(exp ? { exp } : {}),
      ...(iat ? { iat } : {}),
      ...(typeof payload.nonce === 'string' ? { nonce: payload.nonce } : {}),
      ...(payload.aud !== undefined ? { aud: asArray(payload.aud as string | string[]) } : {}),
      document: vp!,
      raw: jwt,
    };
    this.checkBinding(p, opts);
    return p;
  }

  private async checkLdPresentation(vp: Record<string, unknown>, opts: VerifyPresentationOptions): Promise<ParsedPresentation> {
    if (!vp || typeof vp !== 'object' || Array.isArray(vp)) fail('malformed', 'a presentation must be a JSON object or a compact JWT');
    if (!asArray(vp.type as string | string[]).includes('VerifiablePresentation')) fail('malformed', "presentation type must include 'VerifiablePresentation'");
    const holder = typeof vp.holder === 'string' ? vp.holder : undefined;
    const signer = await this.checkLdProof(vp, holder, ['authentication', 'assertionMethod']);
    const proof = (Array.isArray(vp.proof) ? vp.proof[0] : vp.proof) as Record<string, unknown>;
    const created = parseDate(proof.created, 'proof.created');
    const expires = parseDate(proof.expires, 'proof.expires');
    this.checkDates(created, expires, opts.validAt, 'presentation');
    const p: ParsedPresentation = {
      format: 'ldp_vp',
      ...(typeof vp.id === 'string' ? { id: vp.id } : {}),
      types: asArray(vp.type as string | string[]),
      signer,
      holder: holder ?? signer,
      credentials: [],
      ...(created ? { nbf: created, iat: created } : {}),
      ...(expires ? { exp: expires } : {}),
      ...(typeof proof.nonce === 'string' ? { nonce: proof.nonce } : {}),
      ...(typeof proof.challenge === 'string' ? { challenge: proof.challenge } : {}),
      ...(typeof proof.domain === 'string' ? { domain: proof.domain, aud: [proof.domain] } : {}),
      document: vp,
      raw: vp,
    };
    this.checkBinding(p, opts);
    return p;
  }
}

// A JWT credential's parse is shared and frozen (parseCredential caches it per JWT string), and its schema and type
// rules depend on nothing else: the verdict lives as long as that parse does, held weakly so it goes with it.
const typeVerdicts = new WeakMap<ParsedCredential, { reason: string | undefined }>();
function typeVerdict(c: ParsedCredential): string | undefined {
  const hit = typeVerdicts.get(c);
  if (hit) return hit.reason;
  const reason = checkCredentialType(c.types, c.issuer, c.subjects);
  if (Object.isFrozen(c)) typeVerdicts.set(c, { reason });
  return reason;
}

function toResult(e: unknown): { valid: false; code: CredentialVerification['code']; message: string } {
  if (e instanceof CheckFailure) return { valid: false, code: e.code, message: e.message };
  if (e instanceof NodeError) return { valid: false, code: e.code === 'not_found' ? 'unresolvable' : 'malformed', message: e.message };
  throw e;
}
