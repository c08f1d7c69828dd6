// The search parameters the server supports (R4 core + the Nictiz MP9 ones of reference §2.2) and how to read their values.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { EXT_DURATION, EXT_PERIOD_OF_USE, EXT_TREATMENT_ID, NICTIZ_SD, extensions, type FhirResource } from './types.js';

export type ParamType = 'token' | 'reference' | 'date' | 'string';

/** A time range [lo, hi) in epoch ms; ±Infinity for open ends. */
export interface Range {
  lo: number;
  hi: number;
}

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

/** The implicit range of a FHIR date/dateTime/instant string at its precision (no zone = UTC). */
export function dateRange(value: string): Range | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const offset = !tz || tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  const base = (Y: number, M: number, D: number, H = 0, MI = 0, S = 0, MS = 0) => Date.UTC(Y, M, D, H, MI, S, MS) - offset;
  const Y = Number(y);
  if (!mo) return { lo: base(Y, 0, 1), hi: base(Y + 1, 0, 1) };
  const M = Number(mo) - 1;
  if (M < 0 || M > 11) return undefined;
  if (!d) return { lo: base(Y, M, 1), hi: base(Y, M + 1, 1) };
  const D = Number(d);
  if (D < 1 || D > 31) return undefined;
  if (!h) return { lo: base(Y, M, D), hi: base(Y, M, D + 1) };
  if (s === undefined) return { lo: base(Y, M, D, Number(h), Number(mi)), hi: base(Y, M, D, Number(h), Number(mi) + 1) };
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  const lo = base(Y, M, D, Number(h), Number(mi), Number(s), ms);
  return { lo, hi: lo + (frac ? 1 : 1000) };
}

const UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000, wk: 604_800_000, mo: 2_629_800_000, a: 31_557_600_000 };

/** Milliseconds of a Duration (UCUM code or unit), or undefined when it cannot be read. */
export function durationMs(d: any): number | undefined {
  const unit = String(d?.code ?? d?.unit ?? '');
  const factor = UNIT_MS[unit] ?? UNIT_MS[{ dag: 'd', dagen: 'd', week: 'wk', weken: 'wk', uur: 'h', maand: 'mo', jaar: 'a' }[unit] ?? ''];
  return typeof d?.value === 'number' && factor ? d.value * factor : undefined;
}

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
  if (!end && start) {
    const ms = extensions(p, EXT_DURATION).map((e) => durationMs(e.valueDuration)).find((x) => x !== undefined);
    if (ms !== undefined) hi = start.lo + ms;
  }
  return { lo: start?.lo ?? -Infinity, hi };
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
  RelatedPerson: [...common(), { code: 'patient', type: 'reference', targets: ['Patient'], values: (r) => refs(r.patient) }],
  List: [...common(), { code: 'code', type: 'token', values: (r) => cc(r.code) }, { code: 'status', type: 'token', values: (r) => [r.status] }],
  Consent: [...common(), { code: 'category', type: 'token', values: (r) => cc(r.category) }, { code: 'status', type: 'token', values: (r) => [r.status] }],
};

export function paramDef(resourceType: string, code: string): SearchParamDef | undefined {
  return SEARCH_PARAMS[resourceType]?.find((p) => p.code === code);
}
