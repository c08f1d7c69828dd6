// NEN 7513 records of the authorization server's decisions: what a token grant, refusal or introspection is recorded as.
import { NodeError } from '../core/errors.js';
import { actorOf, type AuditActor, type AuditInput } from '../audit/index.js';
import { UZI_ROLE_SYSTEM } from '../fhir/types.js';
import { toPeCredential } from '../pe/index.js';
import { OAuthError } from './errors.js';
import type { WireCredential } from './ports.js';
import type { VpEnvelope } from './presentation.js';

/** Where auth writes its records (the audit module's recorder); resolves once the record is committed. */
export interface AuditPort {
  record(input: AuditInput): Promise<unknown>;
}

/** The authorisation protocol the records name (NEN 7513 7.4.6); the FHIR hook in main.ts names the same. */
export const AUTH_PROTOCOL = 'nuts-rfc021';
const ROLE_NAME = 'urn:nuts-lsp-lab:employee-role-name';
// the URA inside a UZI server certificate's otherName, as the policy's organization_ura filter reads it
const URA_IN_OTHERNAME = /^(?:[0-9.]+-\d+-\d+-S-)?(\d{1,12})(?:-00\.000-\d+)?$/;

const str = (v: unknown, max = 256) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);

/** What the token endpoint learned before it decided, so a refusal is recorded with whatever is known. */
export interface TokenFacts {
  vps?: VpEnvelope[];
  /** presentation-definition field values (organization_ura, employee_identifier, …) once the submission matched */
  claims?: Record<string, unknown>;
  /** the care worker an OpenID4VP user wallet presented (its EmployeeCredential), when the definition names no field ids for it */
  user?: { id: string; name?: string; role?: string };
}

export function uraOf(v: unknown): string | undefined {
  const s = str(v, 64);
  return s ? URA_IN_OTHERNAME.exec(s)?.[1] : undefined;
}

/** The care worker (from the self-attested employee credential) acting for the organisation with the URA credential. */
export function tokenActor(claims: Record<string, unknown>, clientId?: string, holder?: string): AuditActor | undefined {
  const employee = str(claims.employee_identifier, 512);
  const userId = employee ?? str(clientId, 512) ?? holder;
  if (!userId) return undefined;
  const roleCode = str(claims.employee_role_code, 128);
  const roleName = str(claims.employee_role, 128);
  const ura = uraOf(claims.organization_ura);
  const orgName = str(claims.organization_name, 512);
  const role = roleCode ? { code: roleCode, system: UZI_ROLE_SYSTEM, ...(roleName ? { display: roleName } : {}) } : roleName ? { code: roleName, system: ROLE_NAME } : undefined;
  const userName = str(claims.employee_name, 512);
  return actorOf({
    userId,
    kind: employee ? 'person' : 'process',
    userName,
    role,
    ura,
    organisationName: orgName,
    clientId: str(clientId, 512),
    // the care worker the requesting organisation names is the responsible person (NEN 7513 7.3.6)
    ...(employee ? { responsible: { id: employee, ...(userName ? { name: userName } : {}) } } : {}),
  });
}

/** Id and most specific type of every presented credential (at most 32, as the record allows). */
export function credentialRefs(vps: VpEnvelope[] = []): Array<{ id: string; type: string }> {
  const out: Array<{ id: string; type: string }> = [];
  for (const vc of vps.flatMap((v) => v.credentials)) {
    const ref = credentialRef(vc);
    if (ref && out.length < 32) out.push(ref);
  }
  return out;
}

function credentialRef(vc: WireCredential): { id: string; type: string } | undefined {
  try {
    const j = toPeCredential(vc).json;
    const types = (Array.isArray(j.type) ? j.type : [j.type]).filter((t): t is string => typeof t === 'string' && t !== 'VerifiableCredential');
    const id = str(j.id, 512) ?? '(no id)';
    return { id, type: types.join(',').slice(0, 256) || 'VerifiableCredential' };
  } catch {
    return undefined;
  }
}

export interface TokenDecision {
  subject: string;
  clientId?: string;
  scope?: string;
  facts: TokenFacts;
  /** the issued access token (granted): only its SHA-256 reaches the log */
  accessToken?: string;
  /** why it was refused */
  error?: unknown;
}

/** The oauth.token.granted / oauth.token.refused record of one token request. */
export function tokenAuditInput(d: TokenDecision): AuditInput {
  const u = d.facts.user;
  const claims: Record<string, unknown> = { ...(u ? { employee_identifier: u.id, employee_name: u.name, employee_role: u.role } : {}), ...(d.facts.claims ?? {}) };
  const holder = d.facts.vps?.find((v) => v.signer)?.signer;
  const actor = tokenActor(claims, d.clientId, holder);
  const ura = uraOf(claims.organization_ura);
  const credentials = credentialRefs(d.facts.vps);
  const peerUrl = d.clientId && /^https?:\/\//.test(d.clientId) ? d.clientId.slice(0, 1024) : undefined;
  const orgName = str(claims.organization_name);
  const scope = str(d.scope, 1024);
  return {
    event: d.error === undefined ? 'oauth.token.granted' : 'oauth.token.refused',
    ...(actor ? { actor } : {}),
    object: { type: 'AccessToken', description: `token endpoint of subject ${d.subject}${holder ? `, requested by ${holder}` : ''}` },
    authorisation: {
      protocol: AUTH_PROTOCOL,
      ...(scope ? { scope } : {}),
      ...(d.accessToken ? { token: d.accessToken } : {}),
      ...(credentials.length ? { credentials } : {}),
    },
    ...(peerUrl || ura || orgName ? { peer: { ...(peerUrl ? { url: peerUrl } : {}), ...(ura ? { ura } : {}), ...(orgName ? { name: orgName } : {}) } } : {}),
    outcome: d.error === undefined ? { code: '0', httpStatus: 200 } : refusalOutcome(d.error),
  };
}

function refusalOutcome(e: unknown): AuditInput['outcome'] {
  const status = e instanceof NodeError ? e.status : 500;
  const description = e instanceof OAuthError ? `${e.oauthError}: ${e.message}` : e instanceof NodeError ? `${e.code}: ${e.message}` : 'server_error: internal error';
  return { code: status >= 500 ? '8' : '4', description: description.slice(0, 2048), httpStatus: status };
}

/** Records through `audit`; a record that cannot be written refuses the request (503 when the log is down), so no decision goes unlogged. */
export async function recordOrRefuse(audit: AuditPort | undefined, input: AuditInput, what: string): Promise<void> {
  if (!audit) return;
  try {
    await audit.record(input);
  } catch (e) {
    const unavailable = e instanceof NodeError && e.status === 503;
    throw new OAuthError('server_error', unavailable ? `the access log (NEN 7513) cannot be written; ${what}` : `the ${input.event} record could not be made; ${what}`, { cause: e, status: unavailable ? 503 : 500 });
  }
}
