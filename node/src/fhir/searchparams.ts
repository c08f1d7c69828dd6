// The search parameters the server supports (R4 core + the Nictiz MP9 ones of reference §2.2) and how to read their values.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { addDuration, dateRange, type Range } from './dates.js';
import { EXT_DURATION, EXT_PERIOD_OF_USE, EXT_TREATMENT_ID, NICTIZ_SD, extensions, type FhirResource } from './types.js';

export { dateRange, type Range };

export type ParamType = 'token' | 'reference' | 'date' | 'string';

export interface SearchParamDef {
  code: string;
  type: ParamType;
  /** token: Codings/Identifiers/codes; reference: reference strings; date: ranges; string: strings */
  values(r: FhirResource): any[];
  /** resource types a reference may point to (for chains and _include) */
  targets?: string[];
  definition?: string;
  documentation?: string;
}

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const refs = (...vs: unknown[]): string[] => vs.flatMap(arr).map((x: any) => x?.reference).filter((x): x is string => typeof x === 'string');
const cc = (...vs: unknown[]): any[] => vs.flatMap(arr).flatMap((c: any) => arr(c?.coding));
const extValue = (el: any, url: string, key: string) => extensions(el, url).map((e) => e[key]);

/**
 * The range a Period covers. An end missing but a Duration present (ext-TimeInterval.Duration inside the Period):
 * end = start + Duration, as the period-of-use SearchParameter demands; otherwise missing ends are open.
 */
export function periodRange(p: any): Range | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const start = typeof p.start === 'string' ? dateRange(p.start) : undefined;
  const end = typeof p.end === 'string' ? dateRange(p.end) : undefined;
  if (!start && !end) return undefined;
  let hi = end?.hi ?? Infinity;
  let hiOffset = end ? end.hiOffset : undefined;
  if (!end && start) {
    const until = extensions(p, EXT_DURATION).map((e) => addDuration(p.start, e.valueDuration)).find((x) => x !== undefined);
    if (until !== undefined) [hi, hiOffset] = [until, start.loOffset];
  }
  return { lo: start?.lo ?? -Infinity, hi, ...(start?.loOffset !== undefined ? { loOffset: start.loOffset } : {}), ...(hiOffset !== undefined ? { hiOffset } : {}) };
}

const dateTimeRanges = (...vs: unknown[]): Range[] => vs.flatMap(arr).map((v) => (typeof v === 'string' ? dateRange(v) : periodRange(v))).filter((x): x is Range => !!x);

const PRACTITIONER_TARGETS = ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson'];

function common(): SearchParamDef[] {
  return [
    { code: '_id', type: 'token', values: (r) => [r.id] },
    { code: 'identifier', type: 'token', values: (r) => arr(r.identifier) },
  ];
}

function patientParams(): SearchParamDef[] {
  return [
    { code: 'patient', type: 'reference', targets: ['Patient'], values: (r) => refs(r.subject, r.patient).filter((x) => x.includes('Patient/')) },
    { code: 'subject', type: 'reference', targets: ['Patient', 'Group'], values: (r) => refs(r.subject) },
  ];
}

function medicationParams(): SearchParamDef[] {
  return [
    { code: 'medication', type: 'reference', targets: ['Medication'], values: (r) => refs(r.medicationReference) },
    // token on medicationCodeableConcept; `medication.code` chains through the reference (see search.ts)
    { code: 'code', type: 'token', values: (r) => cc(r.medicationCodeableConcept) },
    {
      code: 'pharmaceutical-treatment-identifier',
      type: 'token',
      definition: 'http://nictiz.nl/fhir/SearchParameter/pharmaceutical-treatment-identifier',
      values: (r) => extValue(r, EXT_TREATMENT_ID, 'valueIdentifier'),
    },
  ];
}

const periodOfUse: SearchParamDef = {
  code: 'period-of-use',
  type: 'date',
  definition: 'http://nictiz.nl/fhir/SearchParameter/period-of-use',
  documentation: 'ext-TimeInterval.Period (MedicationRequest/MedicationDispense) or effectivePeriod (MedicationStatement); a missing end is start + ext-TimeInterval.Duration; overlap semantics',
  values: (r) => (r.resourceType === 'MedicationStatement' ? dateTimeRanges(r.effectivePeriod) : extValue(r, EXT_PERIOD_OF_USE, 'valuePeriod').map(periodRange).filter(Boolean)),
};

