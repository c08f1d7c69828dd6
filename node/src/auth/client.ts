// RFC021 client: AS metadata → presentation definition → wallet + self-attested match → VP (JWT preferred) → token, cached.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NodeError, invalidInput } from '../core/errors.js';
import { outgoingTraceHeaders } from '../core/context.js';
import { parseBody } from '../core/validation.js';
import type { CryptoService } from '../crypto/index.js';
import { buildSubmission, explain, matchDefinition, validateDefinition, type FormatDesignations, type PresentationDefinition } from '../pe/index.js';
import type { SubjectService } from '../vdr/index.js';
import { createDpopProof } from './dpop.js';
import type { VcrPort, WireCredential } from './ports.js';
import { MAX_PRESENTATION_VALIDITY_MS, VP_TOKEN_BEARER } from './server.js';

export const ServiceAccessTokenRequestSchema = z.object({
  authorization_server: z.string().url(),
  scope: z.string().min(1),
  credentials: z.array(z.record(z.string(), z.unknown())).optional(),
  credential_selection: z.record(z.string(), z.string()).optional(),
  token_type: z.enum(['Bearer', 'DPoP']).optional(),
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
    const tokenType = req.token_type ?? this.o.defaultTokenType;
    const cacheKey = createHash('sha256').update(JSON.stringify([subject, req.authorization_server, req.scope, tokenType, req.credentials ?? [], req.credential_selection ?? {}])).digest('base64url');
    const now = this.o.clock();
    const cached = this.cache.get(cacheKey);
    if (!opts.noCache && cached?.expires_at && cached.expires_at * 1000 - this.o.cacheMarginMs > now) {
      return { ...cached, expires_in: cached.expires_at - Math.floor(now / 1000) };
    }
    const selfAttested = (req.credentials ?? []).map((c, i) => completeSelfAttested(c, did!, i, now));

    const metadata = await this.metadata(req.authorization_server);
    const pd = await this.definition(metadata, req.scope);
    const wallet = await this.o.vcr().wallet.list(subject);
    const match = matchDefinition(pd, [...wallet, ...selfAttested], { selection: req.credential_selection });
    if (!match.ok) throw err(412, `wallet of '${subject}' cannot fulfil the presentation definition for scope '${req.scope}': ${explain(match.report)}`);

    const format = chooseVpFormat(metadata.vp_formats_supported as FormatDesignations | undefined, pd.format);
    const nonce = randomBytes(16).toString('base64url');
    const { submission, credentials } = buildSubmission(pd, match.chosen, randomUUID());
    const vp = await this.o.vcr().holder.createPresentation({
      subjectOrDid: did,
      credentials,
      format,
      audience: metadata.issuer,
      domain: metadata.issuer,
      nonce,
      challenge: nonce,
      lifetimeSeconds: MAX_PRESENTATION_VALIDITY_MS / 1000,
    });
    const tokenEndpoint = metadata.token_endpoint;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...outgoingTraceHeaders() };
    let dpopKid: string | undefined;
    if (tokenType === 'DPoP') {
      dpopKid = (await this.o.subjects.signingKey(subject)).kid;
      headers.dpop = await createDpopProof(this.o.crypto, dpopKid, { htm: 'POST', htu: tokenEndpoint }, this.o.clock);
    }
    const form = new URLSearchParams({
      grant_type: VP_TOKEN_BEARER,
      client_id: `${this.o.baseUrl()}/oauth2/${subject}`,
      assertion: typeof vp === 'string' ? vp : JSON.stringify(vp),
      presentation_submission: JSON.stringify(submission),
      scope: req.scope,
    });
    const res = await this.call(tokenEndpoint, { method: 'POST', headers, body: form.toString() }, 'token endpoint');
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

  /** RFC 8414 "insert" placement; the returned issuer must equal the identifier asked for. */
  private async metadata(issuer: string): Promise<{ issuer: string; token_endpoint: string; presentation_definition_endpoint?: string; vp_formats_supported?: unknown }> {
    const u = new URL(issuer);
    const wellKnown = `${u.origin}/.well-known/oauth-authorization-server${u.pathname.replace(/\/$/, '')}`;
    const md = (await this.call(wellKnown, { headers: { accept: 'application/json', ...outgoingTraceHeaders() } }, 'metadata')) as Record<string, unknown>;
    if (md.issuer !== issuer) throw err(502, `authorization server metadata issuer '${String(md.issuer)}' does not match '${issuer}'`);
    if (typeof md.token_endpoint !== 'string') throw err(502, 'authorization server metadata has no token_endpoint');
    if (Array.isArray(md.grant_types_supported) && !md.grant_types_supported.includes(VP_TOKEN_BEARER)) throw err(502, `authorization server does not support ${VP_TOKEN_BEARER}`);
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
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
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

/** nuts-node ChooseVPFormat: jwt_vp before ldp_vp, within what both the AS and the definition allow. */
export function chooseVpFormat(asFormats: FormatDesignations | undefined, pdFormats: FormatDesignations | undefined): 'jwt_vp' | 'ldp_vp' {
  const allowed = (f: FormatDesignations | undefined, k: string) => !f || Object.keys(f).filter((x) => x.endsWith('_vp') || x === 'jwt' || x === 'ldp').length === 0 || k in f || (k === 'jwt_vp' && 'jwt_vp_json' in f);
  for (const k of ['jwt_vp', 'ldp_vp'] as const) if (allowed(asFormats, k) && allowed(pdFormats, k)) return k;
  throw err(412, 'no presentation format both this node and the authorization server support');
}
