// Holder side: per-subject wallets (SQL) and creating presentations as jwt_vp or ldp_vp.
import { randomUUID } from 'node:crypto';
import type { CryptoService } from '../crypto/index.js';
import { NodeError, invalidInput, notFound } from '../core/errors.js';
import type { SubjectService } from '../vdr/index.js';
import { asArray, parseCredential } from './credential.js';
import { CheckFailure } from './errors.js';
import type { Issuer } from './issuer.js';
import type { VcrStore, WalletRecord } from './store.js';
import type { CreatePresentationRequest, ParsedCredential, WireCredential, WirePresentation } from './types.js';

function parseOr400(vc: WireCredential): ParsedCredential {
  try {
    return parseCredential(vc);
  } catch (e) {
    if (e instanceof CheckFailure) throw invalidInput(`not a verifiable credential: ${e.message}`);
    throw e;
  }
}

const wire = (r: WalletRecord): WireCredential => (r.credential.startsWith('{') ? (JSON.parse(r.credential) as Record<string, unknown>) : r.credential);

/** How the wallet judges a credential: signature, dates and status (trust is the verifier's policy, not the holder's). */
export type WalletCheck = (vc: WireCredential) => Promise<{ valid: boolean; code?: string; message?: string }>;

/** Reasons a stored credential is left out of the holder's own list and of credential selection (nuts-node: non-expired, non-revoked). */
const UNUSABLE = new Set(['expired', 'revoked', 'not_yet_valid']);

export class Wallet {
  constructor(
    private readonly store: VcrStore,
    private readonly subjects: SubjectService,
    private readonly clock: () => number,
    private readonly noteIssuer: (type: string, issuer: string) => Promise<void>,
    private readonly check: WalletCheck,
  ) {}

  private async requireSubject(subject: string): Promise<void> {
    await this.subjects.dids(subject); // 404 for an unknown subject
  }

  /** Stores a credential in the subject's wallet. It must be about one of the subject's DIDs and have an id. */
  async add(subject: string, vc: WireCredential): Promise<ParsedCredential> {
    await this.requireSubject(subject);
    const c = parseOr400(vc);
    if (!c.id) throw invalidInput('credential has no id (jti), so it cannot be stored');
    const dids = await this.subjects.dids(subject);
    if (!c.subjects.every((s) => typeof s.id === 'string' && dids.includes(s.id))) throw invalidInput(`credential subject is not a DID of subject '${subject}'`);
    // as nuts-node's loadVC: a credential with a broken signature, expired or revoked is not stored
    const v = await this.check(vc);
    // trust is a verifier's policy (PD issuer constraints, trust list, trusted did:x509 roots), not the holder's
    if (!v.valid && v.code !== 'untrusted_issuer') throw invalidInput(`credential cannot be stored: ${v.code ?? 'invalid'}: ${v.message ?? ''}`.trim());
    await this.store.addToWallet({ subject, id: c.id, issuer: c.issuer, types: c.types, credential: typeof vc === 'string' ? vc.trim() : JSON.stringify(vc), createdAt: this.clock() });
    for (const t of c.types.filter((x) => x !== 'VerifiableCredential')) await this.noteIssuer(t, c.issuer);
    return c;
  }

  /** The credentials the holder can use: expired and revoked ones are left out (the search lists everything). */
  async list(subject: string): Promise<WireCredential[]> {
    return (await this.usable(subject)).usable;
  }

  /** The usable credentials, and the ones left out with why (so a 412 can say "skipped: revoked"). */
  async usable(subject: string): Promise<{ usable: WireCredential[]; skipped: Array<{ id?: string; types: string[]; reason: string }> }> {
    await this.requireSubject(subject);
    const rows = await this.store.wallet(subject);
    const verdicts = await Promise.all(rows.map((r) => this.check(wire(r))));
    const usable: WireCredential[] = [];
    const skipped: Array<{ id?: string; types: string[]; reason: string }> = [];
    rows.forEach((r, i) => {
      const code = verdicts[i]!.code ?? '';
      if (UNUSABLE.has(code)) skipped.push({ id: r.id, types: r.types.filter((t) => t !== 'VerifiableCredential'), reason: code.replace(/_/g, ' ') });
      else usable.push(wire(r));
    });
    return { usable, skipped };
  }

