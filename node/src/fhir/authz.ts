// Authorisation of /fhir: token verification port, scope, role × building block × interaction matrix, patient scope, consent.
import { readFileSync } from 'node:fs';
import { patientOf } from './store.js';
import { packagePath } from '../core/paths.js';
import type { Criterion, ParsedSearch } from './search.js';
import type { ActiveToken, AuthorisedPatient, FhirCaller } from './caller.js';
import { blockOf, blocksOfType, bsnProblem, parseReference, BLOCK_BY_CATEGORY, BSN_SYSTEM, ID_PATTERN, SNOMED, type BuildingBlock, type FhirResource } from './types.js';

export type Interaction = 'read' | 'search' | 'create' | 'update' | 'delete' | 'transaction' | 'batch' | 'capabilities' | 'validate';

export interface TokenRequest {
  authorization?: string;
  dpop?: string;
  method: string;
  url: string;
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
  /** who asks, with the one patient the request is authorised for (`caller.patient`) */
  caller: FhirCaller;
  blocks: BuildingBlock[];
  /**
   * The care provider that holds the data, when it is not this node: a backend that fetches from others (the mock
   * LSP's broker) asks once per holder before it fetches. Absent: the node's own data, asked by the pipeline.
   */
  holder?: DataHolder;
}

export interface DataHolder {
  name: string;
  ura?: string;
  /** zorgaanbiedertype (e.g. J8 openbare apotheek): what a consent register files its choices under */
  organizationType?: string;
}

/** `summary`: the refusal in a few words, for a care worker's screen; `reason` the whole of it, for the log. */
export type ConsentAnswer = { permit: true } | { permit: false; reason: string; summary?: string };

