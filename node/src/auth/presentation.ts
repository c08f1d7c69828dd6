// The envelope of a presented VP (JWT or JSON-LD): signer, audience, nonce, validity and credentials, read before any signature check.
import { baseDid } from '../vdr/index.js';
import { credentialSubjectIds, credentialTypes, implicitlySelfAttested, toPeCredential } from '../pe/index.js';
import { decodeJwtCached } from '../vcr/index.js';
import { oauthError } from './errors.js';
import type { CredentialVerifierPort, WireCredential, WirePresentation } from './ports.js';

export interface VpEnvelope {
  wire: WirePresentation;
  format: 'jwt_vp' | 'ldp_vp';
  /** what PE descriptor paths are evaluated on: the `vp` claim of a JWT VP, or the JSON-LD document */
  json: Record<string, unknown>;
  /** DID of the key that signed (kid / verificationMethod), without fragment */
  signer?: string;
  nonce?: string;
  audiences: string[];
  /** epoch ms */
  notBefore?: number;
  expires?: number;
  credentials: WireCredential[];
}

/** nuts-node s2sMaxPresentationValidity */
export const MAX_PRESENTATION_VALIDITY_MS = 5_000;
/** nonces are kept for the VP validity plus clock skew */
export const NONCE_TTL_MS = 10_000;

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ms = (s: unknown) => (typeof s === 'number' ? s * 1000 : typeof s === 'string' && !Number.isNaN(Date.parse(s)) ? Date.parse(s) : undefined);

export function parsePresentation(wire: WirePresentation): VpEnvelope {
  if (typeof wire === 'string') {
    let claims: Record<string, unknown>;
    let kid: unknown;
    try {
      const parts = decodeJwtCached(wire);
      claims = parts.payload;
      kid = parts.header.kid;
    } catch (e) {
      throw oauthError('invalid_request', `assertion is not a valid JWT presentation: ${(e as Error).message}`);
    }
    const vp = claims.vp;
    if (!vp || typeof vp !== 'object' || Array.isArray(vp)) throw oauthError('invalid_request', 'assertion JWT has no vp claim');
    const signer = typeof kid === 'string' ? baseDid(kid) : typeof claims.iss === 'string' ? claims.iss : undefined;
    return {
      wire,
      format: 'jwt_vp',
      json: vp as Record<string, unknown>,
      signer,
      nonce: typeof claims.nonce === 'string' ? claims.nonce : undefined,
      audiences: asArray(claims.aud as string | string[] | undefined).filter((a): a is string => typeof a === 'string'),
      notBefore: ms(claims.nbf ?? claims.iat),
      expires: ms(claims.exp),
      credentials: asArray((vp as Record<string, unknown>).verifiableCredential as WireCredential | WireCredential[] | undefined),
    };
  }
  if (!wire || typeof wire !== 'object' || Array.isArray(wire)) throw oauthError('invalid_request', 'assertion must be a JWT or a JSON-LD presentation');
  const proof = asArray(wire.proof as Record<string, unknown> | Array<Record<string, unknown>> | undefined)[0];
  if (!proof) throw oauthError('invalid_request', 'JSON-LD presentation has no proof');
  const vm = proof.verificationMethod;
  return {
    wire,
    format: 'ldp_vp',
    json: wire,
    signer: typeof vm === 'string' ? baseDid(vm) : undefined,
    nonce: typeof proof.nonce === 'string' ? proof.nonce : typeof proof.challenge === 'string' ? proof.challenge : undefined,
    audiences: asArray(proof.domain as string | string[] | undefined).filter((a): a is string => typeof a === 'string'),
    notBefore: ms(proof.created),
    expires: ms(proof.expires),
    credentials: asArray(wire.verifiableCredential as WireCredential | WireCredential[] | undefined),
  };
}

