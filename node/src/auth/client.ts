// Token client: RFC021 (AS metadata → presentation definition → wallet match → VP → token) and the pilot's RFC 7523 jwt-bearer two-VP flow; tokens cached.
import { readBody } from '../core/http.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NodeError, invalidInput } from '../core/errors.js';
import { outgoingTraceHeaders } from '../core/context.js';
import { parseBody } from '../core/validation.js';
import type { CryptoService } from '../crypto/index.js';
import { buildSubmission, explain, matchDefinition, validateDefinition, type FormatDesignations, type PresentationDefinition, type PresentationSubmission } from '../pe/index.js';
import type { PolicyStore } from '../policy/index.js';
import type { SubjectService } from '../vdr/index.js';
import { createDpopProof } from './dpop.js';
import { JWT_BEARER, JWT_BEARER_CLIENT_ASSERTION_TYPE } from './jwtbearer.js';
import type { VcrPort, WireCredential, WirePresentation } from './ports.js';
import { MAX_PRESENTATION_VALIDITY_MS } from './presentation.js';
import { VP_TOKEN_BEARER } from './server.js';
import { deziUserCredential } from '../vcr/index.js';

export const ServiceAccessTokenRequestSchema = z.object({
  authorization_server: z.string().url(),
  scope: z.string().min(1),
  credentials: z.array(z.record(z.string(), z.unknown())).optional(),
  credential_selection: z.record(z.string(), z.string()).optional(),
  // compared case-insensitively, as nuts-node does ("bearer" in its didx509 e2e flow)
  token_type: z.preprocess((v) => (typeof v === 'string' ? ({ bearer: 'Bearer', dpop: 'DPoP' } as Record<string, string>)[v.toLowerCase()] ?? v : v), z.enum(['Bearer', 'DPoP'])).optional(),
  /** nuts-node master (experimental): the service provider's subject; switches to the RFC 7523 jwt-bearer two-VP flow */
  service_provider_subject_id: z.string().min(1).optional(),
  /**
   * nuts-node project-gf: the care worker's Dezi login — the verklaring (Dezi 0.7) or the userinfo JWT carrying it. The
   * node wraps it as a DeziUserCredential of this organisation and presents it with the organisation's credentials.
   */
  id_token: z.string().min(1).max(16_384).optional(),
});
export type ServiceAccessTokenRequest = z.infer<typeof ServiceAccessTokenRequestSchema>;

export interface ClientTokenResponse {
  access_token: string;
  token_type: string;
  scope?: string;
  expires_in?: number;
  expires_at?: number;
  dpop_kid?: string;
}

export interface AuthClientOptions {
  subjects: SubjectService;
  crypto: CryptoService;
  vcr: () => VcrPort;
  /** this node's policies: the jwt-bearer flow takes both definitions from them (the LSP publishes none) */
  policies: () => PolicyStore;
  fetch: typeof fetch;
  clock: () => number;
  baseUrl: () => string;
  defaultTokenType: 'DPoP' | 'Bearer';
  cacheMarginMs: number;
  timeoutMs: number;
}

const err = (status: number, message: string, cause?: unknown) =>
  new NodeError(status === 412 ? 'precondition_failed' : status === 502 ? 'bad_gateway' : status === 503 ? 'unavailable' : 'invalid_input', message, { cause });

export class AuthClient {
  private readonly cache = new Map<string, ClientTokenResponse>();

  constructor(private readonly o: AuthClientOptions) {}

