// RFC021 authorization server: AS metadata, presentation definitions, the vp_token-bearer token endpoint and introspection.
import { randomBytes } from 'node:crypto';
import { NodeError } from '../core/errors.js';
import { selfAttestable, validateSubmission, type PresentationDefinition, type PresentationSubmission } from '../pe/index.js';
import { RESERVED_CLAIMS, type PolicyStore, type WalletOwnerType } from '../policy/index.js';
import type { SubjectService } from '../vdr/index.js';
import { validateDpopProof, spendDpopJti, DPOP_ALGS, type DpopResult } from './dpop.js';
import { AUTH_PROTOCOL, recordOrRefuse, tokenAuditInput, uraOf, type AuditPort, type TokenFacts } from './audit.js';
import { oauthError } from './errors.js';
import type { CredentialVerifierPort, WireCredential, WirePresentation } from './ports.js';
import { NONCE_TTL_MS, checkSigner, checkValidity, credentialName, hasProof, parseAssertion, parsePresentation, verifyPresentationFully, type VpEnvelope } from './presentation.js';
import type { SessionStore } from './store.js';
import { JWT_BEARER, checkJwtBearerGrant, isJwtBearerProfile } from './jwtbearer.js';
import { checkDeziBinding, deziCredentialsOf, deziRoleOf } from '../vcr/index.js';

export { MAX_PRESENTATION_VALIDITY_MS, NONCE_TTL_MS } from './presentation.js';
export const VP_TOKEN_BEARER = 'vp_token-bearer';

export interface AccessTokenRecord {
  issuer: string;
  subject: string;
  clientId: string;
  scope: string;
  iat: number;
  exp: number;
  tokenType: 'DPoP' | 'Bearer';
  jkt?: string;
  /** PD field values by field id */
  claims: Record<string, unknown>;
  presentations: WirePresentation[];
  submissions: Record<string, PresentationSubmission>;
}

export interface TokenRequest {
  grant_type?: string;
  assertion?: string;
  presentation_submission?: string;
  scope?: string;
  client_id?: string;
  client_assertion_type?: string;
  client_assertion?: string;
  /** authorization_code grant (OpenID4VP user flow) */
  code?: string;
  code_verifier?: string;
  redirect_uri?: string;
}

/** What a redeemed authorization code grants (openid4vp/verifier.ts checks code, client, redirect URI and PKCE). */
export interface CodeGrant {
  clientId: string;
  scope: string;
  claims: Record<string, unknown>;
  presentations: WirePresentation[];
  submissions: Record<string, PresentationSubmission>;
}
export type CodeGrantHandler = (subject: string, req: TokenRequest, facts: TokenFacts) => Promise<CodeGrant>;
export const AUTHORIZATION_CODE = 'authorization_code';

export interface TokenResponse {
  access_token: string;
  token_type: 'DPoP' | 'Bearer';
  expires_in: number;
  scope: string;
}

export type ActiveIntrospection = { active: true; iss: string; client_id: string; exp: number; iat: number; scope: string; cnf?: { jkt: string } } & Record<string, unknown>;
export type IntrospectionResponse = { active: false } | ActiveIntrospection;

export interface AuthorizationServerOptions {
  subjects: SubjectService;
  policies: () => PolicyStore;
  sessions: SessionStore;
  verifier: () => CredentialVerifierPort;
  baseUrl: () => string;
  clock: () => number;
  accessTokenValidityMs: number;
  /** lifetime of tokens of the jwt-bearer grant (the LSP's are short-lived) */
  jwtBearerAccessTokenValidityMs: number;
  /** also require issuers on vcr's trust list (nuts-node v6 leaves trust to PD issuer constraints) */
  requireTrustedIssuers?: boolean;
  /** NEN 7513 log of grants, refusals and introspections; a record that cannot be written refuses the request */
  audit?: AuditPort;
  /** the authorization_code grant of the OpenID4VP user flow; absent when auth.authorizationEndpoint is disabled */
  codeGrant?: CodeGrantHandler;
  /**
   * May the verified Dezi role use this scope? (the resource server's role matrix, wired in main.ts); the reason when
   * not. Asked only when a DeziUserCredential is presented: a self-declared role is judged per request on /fhir.
   */
  deziRoleMayUse?: (scope: string, role: string) => string | undefined;
}