/** The `assertion` form parameter: a JWT VP, a JSON-LD VP, or a JSON array of VPs. */
export function parseAssertion(assertion: string): VpEnvelope[] {
  const text = assertion.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw oauthError('invalid_request', `assertion is not valid JSON: ${(e as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (list.length === 0) throw oauthError('invalid_request', 'assertion holds no presentation');
    return list.map((p) => parsePresentation(p as WirePresentation));
  }
  return [parsePresentation(text)];
}

/** A JWT credential carries its signature; a JSON-LD one needs a proof. Without either it is at most self-attested. */
export function hasProof(vc: WireCredential): boolean {
  return typeof vc === 'string' || vc.proof !== undefined;
}

const issuerOf = (vc: Record<string, unknown>) => (typeof vc.issuer === 'string' ? vc.issuer : (vc.issuer as { id?: unknown } | undefined)?.id);
const sameCredential = (a: WireCredential, b: WireCredential) => a === b || (typeof a !== 'string' && typeof b !== 'string' && JSON.stringify(a) === JSON.stringify(b));

export type FullVerification = { ok: true; checked: WireCredential[] } | { ok: false; reason: string; code: string };

export interface FullVerificationOptions {
  validAt: Date;
  /** every credential with a proof must come from an issuer on vcr's trust list (auth.requireTrustedIssuers) */
  checkTrust?: boolean;
  /** credentials of these types must come from a trusted issuer whatever `checkTrust` says (governance) */
  trustTypes?: readonly string[];
  /**
   * credentials the presentation definition lets the holder attest itself (`selfAttestable()` of the PD match); any
   * other credential without a proof is refused
   */
  selfAttestable: readonly WireCredential[];
}

/**
 * Full verification of a presentation and its credentials: the presentation's signature first, then every credential
 * with a proof (signature, dates, revocation, and trust), and only then the exception for credentials without a proof.
 * Such a credential is accepted only where the definition allows self-attestation for it (subject_is_issuer), issued by
 * the presentation's signer, and only next to a credential from a trusted issuer that the definition does not let the
 * holder make itself: self-attestation adds a claim to an organisation someone trusted vouches for, it never makes one.
 * Returns the credentials whose status can be re-checked later.
 */
export async function verifyPresentationFully(verifier: CredentialVerifierPort, vp: VpEnvelope, opts: FullVerificationOptions): Promise<FullVerification> {
  const pr = await verifier.verifyPresentation(vp.wire, { validAt: opts.validAt, verifyCredentials: false });
  if (!pr.valid) return { ok: false, code: pr.code ?? 'invalid', reason: `presentation is invalid (${pr.code ?? 'invalid'}): ${pr.message}` };
  const withoutProof = vp.credentials.filter((vc) => !hasProof(vc));
  // allowed by the definition, or one of the two types nuts-node itself presents unsigned (wherever they sit in the VP)
  const allowed = (vc: WireCredential) => opts.selfAttestable.some((a) => sameCredential(a, vc)) || implicitlySelfAttested(toPeCredential(vc));
  // the trust check runs before any exception: with a self-attested credential in the presentation, the organisation must be trusted
  const trustAll = (opts.checkTrust ?? false) || withoutProof.length > 0;
  const checked: WireCredential[] = [];
  for (const vc of vp.credentials.filter(hasProof)) {
    const governed = !!opts.trustTypes?.length && credentialTypes(toPeCredential(vc).json).some((t) => opts.trustTypes!.includes(t));
    const r = await verifier.verifyCredential(vc, { validAt: opts.validAt, checkRevocation: true, checkTrust: trustAll || governed });
    if (!r.valid) return { ok: false, code: r.code ?? 'invalid', reason: `credential ${credentialName(vc)} is invalid (${r.code ?? 'invalid'}): ${r.message}` };
    checked.push(vc);
  }
  for (const vc of withoutProof) {
    const name = credentialName(vc);
    if (!allowed(vc)) return { ok: false, code: 'self_attested', reason: `credential ${name} has no proof, and the presentation definition does not allow self-attestation for it` };
    const issuer = issuerOf(vc as Record<string, unknown>);
    if (issuer !== vp.signer) return { ok: false, code: 'self_attested', reason: `self-attested credential ${name} is issued by ${String(issuer)}, not by the presentation signer ${String(vp.signer)}` };
  }
  if (withoutProof.length > 0 && !checked.some((vc) => !allowed(vc))) {
    return { ok: false, code: 'self_attested', reason: 'presentation holds self-attested credentials but no credential from a trusted issuer that establishes the organisation' };
  }
  return { ok: true, checked };
}

/** Most specific type and id of a credential, for messages. */
export function credentialName(vc: WireCredential): string {
  try {
    const j = toPeCredential(vc).json;
    const types = (Array.isArray(j.type) ? j.type : [j.type]).filter((t) => t !== 'VerifiableCredential');
    return `${types.join(',')}${typeof j.id === 'string' ? ` ${j.id}` : ''}`;
  } catch {
    return '(unreadable)';
  }
}

/** nuts-node s2sMaxPresentationValidity: a presentation names its validity and it is at most 5 s. */
export function checkValidity(vp: VpEnvelope): void {
  if (vp.notBefore === undefined || vp.expires === undefined) throw oauthError('invalid_request', 'presentation has no validity period (nbf/exp or created/expires)');
  if (vp.expires - vp.notBefore > MAX_PRESENTATION_VALIDITY_MS) {
    throw oauthError('invalid_request', `presentation is valid for too long (max 5s, got ${Math.round((vp.expires - vp.notBefore) / 100) / 10}s)`);
  }
}

/** The presentation is signed, holds credentials, and every credential is about its signer. */
export function checkSigner(vp: VpEnvelope): void {
  if (!vp.signer) throw oauthError('invalid_request', 'presentation signer cannot be determined (no kid / verificationMethod)');
  if (vp.credentials.length === 0) throw oauthError('invalid_request', 'presentation holds no credentials');
  for (const vc of vp.credentials) {
    let ids: Array<string | undefined>;
    try {
      ids = credentialSubjectIds(toPeCredential(vc).json);
    } catch (e) {
      throw oauthError('invalid_request', `presentation holds an unreadable credential: ${(e as Error).message}`);
    }
    if (ids.length === 0 || ids.some((id) => id !== vp.signer)) {
      throw oauthError('invalid_request', `presentation signer ${vp.signer} is not the subject of credential ${credentialName(vc)} (subject ${ids.join(', ') || 'missing'})`);
    }
  }
}
