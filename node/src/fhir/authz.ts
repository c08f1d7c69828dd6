// Authorisation of /fhir: token verification port, scope, role × building block × interaction matrix, patient scope, consent.
import { readFileSync } from 'node:fs';
import { patientOf } from './repository.js';
import { packagePath } from '../core/paths.js';
import type { ParsedSearch } from './search.js';
import { blockOf, blocksOfType, BLOCK_BY_CATEGORY, BSN_SYSTEM, MEDICATION_TYPES, SNOMED, type BuildingBlock, type FhirResource } from './types.js';

export type Interaction = 'read' | 'search' | 'create' | 'update' | 'delete' | 'transaction' | 'batch' | 'capabilities' | 'validate';

export interface TokenRequest {
  authorization?: string;
  dpop?: string;
  method: string;
  url: string;
}

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

export interface InactiveToken {
  active: false;
  error: 'invalid_token' | 'invalid_dpop_proof';
  reason: string;
}

/** Checks the access token of a /fhir request (local introspection of this node's AS; filled by the auth module). */
export interface AccessTokenVerifier {
  verify(req: TokenRequest): Promise<ActiveToken | InactiveToken>;
}

/** Until token introspection is wired, every token is refused: /fhir answers 401, never serves data unauthenticated. */
export const rejectAllTokens: AccessTokenVerifier = {
  async verify() {
    return { active: false, error: 'invalid_token', reason: 'no token introspection is configured on this node' };
  },
};

export interface ConsentQuestion {
  interaction: Interaction;
  patient: { id?: string; bsn?: string };
  blocks: BuildingBlock[];
  token: ActiveToken;
}

/** Consent (Mitz-style) decision per request; the mock LSP implements a real one. */
export interface ConsentHook {
  check(q: ConsentQuestion): Promise<{ permit: true } | { permit: false; reason: string }>;
}

export const allowAllConsent: ConsentHook = {
  async check() {
    return { permit: true };
  },
};

export interface MatrixGroup {
  name: string;
  description?: string;
  roles: string[];
  grants: Partial<Record<'read' | 'create' | 'update' | 'delete', BuildingBlock[]>>;
}

export interface AuthorisationMatrix {
  scope: string;
  /** other scopes that get the same matrix (e.g. the LSPxNuts pilot's jwt-bearer scope) */
  equivalentScopes?: string[];
  groups: MatrixGroup[];
}

export function loadMatrix(file = packagePath('credentials', 'fhir-authorisation.json')): AuthorisationMatrix {
  return JSON.parse(readFileSync(file, 'utf8')) as AuthorisationMatrix;
}

/** Names of the rules that can refuse; they appear in the 403 OperationOutcome. */
export type AuthzRule = 'scope' | 'role.missing' | 'role.unknown' | 'matrix' | 'patient.exactly-one' | 'patient.other-patient' | 'patient.not-enrolled' | 'consent' | 'interaction';

export type Decision = { allowed: true } | { allowed: false; rule: AuthzRule; reason: string };

const allow: Decision = { allowed: true };
const deny = (rule: AuthzRule, reason: string): Decision => ({ allowed: false, rule, reason });

const grantFor = (i: Interaction): 'read' | 'create' | 'update' | 'delete' | undefined =>
  i === 'read' || i === 'search' ? 'read' : i === 'create' || i === 'update' || i === 'delete' ? i : undefined;