/** Consent (Mitz-style) decision; one hook per node, given to createNode (the mock LSP brings Mitz). */
export interface ConsentHook {
  check(q: ConsentQuestion): Promise<ConsentAnswer>;
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

/**
 * How a resource type is offered on /fhir: 'named-patient' = patient data, a search must name exactly one patient and
 * answers only that patient's data; 'no-patient-data' = directory data (medication, organisations, care workers) that
 * may not carry any patient's data. A type not listed is refused (default-deny).
 */
export type PatientScope = 'named-patient' | 'no-patient-data';

export interface AuthorisationMatrix {
  scope: string;
  /** the resource types offered on /fhir, each with its patient scope */
  resourceTypes?: Record<string, { patientScope: PatientScope }>;
  /** other scopes that get the same matrix (e.g. the LSPxNuts pilot's jwt-bearer scope) */
  equivalentScopes?: string[];
  groups: MatrixGroup[];
}

export function loadMatrix(file = packagePath('credentials', 'fhir-authorisation.json')): AuthorisationMatrix {
  return JSON.parse(readFileSync(file, 'utf8')) as AuthorisationMatrix;
}

/** Names of the rules that can refuse; they appear in the 403 OperationOutcome. */
export type AuthzRule = 'type.not-granted' | 'patient.unusable' | 'scope' | 'role.missing' | 'role.unknown' | 'matrix' | 'patient.exactly-one' | 'patient.other-patient' | 'patient.not-enrolled' | 'consent' | 'interaction';

export type Decision = { allowed: true } | { allowed: false; rule: AuthzRule; reason: string };

const allow: Decision = { allowed: true };
const deny = (rule: AuthzRule, reason: string): Decision => ({ allowed: false, rule, reason });

const grantFor = (i: Interaction): 'read' | 'create' | 'update' | 'delete' | undefined =>
  i === 'read' || i === 'search' ? 'read' : i === 'create' || i === 'update' || i === 'delete' ? i : undefined;

/** Why a search does not name exactly one usable patient: 400 when what it names cannot be applied or names several, 403 (on /fhir) when it names none. */
export type NamedPatient = { ok: true; patient: AuthorisedPatient } | { ok: false; status: 400 | 403; rule: 'patient.exactly-one' | 'patient.unusable'; reason: string };

const clipped = (v: string) => (v.length > 80 ? `${v.slice(0, 80)}…` : v);

/** Whether a criterion names the patient: `patient`/`subject` (and their chains), or `_id`/`identifier` of a Patient search. */
export function isPatientCriterion(resourceType: string, c: Criterion): boolean {
  return resourceType === 'Patient' ? c.code === '_id' || c.code === 'identifier' : c.code === 'patient' || c.code === 'subject';
}

/**
 * The one patient a search names, by reference or identifier (BSN), on every parameter that names a patient together:
 * the same patient named twice is one patient; two different ones, a non-Patient subject, an unusable chain or an
 * invalid BSN are a 400, so no later stage can pick "the" patient differently from this decision.
 */
export function namedPatient(q: ParsedSearch): NamedPatient {
  const unusable = (reason: string): NamedPatient => ({ ok: false, status: 400, rule: 'patient.unusable', reason });
  const values: AuthorisedPatient[] = [];
  for (const c of q.criteria) {
    if (!isPatientCriterion(q.resourceType, c) || c.modifier === 'missing') continue;
    if (q.resourceType !== 'Patient' && c.chain && (c.chain.targetType !== 'Patient' || (c.chain.param !== 'identifier' && c.chain.param !== '_id'))) {
      return unusable(`the patient must be named by Patient reference or identifier, not by '${clipped(c.name)}'`);
    }
    if (q.resourceType !== 'Patient' && !c.chain && c.modifier && c.modifier !== 'Patient') return unusable(`'${clipped(c.name)}' names a ${clipped(c.modifier)}, not a patient`);
    for (const v of c.values) {
      if (!v) return unusable(`'${clipped(c.name)}' has an empty value`);
      const byIdentifier = q.resourceType === 'Patient' ? c.code === 'identifier' : c.chain?.param === 'identifier';
      if (byIdentifier) {
        const bsn = v.startsWith(`${BSN_SYSTEM}|`) ? v.slice(BSN_SYSTEM.length + 1) : undefined;
        if (bsn !== undefined) {
          const problem = bsnProblem(bsn);
          if (problem) return unusable(problem);
        }
        values.push({ identifier: v, ...(bsn !== undefined ? { bsn } : {}) });
        continue;
      }
      const byId = q.resourceType === 'Patient' || c.chain?.param === '_id';
      const ref = byId || !v.includes('/') ? (ID_PATTERN.test(v) ? { type: 'Patient', id: v } : undefined) : parseReference(v);
      if (!ref) return unusable(`'${clipped(v)}' in '${clipped(c.name)}' is not a Patient reference or id`);
      if (ref.type !== 'Patient') return unusable(`'${clipped(c.name)}' names ${ref.type}/${ref.id}, not a patient`);
      values.push({ reference: `Patient/${ref.id}` });
    }
  }
  const distinct = new Set(values.map((v) => v.reference ?? `identifier:${v.identifier}`));
  if (distinct.size === 0) return { ok: false, status: 403, rule: 'patient.exactly-one', reason: `a ${q.resourceType} search must name exactly one patient (patient, subject or patient.identifier); it names none` };
  if (distinct.size > 1) return { ok: false, status: 400, rule: 'patient.exactly-one', reason: `a ${q.resourceType} search must name exactly one patient; it names ${distinct.size}: ${[...distinct].slice(0, 4).map(clipped).join(', ')}${distinct.size > 4 ? ', …' : ''}` };
  return { ok: true, patient: values[0]! };
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

  /** The patient scope of a type offered on /fhir, or undefined when the type is not granted (default-deny). */
  patientScope(resourceType: string): PatientScope | undefined {
    const grant = Object.hasOwn(this.matrix.resourceTypes ?? {}, resourceType) ? this.matrix.resourceTypes![resourceType] : undefined;
    return grant?.patientScope === 'named-patient' || grant?.patientScope === 'no-patient-data' ? grant.patientScope : undefined;
  }

  /** Whether `resourceType` is offered on /fhir at all; checked before anything is read, for every interaction. */
  mayAccessType(resourceType: string): Decision {
    if (this.patientScope(resourceType)) return allow;
    const shown = resourceType.length > 64 ? `${resourceType.slice(0, 64)}…` : resourceType;
    return deny('type.not-granted', `${shown} is not offered on the public FHIR endpoint (not granted in fhir-authorisation.json)`);
  }

  /** Before running a search: type, scope, role, building blocks, and exactly one patient for patient data. */
  beforeSearch(token: ActiveToken, q: ParsedSearch, named: NamedPatient = namedPatient(q)): Decision & { patient?: AuthorisedPatient } {
    const t = this.mayAccessType(q.resourceType);
    if (!t.allowed) return t;
    const blocks = blocksOfSearch(q);
    const d = this.mayDo(token, 'search', blocks.length ? blocks : blocksOfType(q.resourceType));
    if (!d.allowed) return d;
    if (this.patientScope(q.resourceType) === 'no-patient-data') return allow;
    if (!named.ok) return deny(named.rule, named.reason);
    // a token granted on a PatientEnrollmentCredential (LSPxNuts pilot, the inschrijftoken) is for that patient only
    const enrolled = token.patient_enrollment_bsn;
    if (typeof enrolled === 'string' && named.patient.bsn !== enrolled) {
      return deny('patient.not-enrolled', `the access token is for enrolled patient BSN ${enrolled}; this search names ${named.patient.bsn ? `BSN ${named.patient.bsn}` : `${named.patient.reference ?? named.patient.identifier} (name the patient by BSN)`}`);
    }
    return { allowed: true, patient: named.patient };
  }

  /**
   * After running: every returned resource must be one the role may see and belong to the one patient the request is
   * about — an `_include` or chain that reaches another patient's data refuses the whole answer.
   */
  checkResult(token: ActiveToken, interaction: Interaction, resources: FhirResource[], patientId?: string, opts: { noPatientData?: boolean } = {}): Decision {
    const patients = new Set<string>();
    for (const r of resources) {
      const t = this.mayAccessType(r.resourceType);
      if (!t.allowed) return t;
      const block = blockOf(r);
      if (!block) return deny('matrix', `${r.resourceType}/${r.id} carries no MP9 category and cannot be authorised`);
      const d = this.mayDo(token, interaction === 'search' ? 'search' : 'read', [block]);
      if (!d.allowed) return d;
      const p = patientOf(r);
      if (p) patients.add(p);
    }
    if (patientId !== undefined) patients.add(patientId);
    if (opts.noPatientData && patients.size) return deny('patient.other-patient', `the answer would contain patient data (${[...patients].slice(0, 4).map((p) => `Patient/${p}`).join(', ')}) though the search names no patient`);
    if (patients.size > 1) return deny('patient.other-patient', `the answer would contain data of ${patients.size} patients (${[...patients].map((p) => `Patient/${p}`).join(', ')}); only the named patient's data may be returned`);
    return allow;
  }

  /** Before a write: the block of the resource written. */
  beforeWrite(token: ActiveToken, interaction: 'create' | 'update' | 'delete', resource: FhirResource): Decision {
    const t = this.mayAccessType(resource.resourceType);
    if (!t.allowed) return t;
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

