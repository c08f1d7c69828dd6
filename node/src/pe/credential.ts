// Credentials as PE sees them: a JWT VC or a JSON-LD VC turned into one JSON shape, with its format for `format` matching.
import { decodeJwtCached, parseCredential } from '../vcr/credential.js';
import { invalidInput } from '../core/errors.js';

export type WireCredential = string | Record<string, unknown>;

export interface PeCredential {
  /** the credential as it travels (compact JWT or JSON object) */
  wire: WireCredential;
  /** JSON form PD paths are evaluated on */
  json: Record<string, unknown>;
  format: 'jwt_vc' | 'ldp_vc';
  /** JWT alg or JSON-LD proof types; empty for a self-attested credential without proof */
  algs: string[];
}

/** JSON form of a JWT VC per VC-JWT 1.1 (the `vc` claim completed from `iss`, `sub`, `jti`, `nbf`, `exp`), as vcr parses it. */
export function jwtCredentialToJson(jwt: string): Record<string, unknown> {
  try {
    return parseCredential(jwt).document;
  } catch (e) {
    throw invalidInput(`credential is not a valid JWT credential: ${(e as Error).message}`);
  }
}

/**
 * nuts-node (go-did) holds a JWT credential's `credentialSubject` as a list, so PD paths on it read
 * `$.credentialSubject[0]…`; a PD that must work on both nodes lists both paths (as upstream's own PDs do).
 */
function asNutsNodeSees(doc: Record<string, unknown>): Record<string, unknown> {
  const cs = doc.credentialSubject;
  return cs === undefined || Array.isArray(cs) ? doc : { ...doc, credentialSubject: [cs] };
}

/** The credential with a single subject as an object again: how searches and registration parameters read it. */
export function withSingleSubject(json: Record<string, unknown>): Record<string, unknown> {
  const cs = json.credentialSubject;
  return Array.isArray(cs) && cs.length === 1 ? { ...json, credentialSubject: cs[0] } : json;
}

export function toPeCredential(wire: WireCredential): PeCredential {
  if (typeof wire === 'string') {
    let alg = '';
    try {
      alg = String(decodeJwtCached(wire).header.alg ?? '');
    } catch {
      throw invalidInput('credential is not a valid JWT');
    }
    return { wire, json: asNutsNodeSees(jwtCredentialToJson(wire)), format: 'jwt_vc', algs: alg ? [alg] : [] };
  }
  if (!wire || typeof wire !== 'object' || Array.isArray(wire)) throw invalidInput('credential must be a JWT string or a JSON object');
  const proofs = wire.proof === undefined ? [] : Array.isArray(wire.proof) ? wire.proof : [wire.proof];
  const algs = proofs.map((p) => String((p as { type?: unknown })?.type ?? '')).filter(Boolean);
  return { wire, json: wire, format: 'ldp_vc', algs };
}

export function credentialTypes(json: Record<string, unknown>): string[] {
  const t = json.type;
  return Array.isArray(t) ? t.map(String) : typeof t === 'string' ? [t] : [];
}

/** Short human label for reports: its most specific type and id. */
export function credentialLabel(c: PeCredential): string {
  const types = credentialTypes(c.json).filter((t) => t !== 'VerifiableCredential');
  return `${types.join(',') || 'credential'}${typeof c.json.id === 'string' ? ` ${c.json.id}` : ''} (${c.format})`;
}

/** The subject DIDs of a credential (credentialSubject may be an object or an array). */
export function credentialSubjectIds(json: Record<string, unknown>): Array<string | undefined> {
  const cs = json.credentialSubject;
  const list = Array.isArray(cs) ? cs : cs === undefined ? [] : [cs];
  return list.map((s) => (s && typeof s === 'object' && typeof (s as { id?: unknown }).id === 'string' ? (s as { id: string }).id : undefined));
}