// asked on every token request; a policy store is replaced, never changed, when the policies are reloaded
const jwtBearerPolicies = new WeakMap<PolicyStore, boolean>();

/** A token that passed every check, not yet usable: it is stored only after its audit record is committed. */
interface Granted {
  token: string;
  record: AccessTokenRecord;
  validityMs: number;
}

export class AuthorizationServer {
  constructor(private readonly o: AuthorizationServerOptions) {}

  issuerUrl(subject: string): string {
    return `${this.o.baseUrl()}/oauth2/${subject}`;
  }

  private async requireSubject(subject: string): Promise<void> {
    await this.o.subjects.dids(subject);
  }

  /** RFC 8414 metadata as nuts-node publishes it, limited to what this node supports. */
  async metadata(subject: string): Promise<Record<string, unknown>> {
    await this.requireSubject(subject);
    const issuer = this.issuerUrl(subject);
    // with the authorization endpoint enabled, as nuts-node v6.2.10 serves it (JAR required, direct_post responses)
    const authz = this.o.codeGrant
      ? {
          authorization_endpoint: `${issuer}/authorize`,
          require_signed_request_object: true,
          request_object_signing_alg_values_supported: ['ES256', 'EdDSA'],
          response_modes_supported: ['query', 'direct_post'],
        }
      : {};
    return {
      issuer,
      ...authz,
      token_endpoint: `${issuer}/token`,
      grant_types_supported: this.grantTypes(),
      presentation_definition_endpoint: `${issuer}/presentation_definition`,
      presentation_definition_uri_supported: true,
      vp_formats_supported: vpFormats,
      vp_formats: vpFormats,
      client_id_schemes_supported: ['entity_id'],
      did_methods_supported: ['web'],
      dpop_signing_alg_values_supported: DPOP_ALGS,
      token_endpoint_auth_methods_supported: ['none'],
      response_types_supported: this.o.codeGrant ? ['code', 'vp_token'] : [],
    };
  }

  /** vp_token-bearer always; jwt-bearer when a loaded policy has a service_provider definition for it. */
  grantTypes(): string[] {
    const policies = this.o.policies();
    let jwtBearer = jwtBearerPolicies.get(policies);
    if (jwtBearer === undefined) jwtBearerPolicies.set(policies, (jwtBearer = policies.scopes.some((s) => isJwtBearerProfile(policies.profileFor(s)))));
    return [...(this.o.codeGrant ? [AUTHORIZATION_CODE] : []), VP_TOKEN_BEARER, ...(jwtBearer ? [JWT_BEARER] : [])];
  }

  async presentationDefinition(subject: string, scope: string | undefined, ownerType: string | undefined): Promise<PresentationDefinition> {
    await this.requireSubject(subject).catch((e: NodeError) => {
      throw oauthError('invalid_request', e.message);
    });
    if (!scope) throw oauthError('invalid_request', 'scope is required');
    const owner = (ownerType ?? 'organization') as WalletOwnerType;
    if (!['organization', 'user', 'service_provider'].includes(owner)) throw oauthError('invalid_request', `invalid wallet_owner_type '${ownerType}'`);
    return this.o.policies().definition(scope, owner);
  }

  /**
   * The token endpoint (vp_token-bearer, and jwt-bearer where a policy enables it). Every decision is recorded (oauth.token.granted / oauth.token.refused) before the
   * answer leaves, and a granted token becomes usable only once its record is committed: no record, no token (503).
   */
  async token(subject: string, req: TokenRequest, dpop: { proof?: string }): Promise<TokenResponse> {
    const facts: TokenFacts = {};
    let granted: Granted;
    try {
      granted = await this.grant(subject, req, dpop, facts);
    } catch (e) {
      await recordOrRefuse(this.o.audit, tokenAuditInput({ subject, clientId: req.client_id, scope: req.scope, facts, error: e }), 'the token request is refused');
      throw e;
    }
    const { token, record, validityMs } = granted;
    await recordOrRefuse(this.o.audit, tokenAuditInput({ subject, clientId: record.clientId, scope: record.scope, facts, accessToken: token }), 'no token is issued');
    await this.o.sessions.insert('access_token', token, record, validityMs);
    return { access_token: token, token_type: record.tokenType, expires_in: Math.round(validityMs / 1000), scope: record.scope };
  }