  async requestServiceAccessToken(subject: string, body: unknown, opts: { noCache?: boolean } = {}): Promise<ClientTokenResponse> {
    const req = parseBody(ServiceAccessTokenRequestSchema, body);
    const [did] = await this.o.subjects.dids(subject);
    const sp = req.service_provider_subject_id;
    if (sp && req.token_type === 'DPoP') throw err(400, 'token_type DPoP is not available with service_provider_subject_id: the jwt-bearer grant issues Bearer tokens');
    const tokenType = sp ? 'Bearer' : req.token_type ?? this.o.defaultTokenType;
    const cacheKey = createHash('sha256').update(JSON.stringify([subject, sp ?? null, req.authorization_server, req.scope, tokenType, req.credentials ?? [], req.credential_selection ?? {}, req.id_token ?? null])).digest('base64url');
    const now = this.o.clock();
    const cached = this.cache.get(cacheKey);
    if (!opts.noCache && cached?.expires_at && cached.expires_at * 1000 - this.o.cacheMarginMs > now) {
      return { ...cached, expires_in: cached.expires_at - Math.floor(now / 1000) };
    }
    const selfAttested = (req.credentials ?? []).map((c, i) => completeSelfAttested(c, did!, i, now));
    if (req.id_token) selfAttested.push(deziCredentialFor(req.id_token, did!));
    const metadata = await this.metadata(req.authorization_server, sp ? JWT_BEARER : VP_TOKEN_BEARER);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...outgoingTraceHeaders() };
    let form: URLSearchParams;
    let dpopKid: string | undefined;
    if (sp) {
      form = await this.jwtBearerForm(subject, did!, sp, req.scope, metadata.issuer, selfAttested, req.credential_selection);
    } else {
      const pd = await this.definition(metadata, req.scope);
      const format = chooseVpFormat(metadata.vp_formats_supported as FormatDesignations | undefined, pd.format);
      const { vp, submission } = await this.present(subject, did!, pd, [...selfAttested], { scope: req.scope, selection: req.credential_selection, audience: metadata.issuer, format });
      if (tokenType === 'DPoP') {
        dpopKid = (await this.o.subjects.signingKey(subject)).kid;
        headers.dpop = await createDpopProof(this.o.crypto, dpopKid, { htm: 'POST', htu: metadata.token_endpoint }, this.o.clock);
      }
      form = new URLSearchParams({
        grant_type: VP_TOKEN_BEARER,
        client_id: `${this.o.baseUrl()}/oauth2/${subject}`,
        assertion: typeof vp === 'string' ? vp : JSON.stringify(vp),
        presentation_submission: JSON.stringify(submission),
        scope: req.scope,
      });
    }
    const res = await this.call(metadata.token_endpoint, { method: 'POST', headers, body: form.toString() }, 'token endpoint');
    const json = res as Record<string, unknown>;
    if (typeof json.access_token !== 'string' || typeof json.token_type !== 'string') throw err(502, 'authorization server answered without access_token/token_type');
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : undefined;
    const out: ClientTokenResponse = {
      access_token: json.access_token,
      token_type: json.token_type,
      scope: typeof json.scope === 'string' ? json.scope : req.scope,
      ...(expiresIn !== undefined ? { expires_in: expiresIn, expires_at: Math.floor(now / 1000) + expiresIn } : {}),
      ...(json.token_type === 'DPoP' && dpopKid ? { dpop_kid: dpopKid } : {}),
    };
    if (out.expires_at) {
      for (const [k, v] of this.cache) if ((v.expires_at ?? 0) * 1000 <= now) this.cache.delete(k);
      this.cache.set(cacheKey, out);
    }
    return out;
  }

  /**
   * The pilot's two presentations as nuts-node master's experimental jwt-bearer client builds them: VP1 from the care
   * provider's wallet (organization definition), VP2 from the service provider's (service_provider definition), both
   * from this node's own policy, as JWTs with iss = holder and without vp.holder; no client_id, no presentation_submission.
   * credential_selection narrows VP1 (e.g. the patient's enrolment by patient_enrollment_bsn).
   */
  private async jwtBearerForm(subject: string, did: string, spSubject: string, scope: string, audience: string, selfAttested: WireCredential[], selection?: Record<string, string>): Promise<URLSearchParams> {
    const [spDid] = await this.o.subjects.dids(spSubject);
    const profile = this.o.policies().profileFor(scope);
    const spPd = profile.definitions.service_provider;
    if (!spPd) throw err(400, `scope '${profile.scope}' has no service_provider presentation definition in this node's policy, so it cannot be requested with service_provider_subject_id`);
    const common = { scope, audience, format: 'jwt_vp' as const, omitHolder: true };
    const vp1 = await this.present(subject, did, profile.definitions.organization!, selfAttested, { ...common, selection });
    const vp2 = await this.present(spSubject, spDid!, spPd, [], common);
    return new URLSearchParams({
      grant_type: JWT_BEARER,
      assertion: vp1.vp as string,
      client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE,
      client_assertion: vp2.vp as string,
      scope,
    });
  }

  /** Matches a subject's wallet (plus self-attested credentials) against a definition and presents the chosen credentials for the AS. */
  private async present(
    subject: string,
    did: string,
    pd: PresentationDefinition,
    extra: WireCredential[],
    o: { scope: string; audience: string; format: 'jwt_vp' | 'ldp_vp'; selection?: Record<string, string>; omitHolder?: boolean },
  ): Promise<{ vp: WirePresentation; submission: PresentationSubmission }> {
    const { usable: wallet, skipped } = await this.o.vcr().wallet.usable(subject);
    const match = matchDefinition(pd, [...wallet, ...extra], { selection: o.selection });
    if (!match.ok) {
      // a revoked or expired credential is not offered (as nuts-node); say so, it is usually the reason
      const left = skipped.length ? `; skipped from the wallet: ${skipped.map((k) => `${k.types.join(',')}${k.id ? ` ${k.id}` : ''} (${k.reason})`).join(', ')}` : '';
      throw err(412, `wallet of '${subject}' cannot fulfil the presentation definition for scope '${o.scope}': ${explain(match.report)}${left}`);
    }
    const nonce = randomBytes(16).toString('base64url');
    const { submission, credentials } = buildSubmission(pd, match.chosen, randomUUID());
    const vp = await this.o.vcr().holder.createPresentation({
      subjectOrDid: did,
      credentials,
      format: o.format,
      audience: o.audience,
      domain: o.audience,
      nonce,
      challenge: nonce,
      lifetimeSeconds: MAX_PRESENTATION_VALIDITY_MS / 1000,
      ...(o.omitHolder ? { omitHolder: true } : {}),
    });
    return { vp, submission };
  }

  /** RFC 8414 "insert" placement; the returned issuer must equal the identifier asked for. */
  private async metadata(issuer: string, grantType: string): Promise<{ issuer: string; token_endpoint: string; presentation_definition_endpoint?: string; vp_formats_supported?: unknown }> {
    const u = new URL(issuer);
    const wellKnown = `${u.origin}/.well-known/oauth-authorization-server${u.pathname.replace(/\/$/, '')}`;
    const md = (await this.call(wellKnown, { headers: { accept: 'application/json', ...outgoingTraceHeaders() } }, 'metadata')) as Record<string, unknown>;
    if (md.issuer !== issuer) throw err(502, `authorization server metadata issuer '${String(md.issuer)}' does not match '${issuer}'`);
    if (typeof md.token_endpoint !== 'string') throw err(502, 'authorization server metadata has no token_endpoint');
    const grants = Array.isArray(md.grant_types_supported) ? md.grant_types_supported : undefined;
    // the jwt-bearer flow is opt-in on the AS side: it must be advertised, not assumed (nuts-node master does the same)
    if (grantType === JWT_BEARER && !grants?.includes(JWT_BEARER)) {
      throw err(400, `authorization server ${issuer} does not support the jwt-bearer grant (${JWT_BEARER} is not in its grant_types_supported: ${grants?.join(', ') || 'none listed'}); request without service_provider_subject_id`);
    }
    if (grantType === VP_TOKEN_BEARER && grants && !grants.includes(VP_TOKEN_BEARER)) throw err(502, `authorization server does not support ${VP_TOKEN_BEARER}`);
    return md as { issuer: string; token_endpoint: string };
  }

  private async definition(md: { presentation_definition_endpoint?: string }, scope: string): Promise<PresentationDefinition> {
    if (!md.presentation_definition_endpoint) throw err(502, 'authorization server metadata has no presentation_definition_endpoint');
    const url = new URL(md.presentation_definition_endpoint);
    url.searchParams.set('scope', scope);
    url.searchParams.set('wallet_owner_type', 'organization');
    const pd = await this.call(url.toString(), { headers: { accept: 'application/json', ...outgoingTraceHeaders() } }, 'presentation definition');
    try {
      return validateDefinition(pd, 'presentation definition from authorization server');
    } catch (e) {
      throw err(502, (e as Error).message);
    }
  }

  /** JSON call to the remote AS: unreachable → 503, OAuth error → 400 naming it, any other error → 502. */
  private async call(url: string, init: RequestInit, what: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.o.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch (e) {
      throw err(503, `authorization server ${what} ${url} is unreachable: ${(e as Error).cause ? String((e as Error).cause) : (e as Error).message}`);
    }
    const { json: body } = await readBody(res);
    if (!res.ok) {
      const oauth = body as { error?: unknown; error_description?: unknown } | undefined;
      if (res.status === 400 && typeof oauth?.error === 'string') {
        throw err(400, `authorization server ${what} returned ${oauth.error}${oauth.error_description ? `: ${String(oauth.error_description)}` : ''}`);
      }
      throw err(502, `authorization server ${what} ${url} returned HTTP ${res.status}${oauth && typeof oauth.error === 'string' ? ` (${oauth.error})` : ''}`);
    }
    if (body === undefined) throw err(502, `authorization server ${what} ${url} did not return JSON`);
    return body;
  }
}

