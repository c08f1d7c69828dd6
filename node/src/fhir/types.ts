// Plain FHIR R4 JSON shapes the resource server handles, plus the MP9 building-block vocabulary it reasons in.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** A FHIR resource as JSON: only resourceType is guaranteed; everything else is read defensively. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; profile?: string[]; [k: string]: unknown };
  [k: string]: any;
}

export interface OperationOutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics?: string;
  details?: { coding?: Array<{ system?: string; code?: string }>; text?: string };
  expression?: string[];
}

export interface OperationOutcome extends FhirResource {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

export const NICTIZ_SD = 'http://nictiz.nl/fhir/StructureDefinition/';
export const SNOMED = 'http://snomed.info/sct';
export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
/** URA (UZI register number of a care organisation) */
export const URA_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/ura';
/** UZI role codes (RoleCodeNL): the system audit records and tokens name a care worker's role code with; credentials/roles.json names the same codes by their OID, urn:oid:2.16.840.1.113883.2.4.15.111 */
export const UZI_ROLE_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode';

/** True when `bsn` is 9 digits and 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11 (and not all zeros): the 11-check (elfproef). */
export function isValidBsn(bsn: string): boolean {
  if (!/^\d{9}$/.test(bsn) || bsn === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(bsn[i]);
  sum -= Number(bsn[8]);
  return sum % 11 === 0;
}

/** Why `bsn` is not a BSN (for a 400), or undefined when it is one. */
export function bsnProblem(bsn: string): string | undefined {
  if (!/^\d{9}$/.test(bsn)) return `invalid BSN '${bsn.length > 40 ? `${bsn.slice(0, 40)}…` : bsn}': a BSN has exactly 9 digits`;
  if (!isValidBsn(bsn)) return `invalid BSN '${bsn}': fails the 11-check (elfproef)`;
  return undefined;
}
export const EXT_PERIOD_OF_USE = `${NICTIZ_SD}ext-TimeInterval.Period`;
export const EXT_DURATION = `${NICTIZ_SD}ext-TimeInterval.Duration`;
/** Lab convention: display name of the source system that holds a brokered resource or an outcome entry (resource or meta extension). */
export const SOURCE_NAME_EXTENSION = 'https://nuts-lsp-lab.nl/fhir/StructureDefinition/source-name';
export const EXT_TREATMENT_ID = `${NICTIZ_SD}ext-PharmaceuticalTreatment.Identifier`;

/** MP9 building blocks (Dutch abbreviations, as the information standard names them) and the context resources. */
export type BuildingBlock = 'MA' | 'WDS' | 'VV' | 'TA' | 'MVE' | 'MGB' | 'MTD' | 'context';

/** category code (SNOMED) → building block, per resource type (reference mp9-fhir.md §1). */
export const BLOCK_BY_CATEGORY: Record<string, { resourceType: string; block: BuildingBlock; profile: string }> = {
  '33633005': { resourceType: 'MedicationRequest', block: 'MA', profile: `${NICTIZ_SD}mp-MedicationAgreement` },
  '395067002': { resourceType: 'MedicationRequest', block: 'WDS', profile: `${NICTIZ_SD}mp-VariableDosingRegimen` },
  '52711000146108': { resourceType: 'MedicationRequest', block: 'VV', profile: `${NICTIZ_SD}mp-DispenseRequest` },
  '422037009': { resourceType: 'MedicationDispense', block: 'TA', profile: `${NICTIZ_SD}mp-AdministrationAgreement` },
  '373784005': { resourceType: 'MedicationDispense', block: 'MVE', profile: `${NICTIZ_SD}mp-MedicationDispense` },
  '422979000': { resourceType: 'MedicationStatement', block: 'MGB', profile: `${NICTIZ_SD}mp-MedicationUse2` },
  '18629005': { resourceType: 'MedicationAdministration', block: 'MTD', profile: `${NICTIZ_SD}mp-MedicationAdministration2` },
};

export const MEDICATION_TYPES = ['MedicationRequest', 'MedicationDispense', 'MedicationStatement', 'MedicationAdministration'] as const;
export const CONTEXT_TYPES = ['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication', 'Condition', 'RelatedPerson'] as const;
/** Clinical context MP9 transactions carry: proposal replies (Communication), body height/weight and kidney function (Observation, Specimen). */
export const CLINICAL_TYPES = ['Observation', 'Communication', 'Specimen'] as const;
/** Administrative types a node may hold beside medication data (the mock LSP's reference index and consents). */
export const ADMIN_TYPES = ['List', 'Consent'] as const;
export const SUPPORTED_TYPES: readonly string[] = [...MEDICATION_TYPES, ...CONTEXT_TYPES, ...CLINICAL_TYPES, ...ADMIN_TYPES];

/** The blocks a resource type can carry. */
export function blocksOfType(resourceType: string): BuildingBlock[] {
  const out = Object.values(BLOCK_BY_CATEGORY).filter((b) => b.resourceType === resourceType).map((b) => b.block);
  return out.length ? out : ['context'];
}

/** Codings of a CodeableConcept-or-array, flattened. */
export function codings(cc: unknown): Array<{ system?: string; code?: string }> {
  const list = Array.isArray(cc) ? cc : cc ? [cc] : [];
  return list.flatMap((c: any) => (Array.isArray(c?.coding) ? c.coding : []));
}

/** The building block a stored resource belongs to, from its category; 'context' for non-medication resources. */
export function blockOf(resource: FhirResource): BuildingBlock | undefined {
  if (!(MEDICATION_TYPES as readonly string[]).includes(resource.resourceType)) return 'context';
  for (const c of codings(resource.category)) {
    const b = c.system === SNOMED && c.code ? BLOCK_BY_CATEGORY[c.code] : undefined;
    if (b && b.resourceType === resource.resourceType) return b.block;
  }
  return undefined;
}

export function extensions(el: any, url: string): any[] {
  return Array.isArray(el?.extension) ? el.extension.filter((e: any) => e?.url === url) : [];
}

export function outcome(severity: OperationOutcomeIssue['severity'], code: string, diagnostics: string, expression?: string[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics, ...(expression ? { expression } : {}) }] };
}

/** Parses `Type/id`, `../Type/id` or an absolute URL on `base` into type and id; undefined for anything else. */
export function parseReference(ref: string | undefined, base?: string): { type: string; id: string } | undefined {
  if (!ref || typeof ref !== 'string') return undefined;
  let r = ref;
  if (base && r.startsWith(base + '/')) r = r.slice(base.length + 1);
  else if (/^https?:\/\//.test(r)) {
    const m = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(r);
    return m ? { type: m[1]!, id: m[2]! } : undefined;
  }
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(r);
  return m ? { type: m[1]!, id: m[2]! } : undefined;
}

export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
