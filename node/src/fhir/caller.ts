// Who a FHIR interaction is for: the typed caller the pipeline hands to backends, the consent hook and the audit port.

/** An access token the node's AS issued and the /fhir token check accepted: its introspection claims. */
export interface ActiveToken {
  active: true;
  scope: string;
  client_id: string;
  organization_ura?: string;
  organization_name?: string;
  employee_identifier?: string;
  employee_name?: string;
  employee_role_code?: string;
  [claim: string]: unknown;
}

/**
 * The one patient a request is authorised for, decided by the pipeline from the parsed search (or the resource read or
 * written), never re-derived from raw parameters later: a broker asks consent for and queries its sources with this.
 */
export interface AuthorisedPatient {
  /** `Patient/<id>` when the request named the patient by reference or the resource points at it */
  reference?: string;
  /** the token as searched, `system|value` */
  identifier?: string;
  /** the BSN, when named by `http://fhir.nl/fhir/NamingSystem/bsn|<BSN>`; always 9 digits passing the 11-check */
  bsn?: string;
}

/**
 * The caller of one FHIR interaction, passed as a parameter (never read from ambient request storage).
 * - `user`: a care worker on /fhir, from a verified access token;
 * - `system`: the organisation's own system on /internal/fhir, naming the person who acts when it passes one;
 * - `anonymous`: a public request without a valid token (refused; recorded without an actor).
 * Later work (a Dezi verklaring as role source) extends this with where the role came from.
 */
export interface FhirCaller {
  readonly type: 'user' | 'system' | 'anonymous';
  /** a natural person, or a process acting without one (the node's own internal calls) */
  readonly kind?: 'person' | 'process';
  /** who acts: the employee identifier (or client id) of a token; the X-User-Id of an internal caller; 'internal-api' for the node's own process */
  readonly id?: string;
  readonly name?: string;
  /** care-worker role code (UZI RoleCodeNL or a VVT role) */
  readonly role?: string;
  /** where the role comes from: a Dezi verklaring (verified) or the organisation's own declaration (employee credential) */
  readonly roleSource?: 'dezi' | 'self-declared';
  /** the care worker's Dezi number, when a Dezi verklaring named them */
  readonly deziNumber?: string;
  /** the organisation the caller acts for: the token's organization_ura, or X-Organisation-Ura on the internal surface */
  readonly organisation?: { readonly ura: string; readonly name?: string };
  /** OAuth client of the application the caller works in */
  readonly clientId?: string;
  /** the access token's id (jti), when it has one */
  readonly tokenId?: string;
  /** the verified token claims (public surface only), for scope and matrix decisions */
  readonly token?: ActiveToken;
  /** the one patient this interaction is authorised for, set by the pipeline once decided */
  readonly patient?: AuthorisedPatient;
}

/** What the organisation's own system may say about the acting person on the internal surface (X-User-* headers). */
export interface InternalUser {
  id: string;
  name?: string;
  role?: string;
  ura?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export const anonymousCaller: FhirCaller = Object.freeze({ type: 'anonymous' });

/** The caller a verified access token describes. */
export function callerFromToken(token: ActiveToken): FhirCaller {
  const ura = str(token.organization_ura);
  const orgName = str(token.organization_name);
  const clientId = str(token.client_id);
  // a Dezi login names the care worker by Dezi number (the UZI number's namespace) with a verified role
  const dezi = str(token.dezi_nummer);
  const surname = str(token.employee_surname);
  const name = str(token.employee_name) ?? (surname ? [token.employee_initials, token.employee_surname_prefix, surname].map(str).filter(Boolean).join(' ') : undefined);
  const role = str(token.employee_role_code);
  return {
    type: 'user',
    kind: 'person',
    id: dezi ?? str(token.employee_identifier) ?? str(token.sub) ?? clientId ?? 'unknown',
    ...(name ? { name } : {}),
    ...(role ? { role, roleSource: dezi ? ('dezi' as const) : ('self-declared' as const) } : {}),
    ...(dezi ? { deziNumber: dezi } : {}),
    ...(ura ? { organisation: { ura, ...(orgName ? { name: orgName } : {}) } } : {}),
    ...(clientId ? { clientId } : {}),
    ...(str(token.jti) ? { tokenId: str(token.jti) } : {}),
    token,
  };
}

/** The caller on /internal/fhir: the named person of the organisation's system, else the node's own process. */
export function internalCaller(user?: InternalUser): FhirCaller {
  if (!user) return { type: 'system', kind: 'process', id: 'internal-api' };
  return {
    type: 'system',
    kind: 'person',
    id: user.id,
    ...(user.name ? { name: user.name } : {}),
    ...(user.role ? { role: user.role } : {}),
    ...(user.ura ? { organisation: { ura: user.ura } } : {}),
  };
}

/** The same caller, now authorised for exactly this patient. */
export function withPatient(caller: FhirCaller, patient: AuthorisedPatient | undefined): FhirCaller {
  return patient ? { ...caller, patient } : caller;
}