  async search(subject: string, q: { type?: string } = {}): Promise<WireCredential[]> {
    await this.requireSubject(subject);
    return (await this.store.wallet(subject, q.type)).map(wire);
  }

  async remove(subject: string, id: string): Promise<void> {
    await this.requireSubject(subject);
    if (!(await this.store.removeFromWallet(subject, id))) throw notFound(`credential '${id}' not found in the wallet of '${subject}'`);
  }
}

export class Holder {
  constructor(
    private readonly crypto: CryptoService,
    private readonly subjects: SubjectService,
    private readonly issuer: Issuer,
    private readonly clock: () => number,
  ) {}

  /** Creates a presentation signed by `subjectOrDid` (default: the single subject of the credentials). */
  async createPresentation(req: CreatePresentationRequest): Promise<WirePresentation> {
    if (!Array.isArray(req.credentials) || !req.credentials.length) throw invalidInput('verifiableCredentials must be a non-empty array');
    const parsed = req.credentials.map(parseOr400);
    let signer = req.subjectOrDid;
    if (!signer) {
      const ids = new Set(parsed.flatMap((c) => c.subjects.map((s) => s.id)));
      if (ids.size !== 1 || typeof [...ids][0] !== 'string') throw invalidInput('signerDID is required when the credentials do not share one subject');
      signer = [...ids][0] as string;
    }
    const key = await this.subjects.signingKey(signer).catch((e: unknown) => {
      if (e instanceof NodeError && e.code === 'not_found') throw invalidInput(`signer '${signer}' is not a subject of this node`);
      throw e;
    });
    const now = this.clock();
    const expiresMs = req.expires ? new Date(req.expires).getTime() : req.lifetimeSeconds !== undefined ? now + req.lifetimeSeconds * 1000 : undefined;
    if (expiresMs !== undefined && (Number.isNaN(expiresMs) || expiresMs <= now)) throw invalidInput('expires must be a date in the future');
    const types = ['VerifiablePresentation', ...asArray(req.type).filter((t) => t !== 'VerifiablePresentation')];
    const id = `${key.did}#${randomUUID()}`;
    if ((req.format ?? 'ldp_vp') === 'jwt_vp') {
      const aud = req.audience ?? req.domain;
      const claims = {
        iss: key.did,
        sub: key.did,
        jti: id,
        nbf: Math.floor(now / 1000),
        iat: Math.floor(now / 1000),
        ...(expiresMs !== undefined ? { exp: Math.floor(expiresMs / 1000) } : {}),
        ...(req.nonce ?? req.challenge ? { nonce: req.nonce ?? req.challenge } : {}),
        ...(aud ? { aud } : {}),
        vp: { '@context': ['https://www.w3.org/2018/credentials/v1', ...(req['@context'] ?? [])], type: types, ...(req.omitHolder ? {} : { holder: key.did }), verifiableCredential: req.credentials },
      };
      return await this.crypto.signJwt(claims, key.kid, { headerKid: key.kid });
    }
    if (parsed.some((c) => c.format !== 'ldp_vc')) throw invalidInput('an ldp_vp can only contain JSON-LD credentials; use format jwt_vp for JWT credentials');
    const contexts = ['https://www.w3.org/2018/credentials/v1', 'https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json', ...(req['@context'] ?? [])];
    const doc = { '@context': [...new Set(contexts)], id, type: types, holder: key.did, verifiableCredential: req.credentials };
    const created = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    return await this.issuer.signLd(doc, key.kid, req.proofPurpose ?? 'assertionMethod', {
      created,
      ...(expiresMs !== undefined ? { expires: new Date(Math.floor(expiresMs / 1000) * 1000).toISOString().replace('.000Z', 'Z') } : {}),
      ...(req.challenge ?? req.nonce ? { challenge: req.challenge ?? req.nonce } : {}),
      ...(req.nonce ? { nonce: req.nonce } : {}),
      ...(req.domain ?? req.audience ? { domain: req.domain ?? req.audience } : {}),
    });
  }
}