/** Not a filter: asks to add the latest stop per MBH even outside the searched period (search.ts, latest-stops.ts). */
const isLatestStop: SearchParamDef = {
  code: 'is-latest-stop',
  type: 'token',
  definition: 'http://nictiz.nl/fhir/SearchParameter/is-latest-stop',
  documentation: 'true: also return the latest stopped building block of the searched kind per pharmaceutical treatment (MBH), even when its period of use lies outside the searched period',
  values: () => [],
};

/** Search parameters per resource type. */
export const SEARCH_PARAMS: Record<string, SearchParamDef[]> = {
  MedicationRequest: [
    ...common(),
    ...patientParams(),
    ...medicationParams(),
    { code: 'category', type: 'token', values: (r) => cc(r.category) },
    { code: 'status', type: 'token', values: (r) => [r.status] },
    { code: 'intent', type: 'token', values: (r) => [r.intent] },
    { code: 'authoredon', type: 'date', values: (r) => dateTimeRanges(r.authoredOn) },
    { code: 'requester', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(r.requester) },
    { code: 'intended-performer', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(r.performer) },
    { code: 'reason', type: 'reference', targets: ['Condition', 'Observation'], definition: 'http://nictiz.nl/fhir/SearchParameter/MedicationRequest-reason', values: (r) => refs(r.reasonReference) },
    {
      code: 'next-practitioner',
      type: 'reference',
      targets: ['Practitioner', 'PractitionerRole', 'Organization', 'HealthcareService'],
      definition: 'http://nictiz.nl/fhir/SearchParameter/MedicationRequest-next-practitioner',
      values: (r) => refs(...extValue(r, `${NICTIZ_SD}ext-MedicationAgreement.NextPractitioner`, 'valueReference')),
    },
    {
      code: 'dispense-location',
      type: 'reference',
      targets: ['Location'],
      definition: 'http://nictiz.nl/fhir/SearchParameter/MedicationRequest-dispense-location',
      values: (r) => refs(...extValue(r.dispenseRequest, `${NICTIZ_SD}ext-DispenseRequest.DispenseLocation`, 'valueReference')),
    },
    periodOfUse,
    isLatestStop,
  ],
  MedicationDispense: [
    ...common(),
    ...patientParams(),
    ...medicationParams(),
    { code: 'category', type: 'token', definition: 'http://nictiz.nl/fhir/SearchParameter/category', values: (r) => cc(r.category) },
    { code: 'status', type: 'token', values: (r) => [r.status] },
    { code: 'whenhandedover', type: 'date', values: (r) => dateTimeRanges(r.whenHandedOver) },
    { code: 'performer', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(...arr(r.performer).map((p: any) => p?.actor)) },
    { code: 'location', type: 'reference', targets: ['Location'], definition: 'http://nictiz.nl/fhir/SearchParameter/MedicationDispense-location', values: (r) => refs(r.location) },
    { code: 'destination', type: 'reference', targets: ['Location'], values: (r) => refs(r.destination) },
    { code: 'receiver', type: 'reference', targets: ['Patient', 'Practitioner'], values: (r) => refs(r.receiver) },
    periodOfUse,
    isLatestStop,
  ],
  MedicationStatement: [
    ...common(),
    ...patientParams(),
    ...medicationParams(),
    { code: 'category', type: 'token', values: (r) => cc(r.category) },
    { code: 'status', type: 'token', values: (r) => [r.status] },
    { code: 'effective', type: 'date', values: (r) => dateTimeRanges(r.effectiveDateTime, r.effectivePeriod) },
    { code: 'source', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(r.informationSource) },
    { code: 'author', type: 'reference', targets: PRACTITIONER_TARGETS, definition: 'http://nictiz.nl/fhir/SearchParameter/MedicationStatement-author', values: (r) => refs(...extValue(r, `${NICTIZ_SD}ext-MedicationUse2.Author`, 'valueReference')) },
    { code: 'prescriber', type: 'reference', targets: PRACTITIONER_TARGETS, definition: 'http://nictiz.nl/fhir/SearchParameter/MedicationStatement-prescriber', values: (r) => refs(...extValue(r, `${NICTIZ_SD}ext-MedicationUse2.Prescriber`, 'valueReference')) },
    periodOfUse,
    isLatestStop,
  ],
  MedicationAdministration: [
    ...common(),
    ...patientParams(),
    ...medicationParams(),
    { code: 'category', type: 'token', definition: 'http://nictiz.nl/fhir/SearchParameter/category', values: (r) => cc(r.category) },
    { code: 'status', type: 'token', values: (r) => [r.status] },
    { code: 'effective-time', type: 'date', values: (r) => dateTimeRanges(r.effectiveDateTime, r.effectivePeriod) },
    { code: 'performer', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(...arr(r.performer).map((p: any) => p?.actor)) },
    { code: 'request', type: 'reference', targets: ['MedicationRequest'], values: (r) => refs(r.request) },
  ],
  Patient: [...common(), { code: 'family', type: 'string', values: (r) => arr(r.name).map((n: any) => n?.family) }, { code: 'birthdate', type: 'date', values: (r) => dateTimeRanges(r.birthDate) }],
  Practitioner: [...common(), { code: 'name', type: 'string', values: (r) => arr(r.name).flatMap((n: any) => [n?.text, n?.family, ...arr(n?.given)]) }],
  PractitionerRole: [
    ...common(),
    { code: 'organization', type: 'reference', targets: ['Organization'], values: (r) => refs(r.organization) },
    { code: 'practitioner', type: 'reference', targets: ['Practitioner'], values: (r) => refs(r.practitioner) },
    { code: 'location', type: 'reference', targets: ['Location'], values: (r) => refs(r.location) },
  ],
  Organization: [...common(), { code: 'name', type: 'string', values: (r) => [r.name, ...arr(r.alias)] }],
  Location: [...common(), { code: 'name', type: 'string', values: (r) => [r.name] }],
  Medication: [...common(), { code: 'code', type: 'token', values: (r) => cc(r.code) }],
  Condition: [...common(), ...patientParams()],
  Observation: [
    ...common(),
    ...patientParams(),
    { code: 'code', type: 'token', values: (r) => cc(r.code) },
    { code: 'category', type: 'token', values: (r) => cc(r.category) },
    { code: 'status', type: 'token', values: (r) => [r.status] },
    { code: 'date', type: 'date', values: (r) => dateTimeRanges(r.effectiveDateTime, r.effectivePeriod, r.effectiveInstant) },
    { code: 'specimen', type: 'reference', targets: ['Specimen'], values: (r) => refs(r.specimen) },
  ],
  Communication: [
    ...common(),
    ...patientParams(),
    { code: 'category', type: 'token', values: (r) => cc(r.category) },
    { code: 'status', type: 'token', values: (r) => [r.status] },
    { code: 'sent', type: 'date', values: (r) => dateTimeRanges(r.sent) },
    { code: 'based-on', type: 'reference', targets: ['MedicationRequest'], values: (r) => refs(r.basedOn) },
    { code: 'sender', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(r.sender) },
    { code: 'recipient', type: 'reference', targets: PRACTITIONER_TARGETS, values: (r) => refs(r.recipient) },
  ],
  Specimen: [...common(), ...patientParams(), { code: 'type', type: 'token', values: (r) => cc(r.type) }],
  RelatedPerson: [...common(), { code: 'patient', type: 'reference', targets: ['Patient'], values: (r) => refs(r.patient) }],
  List: [...common(), { code: 'code', type: 'token', values: (r) => cc(r.code) }, { code: 'status', type: 'token', values: (r) => [r.status] }],
  Consent: [...common(), { code: 'category', type: 'token', values: (r) => cc(r.category) }, { code: 'status', type: 'token', values: (r) => [r.status] }],
};

export function paramDef(resourceType: string, code: string): SearchParamDef | undefined {
  return SEARCH_PARAMS[resourceType]?.find((p) => p.code === code);
}
