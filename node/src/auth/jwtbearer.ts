// RFC 7523 jwt-bearer grant with two presentations (LSPxNuts pilot): the care provider's `assertion` VP and the service provider's `client_assertion` VP.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { credentialTypes, explain, matchDefinition, selfAttestable, type MatchResult, type PresentationDefinition } from '../pe/index.js';
import { RESERVED_CLAIMS, type CredentialProfile, type PolicyStore } from '../policy/index.js';
import { OAuthError, oauthError } from './errors.js';
import type { CredentialVerifierPort } from './ports.js';
import { NONCE_TTL_MS, checkSigner, checkValidity, parsePresentation, verifyPresentationFully, type VpEnvelope } from './presentation.js';
import type { SessionStore } from './store.js';
import { URA_SYSTEM } from '../fhir/types.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const JWT_BEARER_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// Admission of a vendor is pilot governance: its ServiceProviderCredential counts only from an issuer on vcr's trust list.
const GOVERNED_TYPES: readonly string[] = ['ServiceProviderCredential'];
// In the pilot these are AET-signed with the professional's UZI card; the lab has no cards, so the care provider issues them itself.
const CARE_PROVIDER_ISSUED_TYPES: readonly string[] = ['HealthCareProfessionalDelegationCredential', 'PatientEnrollmentCredential'];

export interface JwtBearerRequest {
  assertion?: string;
  client_assertion_type?: string;
  client_assertion?: string;
  scope?: string;
}

export interface JwtBearerContext {
  /** the AS issuer URL: the audience both presentations must name */
  issuer: string;
  policies: PolicyStore;
  sessions: SessionStore;
  verifier: CredentialVerifierPort;
  clock: () => number;
}

export interface JwtBearerGrant {
  profile: CredentialProfile;
  organization: VpEnvelope;
  serviceProvider: VpEnvelope;
  /** PD field values of both presentations by field id */
  claims: Record<string, unknown>;
}

type Role = 'assertion' | 'client_assertion';

/** Whether a profile can be requested with the jwt-bearer grant: it has a service_provider definition. */
export const isJwtBearerProfile = (p: CredentialProfile) => p.definitions.service_provider !== undefined;

/**
 * Checks a jwt-bearer token request: parameters, scope, each VP's envelope (JWT, iss = holder = signer, no vp.holder,
 * ≤ 5 s, audience, subject = signer), the PD of each, the binding between them (delegation issuer and URA),
 * full verification (signatures incl. did:x509 chains, dates, revocation, governance trust), then replay.
 * Problems with the presentations are `invalid_grant` (RFC 7523 §3.1) and say which presentation failed and why.
 */
