// Parsing of credentials and presentations in either wire format (compact JWT or JSON-LD object) into one shape.
import { BoundedCache, deepFreeze } from '../core/cache.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { fail } from './errors.js';
import type { CredentialFormat, ParsedCredential, WireCredential } from './types.js';

export const isJwt = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(v.trim());

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function parseDate(v: unknown, field: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) fail('malformed', `${field} is not a valid date`);
  return d;
}

const idOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : undefined);

/** A bounded most-recently-used map for pure parses of immutable wire strings (never for verification results). */
class ParseCache<V> {
  // keys are wire strings from remote parties (up to the 1 MB body limit): bounded in bytes, not only in entries;
  // a parse costs about as much memory as its wire string, hence four bytes per UTF-16 key character
  private readonly cache: BoundedCache<string, V>;
  constructor(max: number) {
    this.cache = new BoundedCache({ maxEntries: max, maxBytes: 16 * 1024 * 1024 });
  }
  get(key: string): V | undefined {
    return this.cache.get(key);
  }
  set(key: string, v: V): V {
    this.cache.set(key, v, key.length * 4 + 64);
    return v;
  }
}

export { deepFreeze };

// one request decodes the same VP and credential JWTs in several places (envelope, PE, verifier, audit), and the same
// organisation credential arrives with every request: decoding is pure, so it is done once per string
const PARSE_CACHE_MAX = 512;
const jwtParts = new ParseCache<{ header: Record<string, unknown>; payload: Record<string, unknown> }>(PARSE_CACHE_MAX);
const credentials = new ParseCache<ParsedCredential>(PARSE_CACHE_MAX);

/** Header and payload of a compact JWT (frozen); throws jose's error when it cannot be decoded. */
export function decodeJwtCached(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const hit = jwtParts.get(jwt);
  if (hit) return hit;
  const parts = fastDecode(jwt) ?? { header: decodeProtectedHeader(jwt) as Record<string, unknown>, payload: decodeJwt(jwt) as Record<string, unknown> };
  return jwtParts.set(jwt, deepFreeze(parts));
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Native base64url decoding of a well-formed compact JWS (jose decodes through atob, several times slower on a
 * presentation of a few kilobytes). Anything this does not accept goes to jose, which decides and names the error.
 */
function fastDecode(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !B64URL.test(parts[0]!) || !B64URL.test(parts[1]!)) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return isPlainObject(header) && isPlainObject(payload) ? { header, payload } : undefined;
  } catch {
    return undefined;
  }
}

export function decodeJwtParts(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  try {
    return decodeJwtCached(jwt);
  } catch (e) {
    return fail('malformed', `not a decodable JWT: ${(e as Error).message}`);
  }
}

/** Parses a credential without checking its proof; throws CheckFailure('malformed') when it is not a credential. */
export function parseCredential(raw: WireCredential): ParsedCredential {
  if (typeof raw !== 'string') return parseUncached(raw);
  return credentials.get(raw) ?? credentials.set(raw, deepFreeze(parseUncached(raw)));
}

function parseUncached(raw: WireCredential): ParsedCredential {
  if (typeof raw === 'string') {
    if (!isJwt(raw)) fail('malformed', 'a credential string must be a compact JWT');
    const { payload } = decodeJwtParts(raw.trim());
    const vc = payload.vc;
    if (!vc || typeof vc !== 'object' || Array.isArray(vc)) fail('malformed', "JWT credential has no 'vc' claim");
    const v = vc as Record<string, unknown>;
    const issuer = (payload.iss as string | undefined) ?? idOf(v.issuer);
    const subjects = asArray(v.credentialSubject as Record<string, unknown> | Array<Record<string, unknown>>).map((s) => ({ ...s }));
    // VC-JWT 1.1: `sub` stands for credentialSubject.id, `jti` for id, `nbf` for issuanceDate, `exp` for expirationDate
    if (typeof payload.sub === 'string' && subjects.length === 1 && subjects[0]!.id === undefined) subjects[0]!.id = payload.sub;
    if (typeof payload.sub === 'string' && subjects.some((s) => s.id !== payload.sub)) fail('malformed', "JWT 'sub' differs from credentialSubject.id");
    if (typeof payload.iss === 'string' && v.issuer !== undefined && idOf(v.issuer) !== payload.iss) fail('malformed', "JWT 'iss' differs from vc.issuer");
    const issuanceDate = parseDate(payload.nbf ?? v.issuanceDate, 'nbf');
    const expirationDate = parseDate(payload.exp ?? v.expirationDate, 'exp');
    const id = (payload.jti as string | undefined) ?? (v.id as string | undefined);
    const document: Record<string, unknown> = {
      ...v,
      ...(id ? { id } : {}),
      issuer,
      credentialSubject: subjects.length === 1 ? subjects[0] : subjects,
      ...(issuanceDate ? { issuanceDate: issuanceDate.toISOString() } : {}),
      ...(expirationDate ? { expirationDate: expirationDate.toISOString() } : {}),
    };
    return finish('jwt_vc', document, raw, issuer, subjects, issuanceDate, expirationDate, id);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('malformed', 'a credential must be a JSON object or a compact JWT');
  if (raw['@context'] === undefined) fail('malformed', 'JSON-LD credential has no @context');
  const subjects = asArray(raw.credentialSubject as Record<string, unknown> | Array<Record<string, unknown>>);
  return finish('ldp_vc', raw, raw, idOf(raw.issuer), subjects, parseDate(raw.issuanceDate, 'issuanceDate'), parseDate(raw.expirationDate, 'expirationDate'), raw.id as string | undefined);
}

function finish(
  format: CredentialFormat,
  document: Record<string, unknown>,
  raw: WireCredential,
  issuer: string | undefined,
  subjects: Array<Record<string, unknown>>,
  issuanceDate: Date | undefined,
  expirationDate: Date | undefined,
  id: string | undefined,
): ParsedCredential {
  const types = asArray(document.type as string | string[]);
  if (!types.includes('VerifiableCredential')) fail('malformed', "credential type must include 'VerifiableCredential'");
  if (!issuer) fail('malformed', 'credential has no issuer');
  if (!subjects.length || subjects.some((s) => !s || typeof s !== 'object')) fail('malformed', 'credential has no credentialSubject');
  const ids = new Set(subjects.map((s) => s.id));
  const subjectId = ids.size === 1 && typeof subjects[0]!.id === 'string' ? (subjects[0]!.id as string) : undefined;
  return {
    format,
    ...(id ? { id } : {}),
    types,
    issuer: issuer!,
    subjects,
    ...(subjectId ? { subjectId } : {}),
    ...(issuanceDate ? { issuanceDate } : {}),
    ...(expirationDate ? { expirationDate } : {}),
    credentialStatus: asArray(document.credentialStatus as Record<string, unknown> | Array<Record<string, unknown>>),
    document,
    raw,
  };
}