  /**
   * The checks in nuts-node order: envelope (validity ≤ 5 s, signer = subject of every credential, audience), scope,
   * presentation definition, the DPoP proof, then full verification (signatures, trust, self-attestation as the
   * definition allows it), and only then the nonce and the DPoP jti are spent (so a forgery or a refused request stores
   * nothing). `facts` collects what is known for the record.
   */
  private async grant(subject: string, req: TokenRequest, dpop: { proof?: string }, facts: TokenFacts): Promise<Granted> {
    await this.requireSubject(subject).catch((e: NodeError) => {
      throw oauthError('invalid_request', e.message);
    });
    if (!req.grant_type) throw oauthError('invalid_request', 'grant_type is required');
    const supported = this.grantTypes();
    if (!supported.includes(req.grant_type)) throw oauthError('unsupported_grant_type', `grant_type '${req.grant_type}' is not supported (supported: ${supported.join(', ')})`);
    if (req.grant_type === JWT_BEARER) return this.jwtBearerToken(subject, req, facts);
    if (req.grant_type === AUTHORIZATION_CODE && this.o.codeGrant) {
      // the proof is checked before the code is spent, its jti only once the code was good
      const proof = await this.dpopProof(subject, dpop);
      const g = await this.o.codeGrant(subject, req, facts);
      if (proof && !(await spendDpopJti(this.o.sessions, proof))) throw oauthError('invalid_dpop_proof', 'jti already used');
      return this.issueToken({ subject, validityMs: this.o.accessTokenValidityMs, jkt: proof?.jkt, ...g });
    }
    for (const p of ['assertion', 'presentation_submission', 'scope', 'client_id'] as const) {
      if (!req[p]) throw oauthError('invalid_request', `${p} is required`);
    }
    const issuer = this.issuerUrl(subject);
    const vps = parseAssertion(req.assertion!);
    facts.vps = vps;
    let submission: PresentationSubmission;
    try {
      submission = JSON.parse(req.presentation_submission!) as PresentationSubmission;
    } catch (e) {
      throw oauthError('invalid_request', `presentation_submission is not valid JSON: ${(e as Error).message}`);
    }

    let holder: string | undefined;
    for (const vp of vps) {
      checkValidity(vp);
      checkSigner(vp);
      if (holder !== undefined && vp.signer !== holder) throw oauthError('invalid_request', 'not all presentations are signed by the same subject');
      holder = vp.signer;
      if (!vp.audiences.includes(issuer)) {
        throw oauthError('invalid_request', `presentation audience/domain ${vp.audiences.length ? `'${vp.audiences.join(', ')}'` : 'is missing and'} does not match the authorization server '${issuer}'`);
      }
    }

    // a Dezi verklaring speaks for a care worker of one organisation: never alone, never for another organisation
    for (const vp of vps) {
      const b = checkDeziBinding(vp.credentials, vp.signer);
      if (!b.ok) throw oauthError(b.code === 'dezi_organisation' ? 'invalid_grant' : 'invalid_request', b.reason);
    }

    const profile = this.o.policies().profileFor(req.scope!);
    const pd = profile.definitions.organization!;
    const match = validateSubmission(pd, submission, vps.map((v) => ({ json: v.json, format: v.format })));
    if (!match.ok) throw oauthError('invalid_request', `presentation submission does not conform to the presentation definition: ${match.reason}`);
    facts.claims = match.values;

    for (const vp of vps) if (!vp.nonce) throw oauthError('invalid_request', 'presentation has no nonce');

    // the DPoP proof is checked now but its jti is spent only with the nonces, below
    const proof = await this.dpopProof(subject, dpop);

    // verified before the nonce and jti are spent: a forgery carrying someone else's nonce must not burn it
    const allowed = selfAttestable(match.chosen);
    for (const vp of vps) await this.verifyFully(vp, allowed);
    this.checkDeziClaims(vps, profile.scope, match.values);

    // nonce and jti are spent only for a request that verified: a forged or untrusted one leaves no row behind
    for (const vp of vps) {
      if (!(await this.o.sessions.putOnce('vp_nonce', `${vp.signer}|${vp.nonce}`, NONCE_TTL_MS))) throw oauthError('invalid_request', 'presentation nonce has already been used');
    }
    if (proof && !(await spendDpopJti(this.o.sessions, proof))) throw oauthError('invalid_dpop_proof', 'jti already used');
    const jkt = proof?.jkt;

    const claims: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(match.values)) {
      if (RESERVED_CLAIMS.has(k)) throw oauthError('server_error', `presentation definition field id '${k}' collides with a reserved introspection claim`);
      claims[k] = v;
    }
    return this.issueToken({
      subject,
      clientId: req.client_id!,
      scope: profile.scope,
      validityMs: this.o.accessTokenValidityMs,
      jkt,
      claims,
      presentations: vps.map((v) => v.wire),
      submissions: { [pd.id]: submission },
    });
  }

  /** A DPoP proof on the token request, checked but its jti not yet spent (none: a Bearer token). */
  private async dpopProof(subject: string, dpop: { proof?: string }): Promise<Extract<DpopResult, { valid: true }> | undefined> {
    if (dpop.proof === undefined) return undefined;
    const r = await validateDpopProof(dpop.proof, { method: 'POST', url: `${this.issuerUrl(subject)}/token` }, undefined, this.o.clock);
    if (!r.valid) throw oauthError('invalid_dpop_proof', r.reason);
    return r;
  }

  /**
   * The RFC 7523 jwt-bearer grant of the LSPxNuts pilot (see jwtbearer.ts). `client_id` and `presentation_submission`
   * are ignored when sent: the client is identified by its client_assertion, and both definitions are matched here.
   */
  private async jwtBearerToken(subject: string, req: TokenRequest, facts: TokenFacts): Promise<Granted> {
    const grant = await checkJwtBearerGrant(
      { issuer: this.issuerUrl(subject), policies: this.o.policies(), sessions: this.o.sessions, verifier: this.o.verifier(), clock: this.o.clock },
      req,
    );
    facts.claims = grant.claims;
    return this.issueToken({
      subject,
      clientId: grant.serviceProvider.signer!,
      scope: grant.profile.scope,
      validityMs: this.o.jwtBearerAccessTokenValidityMs,
      claims: grant.claims,
      presentations: [grant.organization.wire, grant.serviceProvider.wire],
      submissions: {},
    });
  }

  /**
   * After verification: the organisation URA the definition matched is the verklaring's abonnee_nummer, and the
   * verified Dezi role may use the scope (invalid_scope when the role matrix grants it nothing).
   */
  private checkDeziClaims(vps: VpEnvelope[], scope: string, claims: Record<string, unknown>): void {
    const credentials = vps.flatMap((v) => v.credentials);
    const [dezi] = deziCredentialsOf(credentials);
    if (!dezi) return;
    const abonnee = (dezi.credentialSubject as { identifier?: unknown } | undefined)?.identifier;
    const ura = claims.organization_ura;
    if (typeof ura === 'string' && ura !== abonnee) throw oauthError('invalid_grant', `the Dezi verklaring is for organisation URA ${String(abonnee)}, but the presentation's organisation credential names URA ${ura}`);
    const role = deziRoleOf(credentials);
    const refused = role ? this.o.deziRoleMayUse?.(scope, role) : 'the Dezi verklaring names no role';
    if (refused) throw oauthError('invalid_scope', refused);
  }

  /** An opaque random access token, stored with what it grants. */
  private async issueToken(t: { subject: string; clientId: string; scope: string; validityMs: number; jkt?: string; claims: Record<string, unknown>; presentations: WirePresentation[]; submissions: Record<string, PresentationSubmission> }): Promise<Granted> {
    const now = this.o.clock();
    const token = randomBytes(32).toString('base64url');
    const record: AccessTokenRecord = {
      issuer: this.issuerUrl(t.subject),
      subject: t.subject,
      clientId: t.clientId,
      scope: t.scope,
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + t.validityMs) / 1000),
      tokenType: t.jkt ? 'DPoP' : 'Bearer',
      jkt: t.jkt,
      claims: t.claims,
      presentations: t.presentations,
      submissions: t.submissions,
    };
    return { token, record, validityMs: t.validityMs };
  }

  private async verifyFully(vp: VpEnvelope, selfAttested: readonly WireCredential[]): Promise<void> {
    const r = await verifyPresentationFully(this.o.verifier(), vp, { validAt: new Date(this.o.clock()), checkTrust: this.o.requireTrustedIssuers, selfAttestable: selfAttested });
    if (!r.ok) throw oauthError('invalid_grant', r.reason);
  }

  /** The stored record of an active token, or why it is not active. */
  async lookup(token: string): Promise<{ record?: AccessTokenRecord; reason?: string }> {
    if (!token) return { reason: 'no token' };
    const record = await this.o.sessions.get<AccessTokenRecord>('access_token', token);
    if (!record) return { reason: 'unknown or expired token' };
    if (record.exp * 1000 <= this.o.clock()) return { reason: 'token expired' };
    // revocation is re-checked on every introspection: a token dies with its credentials
    const verifier = this.o.verifier();
    for (const vp of record.presentations.map(parsePresentation)) {
      for (const vc of vp.credentials) {
        // a credential without proof has no status of its own: it was admitted only next to trusted ones, re-checked here
        if (!hasProof(vc)) continue;
        const r = await verifier.verifyCredential(vc, { validAt: new Date(this.o.clock()), checkRevocation: true });
        if (!r.valid) return { reason: `credential ${credentialName(vc)} is no longer valid (${r.code ?? 'invalid'}): ${r.message}` };
      }
    }
    return { record };
  }

  /** RFC 7662 introspection for a resource server; recorded as oauth.introspect (with the token's hash) before it answers. */
  async introspect(token: string, extended = false): Promise<IntrospectionResponse & { reason?: string }> {
    const { record, reason } = await this.lookup(token);
    const ura = uraOf(record?.claims.organization_ura);
    await recordOrRefuse(
      this.o.audit,
      {
        event: 'oauth.introspect',
        object: { type: 'AccessToken', description: record ? `active token of ${record.clientId}` : `token not active: ${reason ?? 'unknown'}` },
        authorisation: { protocol: AUTH_PROTOCOL, token, ...(record ? { scope: record.scope } : {}) },
        ...(record ? { peer: { url: record.clientId.slice(0, 1024), ...(ura ? { ura } : {}) } } : {}),
        outcome: { code: '0' },
      },
      'the introspection is refused',
    );
    if (!record) return { active: false, ...(reason ? { reason } : {}) } as IntrospectionResponse & { reason?: string };
    const out = introspectionOf(record) as Record<string, unknown>;
    if (extended) {
      // definitions come from the policy of the granted scope; the token keeps only what was presented
      let definitions: Partial<Record<WalletOwnerType, PresentationDefinition>> = {};
      try {
        definitions = this.o.policies().profileFor(record.scope).definitions;
      } catch {
        /* scope removed from policy since: report none */
      }
      Object.assign(out, { presentation_definitions: definitions, presentation_submissions: record.submissions, vps: record.presentations });
    }
    return out as IntrospectionResponse;
  }
}

/** The RFC 7662 claims of a token: the PD field values plus the standard ones (which win over nothing: reserved ids are refused at issuance). */
export function introspectionOf(record: AccessTokenRecord): ActiveIntrospection {
  return {
    ...record.claims,
    active: true,
    iss: record.issuer,
    client_id: record.clientId,
    exp: record.exp,
    iat: record.iat,
    scope: record.scope,
    ...(record.jkt ? { cnf: { jkt: record.jkt } } : {}),
  };
}

const vpFormats = {
  jwt_vp: { alg: ['ES256', 'EdDSA'] },
  jwt_vc: { alg: ['ES256', 'EdDSA', 'PS256', 'RS256'] },
  ldp_vp: { proof_type: ['JsonWebSignature2020'] },
  ldp_vc: { proof_type: ['JsonWebSignature2020'] },
};