/** The patient a search names: one reference or one identifier (BSN), or why it does not name exactly one. */
export function namedPatient(q: ParsedSearch): { ok: true; patient: { reference?: string; identifier?: string; bsn?: string } } | { ok: false; reason: string } {
  const values: Array<{ reference?: string; identifier?: string }> = [];
  for (const c of q.criteria) {
    const isPatientParam = q.resourceType === 'Patient' ? c.code === '_id' || c.code === 'identifier' : c.code === 'patient' || c.code === 'subject';
    if (!isPatientParam || c.modifier === 'missing') continue;
    if (q.resourceType !== 'Patient' && c.chain && c.chain.param !== 'identifier' && c.chain.param !== '_id') return { ok: false, reason: `the patient must be named by reference or identifier, not by '${c.name}'` };
    for (const v of c.values) {
      if (q.resourceType === 'Patient') values.push(c.code === '_id' ? { reference: `Patient/${v}` } : { identifier: v });
      else if (c.chain?.param === 'identifier') values.push({ identifier: v });
      else values.push({ reference: c.chain?.param === '_id' || !v.includes('/') ? `Patient/${v.split('/').pop()}` : v });
    }
  }
  const distinct = new Set(values.map((v) => v.reference ?? `identifier:${v.identifier}`));
  if (distinct.size === 0) return { ok: false, reason: `a ${q.resourceType} search must name exactly one patient (patient, subject or patient.identifier); it names none` };
  if (distinct.size > 1) return { ok: false, reason: `a ${q.resourceType} search must name exactly one patient; it names ${distinct.size}: ${[...distinct].join(', ')}` };
  const p = values[0]!;
  const bsn = p.identifier?.startsWith(`${BSN_SYSTEM}|`) ? p.identifier.slice(BSN_SYSTEM.length + 1) : undefined;
  return { ok: true, patient: { ...p, ...(bsn ? { bsn } : {}) } };
}

/** The building blocks a search can return, narrowed by its category parameter. */
export function blocksOfSearch(q: ParsedSearch): BuildingBlock[] {
  const all = blocksOfType(q.resourceType);
  const cat = q.criteria.filter((c) => c.code === 'category' && !c.modifier);
  if (!cat.length) return all;
  let out = all;
  for (const c of cat) {
    const named = c.values.map((v) => (v.includes('|') ? (v.startsWith(`${SNOMED}|`) ? v.slice(SNOMED.length + 1) : '') : v)).map((code) => BLOCK_BY_CATEGORY[code]?.block);
    out = out.filter((b) => named.includes(b));
  }
  return out;
}

export class FhirAuthoriser {
  private readonly roleGroup = new Map<string, MatrixGroup>();

  constructor(readonly matrix: AuthorisationMatrix = loadMatrix()) {
    for (const g of matrix.groups) for (const r of g.roles) this.roleGroup.set(r, g);
  }

  /** Checks a token's scope and role; the group the role belongs to when allowed. */
  private who(token: ActiveToken): { group: MatrixGroup } | Decision {
    const scopes = String(token.scope ?? '').split(' ');
    const accepted = [this.matrix.scope, ...(this.matrix.equivalentScopes ?? [])];
    if (!scopes.some((s) => accepted.includes(s))) return deny('scope', `the access token lacks scope '${accepted.join("' or '")}' (has '${token.scope ?? ''}')`);
    const role = token.employee_role_code;
    if (!role) return deny('role.missing', 'the access token names no care-worker role (employee_role_code)');
    const group = this.roleGroup.get(role);
    if (!group) return deny('role.unknown', `role '${role}' has no entry in the authorisation matrix`);
    return { group };
  }

  /** Why `role` may not use `scope` at all (no group, or a group granted no building block); undefined when it may. */
  roleMayUseScope(scope: string, role: string): string | undefined {
    const accepted = [this.matrix.scope, ...(this.matrix.equivalentScopes ?? [])];
    if (!scope.split(' ').some((s) => accepted.includes(s))) return undefined; // the matrix governs only its own scopes
    const group = this.roleGroup.get(role);
    if (!group) return `role '${role}' has no entry in the authorisation matrix of scope '${scope}'`;
    if (!Object.values(group.grants).some((blocks) => (blocks ?? []).some((b) => b !== 'context'))) return `role '${role}' (${group.name}) is granted no MP9 building block under scope '${scope}'`;
    return undefined;
  }