export async function checkJwtBearerGrant(ctx: JwtBearerContext, req: JwtBearerRequest): Promise<JwtBearerGrant> {
  for (const p of ['assertion', 'client_assertion_type', 'client_assertion', 'scope'] as const) {
    if (!req[p]) throw oauthError('invalid_request', `${p} is required for grant_type ${JWT_BEARER}`);
  }
  if (req.client_assertion_type !== JWT_BEARER_CLIENT_ASSERTION_TYPE) {
    throw oauthError('invalid_request', `client_assertion_type must be ${JWT_BEARER_CLIENT_ASSERTION_TYPE} (got '${req.client_assertion_type}')`);
  }
  const profile = ctx.policies.profileFor(req.scope!);
  if (!isJwtBearerProfile(profile)) throw oauthError('invalid_scope', `scope '${profile.scope}' cannot be requested with the jwt-bearer grant: its policy has no service_provider presentation definition`);

  const organization = envelope(ctx, req.assertion!, 'assertion');
  const serviceProvider = envelope(ctx, req.client_assertion!, 'client_assertion');
  const orgMatch = matchPresentation(profile.definitions.organization!, organization, 'assertion');
  const spMatch = matchPresentation(profile.definitions.service_provider!, serviceProvider, 'client_assertion');
  const unbound = bindingProblem(organization, orgMatch, spMatch);
  if (unbound) throw oauthError('invalid_grant', unbound);
  const claims = mergeClaims(orgMatch, spMatch);

  // trust in this grant: the HealthcareProviderCredential through its did:x509 chain to a trusted root, the
  // delegations and enrolments through their binding to it (checked above), the governed types through the trust
  // list; a general trust-list requirement (auth.requireTrustedIssuers) does not apply to the care provider's own issuance.
  // A credential without proof counts only where the pilot's definitions allow self-attestation (they allow none).
  for (const [vp, role, m] of [[organization, 'assertion', orgMatch], [serviceProvider, 'client_assertion', spMatch]] as const) {
    const r = await verifyPresentationFully(ctx.verifier, vp, { validAt: new Date(ctx.clock()), checkTrust: false, trustTypes: GOVERNED_TYPES, selfAttestable: selfAttestable(m.chosen) });
    if (!r.ok) throw oauthError('invalid_grant', `${role}: ${r.reason}`);
  }
  // spent only once both signatures verified: a forgery carrying someone else's jti must not burn it
  for (const [vp, role] of [[organization, 'assertion'], [serviceProvider, 'client_assertion']] as const) {
    if (!(await ctx.sessions.putOnce('vp_nonce', `${vp.signer}|${jtiOf(vp)}`, NONCE_TTL_MS))) throw oauthError('invalid_grant', `${role}: presentation jti has already been used`);
  }
  return { profile, organization, serviceProvider, claims };
}

const jtiOf = (vp: VpEnvelope) => String((decodeJwt(vp.wire as string) as { jti?: unknown }).jti);

/** The envelope checks of one VP JWT; the shared RFC021 checks are reused with their reason, as invalid_grant. */
function envelope(ctx: JwtBearerContext, jwt: string, role: Role): VpEnvelope {
  const grant = (reason: string) => oauthError('invalid_grant', `${role}: ${reason}`);
  const text = jwt.trim();
  if (text.startsWith('{') || text.startsWith('[')) throw grant('must be a VP JWT (the jwt-bearer grant takes no JSON-LD presentations)');
  let claims: Record<string, unknown>;
  let header: Record<string, unknown>;
  try {
    claims = decodeJwt(text) as Record<string, unknown>;
    header = decodeProtectedHeader(text) as Record<string, unknown>;
  } catch (e) {
    throw grant(`is not a JWT: ${(e as Error).message}`);
  }
  try {
    const vp = parsePresentation(text);
    const vpClaim = claims.vp as Record<string, unknown>;
    // AORTA's validator (nuts-node#4299): iss must name the holder, and vp.holder is an unknown claim it rejects
    if (typeof claims.iss !== 'string' || !claims.iss) throw grant('the VP JWT has no top-level iss; it must be the holder DID');
    if ('holder' in vpClaim) throw grant('vp.holder must not be present (AORTA rejects this: unknown claim; the top-level iss names the holder)');
    if (typeof header.kid !== 'string') throw grant('the VP JWT header has no kid');
    if (vp.signer !== claims.iss) throw grant(`top-level iss ${claims.iss} is not the holder that signed the presentation (${vp.signer})`);
    if (typeof claims.jti !== 'string' || !claims.jti) throw grant('the VP JWT has no jti (needed against replay)');
    checkValidity(vp);
    if (!vp.audiences.includes(ctx.issuer)) throw grant(`audience ${vp.audiences.length ? `'${vp.audiences.join(', ')}'` : 'is missing and'} does not match the authorization server '${ctx.issuer}'`);
    checkSigner(vp);
    return vp;
  } catch (e) {
    if (e instanceof OAuthError && e.oauthError === 'invalid_request') throw grant(e.message);
    throw e;
  }
}

