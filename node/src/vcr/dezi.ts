// DeziUserCredential (Dezi spec 0.7 verklaring wrapped as a credential, proof type DeziIDJWT07): building, verifying (jku allow-list, signature, nbf/exp, status_uri) and binding to the presenting organisation.
import { compactVerify, importJWK, type JWK } from 'jose';
import type { JoseKey } from '../crypto/index.js';
import { asArray, decodeJwtParts, isJwt, parseCredential } from './credential.js';
import { CheckFailure, fail } from './errors.js';
import type { ParsedCredential, WireCredential } from './types.js';

export const DEZI_CREDENTIAL_TYPE = 'DeziUserCredential';
/** nuts-node project-gf: the proof carries the raw verklaring JWT; the credential has no signature of its own */
export const DEZI_PROOF_TYPE = 'DeziIDJWT07';
/** the algorithms a verklaring may be signed with (Dezi 0.7 signs RS256) */
const DEZI_ALGS = ['RS256', 'PS256', 'ES256'];
/** the largest Dezi key set read (a handful of RSA keys fits many times over) */
export const DEZI_MAX_RESPONSE_BYTES = 64 * 1024;
const JWKS_MAX_BYTES = DEZI_MAX_RESPONSE_BYTES;
const STATUS_MAX_BYTES = 8 * 1024;

/** The claims of a Dezi 0.7 verklaring (declaration) the lab reads; names as Dezi spells them. */
export interface Verklaring {
  iss: string;
  jti?: string;
  nbf: number;
  exp: number;
  verklaring_id: string;
  dezi_nummer: string;
  voorletters: string;
  voorvoegsel?: string | null;
  achternaam: string;
  abonnee_nummer: string;
  abonnee_naam: string;
  rol_code: string;
  rol_naam?: string;
  rol_code_bron?: string;
  loa_dezi?: string;
  status_uri: string;
  json_schema?: string;
}

/** credentialSubject of a DeziUserCredential (nuts-node's DeziIDTokenSubject, plus the holder's DID as `id`). */
export interface DeziSubject {
  id?: string;
  '@type': 'DeziIDTokenSubject';
  identifier: string;
  name: string;
  employee: {
    '@type': 'HealthcareWorker';
    identifier: string;
    initials: string;
    surnamePrefix: string;
    surname: string;
    role: string;
    role_name?: string;
    role_registry?: string;
  };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The verklaring inside what a caller hands over as `id_token`: the verklaring itself, or a Dezi userinfo JWT carrying it. */
export function verklaringOf(idToken: string): string {
  if (!isJwt(idToken)) throw new CheckFailure('malformed', 'id_token is not a compact JWT');
  const { payload } = decodeJwtParts(idToken.trim());
  // the userinfo's own signature need not be trusted: the verklaring inside is verified on its own
  if (typeof payload.verklaring === 'string') return verklaringOf(payload.verklaring);
  return idToken.trim();
}

/** Reads and checks the claims a verklaring must carry (no signature check). */
export function readVerklaring(jwt: string): Verklaring {
  const { payload: p } = decodeJwtParts(jwt);
  for (const c of ['iss', 'verklaring_id', 'dezi_nummer', 'voorletters', 'achternaam', 'abonnee_nummer', 'abonnee_naam', 'rol_code', 'status_uri'] as const) {
    if (!text(p[c])) fail('malformed', `verklaring has no '${c}' claim`);
  }
  if (typeof p.nbf !== 'number' || typeof p.exp !== 'number') fail('malformed', "verklaring must carry numeric 'nbf' and 'exp'");
  if (!/^\d{9}$/.test(p.dezi_nummer as string)) fail('malformed', `verklaring dezi_nummer '${String(p.dezi_nummer)}' is not 9 digits`);
  if (!/^\d{1,12}$/.test(p.abonnee_nummer as string)) fail('malformed', `verklaring abonnee_nummer '${String(p.abonnee_nummer)}' is not a URA`);
  return p as unknown as Verklaring;
}

function subjectOf(v: Verklaring): DeziSubject {
  return {
    '@type': 'DeziIDTokenSubject',
    identifier: v.abonnee_nummer,
    name: v.abonnee_naam,
    employee: {
      '@type': 'HealthcareWorker',
      identifier: v.dezi_nummer,
      initials: v.voorletters,
      surnamePrefix: v.voorvoegsel ?? '',
      surname: v.achternaam,
      role: v.rol_code,
      ...(v.rol_naam ? { role_name: v.rol_naam } : {}),
      ...(v.rol_code_bron ? { role_registry: v.rol_code_bron } : {}),
    },
  };
}

/** A DeziUserCredential for `holder` (the organisation's DID) from a verklaring or a userinfo JWT carrying one. */
export function deziUserCredential(idToken: string, holder: string): Record<string, unknown> {
  const jwt = verklaringOf(idToken);
  const v = readVerklaring(jwt);
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiableCredential', DEZI_CREDENTIAL_TYPE],
    id: v.jti ?? v.verklaring_id,
    issuer: v.iss,
    issuanceDate: new Date(v.nbf * 1000).toISOString(),
    expirationDate: new Date(v.exp * 1000).toISOString(),
    credentialSubject: { ...subjectOf(v), id: holder },
    proof: { type: DEZI_PROOF_TYPE, jwt },
  };
}