  /** Whether the token may perform `interaction` on each of `blocks`. */
  mayDo(token: ActiveToken, interaction: Interaction, blocks: BuildingBlock[]): Decision {
    const w = this.who(token);
    if (!('group' in w)) return w;
    const grant = grantFor(interaction);
    if (!grant) return deny('interaction', `${interaction} is not offered on the public FHIR endpoint`);
    const granted = w.group.grants[grant] ?? [];
    const refused = blocks.filter((b) => !granted.includes(b));
    if (refused.length) return deny('matrix', `role '${token.employee_role_code}' (${w.group.name}) may not ${grant} ${refused.join(', ')}`);
    return allow;
  }

  /** Before running a search: scope, role, building blocks, and exactly one patient for patient data. */
  beforeSearch(token: ActiveToken, q: ParsedSearch): Decision & { patient?: { reference?: string; identifier?: string; bsn?: string } } {
    const blocks = blocksOfSearch(q);
    const d = this.mayDo(token, 'search', blocks.length ? blocks : blocksOfType(q.resourceType));
    if (!d.allowed) return d;
    if (!(MEDICATION_TYPES as readonly string[]).includes(q.resourceType) && !['Patient', 'Condition', 'RelatedPerson'].includes(q.resourceType)) return allow;
    const p = namedPatient(q);
    if (!p.ok) return deny('patient.exactly-one', p.reason);
    // a token granted on a PatientEnrollmentCredential (LSPxNuts pilot, the inschrijftoken) is for that patient only
    const enrolled = token.patient_enrollment_bsn;
    if (typeof enrolled === 'string' && p.patient.bsn !== enrolled) {
      return deny('patient.not-enrolled', `the access token is for enrolled patient BSN ${enrolled}; this search names ${p.patient.bsn ? `BSN ${p.patient.bsn}` : `${p.patient.reference ?? p.patient.identifier} (name the patient by BSN)`}`);
    }
    return { allowed: true, patient: p.patient };
  }

  /**
   * After running: every returned resource must be one the role may see and belong to the one patient the request is
   * about — an `_include` or chain that reaches another patient's data refuses the whole answer.
   */
  checkResult(token: ActiveToken, interaction: Interaction, resources: FhirResource[], patientId?: string): Decision {
    const patients = new Set<string>();
    for (const r of resources) {
      const block = blockOf(r);
      if (!block) return deny('matrix', `${r.resourceType}/${r.id} carries no MP9 category and cannot be authorised`);
      const d = this.mayDo(token, interaction === 'search' ? 'search' : 'read', [block]);
      if (!d.allowed) return d;
      const p = patientOf(r);
      if (p) patients.add(p);
    }
    if (patientId !== undefined) patients.add(patientId);
    if (patients.size > 1) return deny('patient.other-patient', `the answer would contain data of ${patients.size} patients (${[...patients].map((p) => `Patient/${p}`).join(', ')}); only the named patient's data may be returned`);
    return allow;
  }

  /** Before a write: the block of the resource written. */
  beforeWrite(token: ActiveToken, interaction: 'create' | 'update' | 'delete', resource: FhirResource): Decision {
    const block = blockOf(resource);
    if (!block) return deny('matrix', `${resource.resourceType} without an MP9 category cannot be authorised for ${interaction}`);
    return this.mayDo(token, interaction, [block]);
  }
}

/** Patient ids in a set of resources' compartments. */
export function patientIds(resources: FhirResource[]): string[] {
  return [...new Set(resources.map(patientOf).filter((x): x is string => !!x))];
}

/** BSNs of Patient resources among the given ones, contained Patients (a List's `#patient` subject) included. */
export function bsnsOf(resources: FhirResource[]): string[] {
  const withContained = resources.flatMap((r) => [r, ...(Array.isArray(r.contained) ? (r.contained as FhirResource[]) : [])]);
  return withContained.filter((r) => r?.resourceType === 'Patient').flatMap((r) => (Array.isArray(r.identifier) ? r.identifier : []).filter((i: { system?: string; value?: string }) => i?.system === BSN_SYSTEM && typeof i.value === 'string').map((i: { value: string }) => i.value));
}