function matchPresentation(pd: PresentationDefinition, vp: VpEnvelope, role: Role): MatchResult {
  const alg = String(decodeProtectedHeader(vp.wire as string).alg);
  const allowed = pd.format?.jwt_vp?.alg;
  if (allowed && !allowed.includes(alg)) throw oauthError('invalid_grant', `${role}: VP JWT alg ${alg} is not allowed by presentation definition '${pd.id}' (allowed: ${allowed.join(', ')})`);
  const m = matchDefinition(pd, vp.credentials);
  if (!m.ok) throw oauthError('invalid_grant', `${role}: ${explain(m.report)}`);
  return m;
}

const chosenOfType = (m: MatchResult, type: string) => m.chosen.map((c) => c.credential.json).find((j) => credentialTypes(j).includes(type));
const subjectOf = (j: Record<string, unknown>) => (Array.isArray(j.credentialSubject) ? j.credentialSubject[0] : j.credentialSubject) as Record<string, unknown> | undefined;
const issuerOf = (j: Record<string, unknown>) => (typeof j.issuer === 'string' ? j.issuer : (j.issuer as { id?: string } | undefined)?.id);

/**
 * The pilot's cross-presentation binding: the care provider (HealthcareProviderCredential subject, the assertion's signer)
 * issued the ServiceProviderDelegationCredential and is the organisation it names by URA; its own mandate and enrolment
 * credentials come from it too. Returns why the presentations are not bound, or undefined.
 */
export function bindingProblem(organization: VpEnvelope, orgMatch: MatchResult, spMatch: MatchResult): string | undefined {
  const hcp = chosenOfType(orgMatch, 'HealthcareProviderCredential');
  if (!hcp) return 'assertion: presents no HealthcareProviderCredential (the care provider and its URA)';
  const hcpDid = subjectOf(hcp)?.id;
  const hcpUra = (subjectOf(hcp)?.identifier as { system?: string; value?: string } | undefined)?.value;
  const delegation = chosenOfType(spMatch, 'ServiceProviderDelegationCredential');
  if (!delegation) return 'client_assertion: presents no ServiceProviderDelegationCredential';
  if (issuerOf(delegation) !== hcpDid) return `ServiceProviderDelegationCredential is issued by ${String(issuerOf(delegation))}, not by the care provider ${String(hcpDid)} of the HealthcareProviderCredential`;
  const delegatedBy = (subjectOf(delegation)?.hasDelegation as { delegatedBy?: { identifier?: Array<{ system?: string; value?: string }> } } | undefined)?.delegatedBy;
  const uras = (delegatedBy?.identifier ?? []).filter((i) => i?.system === URA_SYSTEM).map((i) => String(i.value));
  if (!hcpUra || !uras.includes(hcpUra)) return `ServiceProviderDelegationCredential delegatedBy URA ${uras.join(', ') || '(none)'} does not match the HealthcareProviderCredential URA ${String(hcpUra)}`;
  for (const type of CARE_PROVIDER_ISSUED_TYPES) {
    const c = chosenOfType(orgMatch, type);
    if (c && issuerOf(c) !== organization.signer) return `${type} is issued by ${String(issuerOf(c))}, not by the care provider ${String(organization.signer)}`;
  }
  return undefined;
}

/** PD field values of both presentations; a field id both definitions declare binds them and must agree (nuts-node two-VP policies). */
function mergeClaims(orgMatch: MatchResult, spMatch: MatchResult): Record<string, unknown> {
  const values = (m: MatchResult) => Object.assign({}, ...m.chosen.map((c) => c.values)) as Record<string, unknown>;
  const org = values(orgMatch);
  const sp = values(spMatch);
  for (const [k, v] of Object.entries(sp)) {
    if (k in org && JSON.stringify(org[k]) !== JSON.stringify(v)) throw oauthError('invalid_grant', `field '${k}' binds the presentations but differs: assertion has ${JSON.stringify(org[k])}, client_assertion has ${JSON.stringify(v)}`);
  }
  const claims = { ...org, ...sp };
  for (const k of Object.keys(claims)) {
    if (RESERVED_CLAIMS.has(k)) throw oauthError('server_error', `presentation definition field id '${k}' collides with a reserved introspection claim`);
  }
  return claims;
}