/** Self-attested credentials: issuer, subject id, id and issuanceDate are filled in; issuer, subject id and proof must be absent. */
export function completeSelfAttested(c: Record<string, unknown>, holder: string, index: number, now: number): WireCredential {
  const at = `credentials[${index}]`;
  if (c.issuer !== undefined) throw invalidInput(`${at}: issuer must be omitted (it is the requester's DID)`);
  if (c.proof !== undefined) throw invalidInput(`${at}: proof must be omitted (the presentation's signature covers it)`);
  const cs = c.credentialSubject;
  if (!cs || typeof cs !== 'object' || Array.isArray(cs)) throw invalidInput(`${at}: credentialSubject must be an object`);
  if ((cs as Record<string, unknown>).id !== undefined) throw invalidInput(`${at}: credentialSubject.id must be omitted (it is the requester's DID)`);
  const types = Array.isArray(c.type) ? c.type : typeof c.type === 'string' ? [c.type] : [];
  if (!types.includes('VerifiableCredential')) throw invalidInput(`${at}: type must include VerifiableCredential`);
  return {
    '@context': c['@context'] ?? ['https://www.w3.org/2018/credentials/v1'],
    ...c,
    id: c.id ?? `${holder}#${randomUUID()}`,
    issuer: holder,
    issuanceDate: c.issuanceDate ?? new Date(now).toISOString(),
    credentialSubject: { ...(cs as object), id: holder },
  };
}

/** The DeziUserCredential a caller's id_token becomes (checked by the verifying side; here only its shape). */
function deziCredentialFor(idToken: string, holder: string): WireCredential {
  try {
    return deziUserCredential(idToken, holder);
  } catch (e) {
    throw invalidInput(`id_token is not a Dezi verklaring: ${(e as Error).message}`);
  }
}

/** nuts-node ChooseVPFormat: jwt_vp before ldp_vp, within what both the AS and the definition allow. */
export function chooseVpFormat(asFormats: FormatDesignations | undefined, pdFormats: FormatDesignations | undefined): 'jwt_vp' | 'ldp_vp' {
  const allowed = (f: FormatDesignations | undefined, k: string) => !f || Object.keys(f).filter((x) => x.endsWith('_vp') || x === 'jwt' || x === 'ldp').length === 0 || k in f || (k === 'jwt_vp' && 'jwt_vp_json' in f);
  for (const k of ['jwt_vp', 'ldp_vp'] as const) if (allowed(asFormats, k) && allowed(pdFormats, k)) return k;
  throw err(412, 'no presentation format both this node and the authorization server support');
}