/** Whether a wire credential is a DeziUserCredential (by type or by proof type: either routes it to this module). */
export function isDeziCredential(vc: WireCredential): boolean {
  if (!vc || typeof vc !== 'object' || Array.isArray(vc)) return false;
  const proofTypes = asArray(vc.proof as Record<string, unknown> | Array<Record<string, unknown>> | undefined).map((p) => p?.type);
  return asArray(vc.type as string | string[] | undefined).includes(DEZI_CREDENTIAL_TYPE) || proofTypes.some((t) => typeof t === 'string' && t.startsWith('DeziIDJWT'));
}

export interface DeziVerifierOptions {
  /** jku URLs (exact, as nuts-node's vcr.dezi.allowedjku) whose key sets may sign a verklaring */
  allowedJku: readonly string[];
  fetch?: typeof fetch;
  clock: () => number;
  timeoutMs?: number;
  /** how long a fetched key set is used before it is fetched again (an unknown kid fetches at once) */
  jwksTtlMs?: number;
}

/** Bounded JSON read of a Dezi endpoint on an allow-listed origin: no redirects, a timeout and a byte limit. */
async function fetchJson(f: typeof fetch, url: string, maxBytes: number, timeoutMs: number): Promise<unknown> {
  const res = await f(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new Error(`answer of ${declared} bytes exceeds ${maxBytes}`);
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const r = await reader!.read();
    if (r.done) break;
    size += r.value.byteLength;
    if (size > maxBytes) {
      await reader!.cancel();
      throw new Error(`answer exceeds ${maxBytes} bytes`);
    }
    chunks.push(r.value);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Verifies DeziUserCredentials; the jku allow-list is this credential type's trust anchor. */
export class DeziVerifier {
  private readonly keySets = new Map<string, { at: number; keys: Map<string, { jwk: JWK; key?: JoseKey }> }>();
  private readonly allowed: Set<string>;
  private readonly f: typeof fetch;

  constructor(private readonly o: DeziVerifierOptions) {
    this.allowed = new Set(o.allowedJku);
    this.f = o.fetch ?? fetch;
  }

  get enabled(): boolean {
    return this.allowed.size > 0;
  }

  /** Verifies a DeziUserCredential: proof shape, jku, signature, dates, claims = credential, and (unless off) its status. */
  async verify(vc: Record<string, unknown>, opts: { validAt?: Date; checkRevocation?: boolean } = {}): Promise<ParsedCredential> {
    const proofs = asArray(vc.proof as Record<string, unknown> | Array<Record<string, unknown>> | undefined);
    if (proofs.length !== 1) fail('signature', `a DeziUserCredential carries exactly one proof (has ${proofs.length})`);
    const proof = proofs[0]!;
    if (proof.type !== DEZI_PROOF_TYPE) fail('signature', `unsupported Dezi proof type '${String(proof.type)}' (only ${DEZI_PROOF_TYPE}, Dezi spec 0.7)`);
    if (!isJwt(proof.jwt)) fail('malformed', 'the Dezi proof carries no verklaring JWT');
    const jwt = (proof.jwt as string).trim();
    const { header } = decodeJwtParts(jwt);
    const jku = text(header.jku);
    const kid = text(header.kid);
    const alg = text(header.alg);
    if (!jku) fail('untrusted_issuer', "verklaring has no 'jku' header");
    if (!this.allowed.has(jku!)) fail('untrusted_issuer', `verklaring jku '${jku}' is not an allowed Dezi key set (vcr.dezi.allowedjku)`);
    if (!kid) fail('signature', "verklaring has no 'kid' header");
    if (!alg || !DEZI_ALGS.includes(alg)) fail('signature', `verklaring algorithm '${String(alg)}' is not allowed (${DEZI_ALGS.join(', ')})`);
    const key = await this.key(jku!, kid!, alg!);
    try {
      await compactVerify(jwt, key, { algorithms: [alg!] });
    } catch {
      fail('signature', `verklaring signature is invalid (key ${kid} of ${jku})`);
    }
    const v = readVerklaring(jwt);
    const at = (opts.validAt ?? new Date(this.o.clock())).getTime();
    if (v.nbf * 1000 > at) fail('not_yet_valid', `verklaring ${v.verklaring_id} is not valid yet (valid from ${new Date(v.nbf * 1000).toISOString()})`);
    if (v.exp * 1000 < at) fail('expired', `verklaring ${v.verklaring_id} is expired (since ${new Date(v.exp * 1000).toISOString()})`);
    const c = parseCredential(vc);
    this.checkMatches(c, v);
    if (opts.checkRevocation !== false) await this.checkStatus(v, jku!);
    return c;
  }

  /** The credential must say exactly what the signed verklaring says (nuts-node compares subject and dates likewise). */
  private checkMatches(c: ParsedCredential, v: Verklaring): void {
    if (!c.types.includes(DEZI_CREDENTIAL_TYPE)) fail('schema', `credential with a ${DEZI_PROOF_TYPE} proof must be of type ${DEZI_CREDENTIAL_TYPE}`);
    if (c.issuer !== v.iss) fail('malformed', `credential issuer '${c.issuer}' is not the verklaring's iss '${v.iss}'`);
    if (c.issuanceDate?.getTime() !== v.nbf * 1000) fail('malformed', "verklaring 'nbf' does not match credential 'issuanceDate'");
    if (c.expirationDate?.getTime() !== v.exp * 1000) fail('malformed', "verklaring 'exp' does not match credential 'expirationDate'");
    if (c.subjects.length !== 1) fail('malformed', `a DeziUserCredential has exactly one subject (has ${c.subjects.length})`);
    const { id: _holder, ...subject } = c.subjects[0]!;
    if (JSON.stringify(canonical(subject)) !== JSON.stringify(canonical(subjectOf(v)))) fail('malformed', 'credentialSubject does not match the verklaring claims');
  }

  /** status_uri must sit on the allow-listed Dezi origin (no fetch elsewhere on a presenter's say-so); unknown → refused. */
  private async checkStatus(v: Verklaring, jku: string): Promise<void> {
    let status: URL;
    try {
      status = new URL(v.status_uri);
    } catch {
      return fail('malformed', `verklaring status_uri '${v.status_uri}' is not a URL`);
    }
    if (status.origin !== new URL(jku).origin) fail('untrusted_issuer', `verklaring status_uri ${status.origin} is not on the Dezi origin of its key set (${new URL(jku).origin})`);
    let body: unknown;
    try {
      body = await fetchJson(this.f, status.toString(), STATUS_MAX_BYTES, this.o.timeoutMs ?? 5000);
    } catch (e) {
      return fail('status_unavailable', `status of verklaring ${v.verklaring_id} cannot be read at ${v.status_uri}: ${(e as Error).message}`);
    }
    const s = (body as { status?: unknown } | undefined)?.status;
    if (s === 'revoked') fail('revoked', `verklaring ${v.verklaring_id} is revoked (${v.status_uri})`);
    if (s !== 'active') fail('status_unavailable', `status of verklaring ${v.verklaring_id} is '${String(s)}', not active`);
  }

  private async key(jku: string, kid: string, alg: string): Promise<JoseKey> {
    const now = this.o.clock();
    let set = this.keySets.get(jku);
    if (!set || now - set.at > (this.o.jwksTtlMs ?? 300_000) || !set.keys.has(kid)) set = await this.loadKeySet(jku, now);
    const entry = set.keys.get(kid);
    if (!entry) return fail('signature', `Dezi key set ${jku} has no key '${kid}'`);
    if (!entry.key) {
      try {
        entry.key = (await importJWK(entry.jwk, alg)) as JoseKey;
      } catch (e) {
        return fail('signature', `key '${kid}' of ${jku} cannot verify ${alg}: ${(e as Error).message}`);
      }
    }
    return entry.key;
  }

  private async loadKeySet(jku: string, now: number): Promise<{ at: number; keys: Map<string, { jwk: JWK; key?: JoseKey }> }> {
    let body: unknown;
    try {
      body = await fetchJson(this.f, jku, JWKS_MAX_BYTES, this.o.timeoutMs ?? 5000);
    } catch (e) {
      return fail('unresolvable', `Dezi key set ${jku} cannot be fetched: ${(e as Error).message}`);
    }
    const keys = (body as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(keys)) return fail('unresolvable', `Dezi key set ${jku} is not a JWK Set`);
    const set = { at: now, keys: new Map(keys.filter((k): k is JWK => !!k && typeof k === 'object' && typeof (k as JWK).kid === 'string').map((k) => [k.kid!, { jwk: k }])) };
    this.keySets.set(jku, set);
    return set;
  }
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

const URA_OTHERNAME = /^[0-9.]+-\d+-\d+-S-(\d+)-00\.000-\d+$/;

/**
 * URAs the organisation credentials among `credentials` attest for `holder`: NutsUraCredential, X509Credential (UZI
 * server certificate) and HealthcareProviderCredential. Proof-less credentials are left out: a URA the holder
 * declares about itself binds nothing.
 */
export function organisationUras(credentials: WireCredential[], holder: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of credentials) {
    if (isDeziCredential(raw)) continue;
    if (typeof raw !== 'string' && raw.proof === undefined) continue;
    let c: ParsedCredential;
    try {
      c = parseCredential(raw);
    } catch {
      continue;
    }
    for (const s of c.subjects) {
      if (holder !== undefined && s.id !== holder) continue;
      const org = s.organization as { ura?: unknown } | undefined;
      const san = s.san as { otherName?: unknown } | undefined;
      const identifier = s.identifier as { value?: unknown } | undefined;
      if (c.types.includes('NutsUraCredential') && typeof org?.ura === 'string') out.push(org.ura);
      if (c.types.includes('X509Credential') && typeof san?.otherName === 'string') {
        const m = URA_OTHERNAME.exec(san.otherName);
        if (m) out.push(m[1]!);
      }
      if (c.types.includes('HealthcareProviderCredential') && typeof identifier?.value === 'string') out.push(identifier.value);
    }
  }
  return [...new Set(out)];
}

/** The Dezi credentials among a presentation's credentials. */
export function deziCredentialsOf(credentials: WireCredential[]): Array<Record<string, unknown>> {
  return credentials.filter((c): c is Record<string, unknown> => isDeziCredential(c));
}

/** The verified role of the one care worker a presentation's Dezi credential names (undefined without one). */
export function deziRoleOf(credentials: WireCredential[]): string | undefined {
  const [d] = deziCredentialsOf(credentials);
  const s = asArray(d?.credentialSubject as DeziSubject | DeziSubject[] | undefined)[0];
  return s?.employee?.role;
}

export type DeziBinding = { ok: true } | { ok: false; code: 'dezi_alone' | 'dezi_organisation' | 'dezi_multiple'; reason: string };

/**
 * A DeziUserCredential is never accepted on its own: the same presentation must hold the organisation's URA credential
 * (with a proof) about the same holder, and that URA must be the verklaring's abonnee_nummer.
 */
export function checkDeziBinding(credentials: WireCredential[], holder: string | undefined): DeziBinding {
  const dezi = deziCredentialsOf(credentials);
  if (!dezi.length) return { ok: true };
  if (dezi.length > 1) return { ok: false, code: 'dezi_multiple', reason: `a presentation names one care worker: it holds ${dezi.length} DeziUserCredentials` };
  const uras = organisationUras(credentials, holder);
  if (!uras.length) {
    return { ok: false, code: 'dezi_alone', reason: 'a DeziUserCredential is never accepted on its own: the presentation holds no organisation credential (NutsUraCredential, X509Credential or HealthcareProviderCredential) binding the holder to a URA' };
  }
  const s = asArray(dezi[0]!.credentialSubject as DeziSubject | DeziSubject[] | undefined)[0];
  const abonnee = s?.identifier;
  // every organisation URA in the presentation must be the verklaring's: a second, matching credential does not excuse another
  if (!abonnee || uras.some((u) => u !== abonnee)) {
    return { ok: false, code: 'dezi_organisation', reason: `the Dezi verklaring is for organisation URA ${String(abonnee)} (abonnee_nummer), but the presenting organisation is URA ${uras.join(', ')}` };
  }
  return { ok: true };
}
