// Builders for MP9 3.0 building blocks and their context resources, shared by the demo data and the test data sets.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { BLOCK_BY_CATEGORY, BSN_SYSTEM, URA_SYSTEM, EXT_DURATION, EXT_PERIOD_OF_USE, EXT_TREATMENT_ID, NICTIZ_SD, SNOMED, type BuildingBlock, type FhirResource } from './types.js';

const TEST_OID = 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77';
export const TREATMENT_SYSTEM = `${TEST_OID}.1.1`;
/** Business-identifier systems per block (the Nictiz test OID roots, reference §1). */
export const IDENTIFIER_SYSTEM: Record<Exclude<BuildingBlock, 'context'>, string> = {
  MA: `${TEST_OID}.16076005.1`,
  WDS: `${TEST_OID}.632.1`,
  VV: `${TEST_OID}.52711000146108.1`,
  TA: `${TEST_OID}.422037009.1`,
  MVE: `${TEST_OID}.373784005.1`,
  MGB: `${TEST_OID}.6.1`,
  MTD: `${TEST_OID}.18629005.1`,
};
const CATEGORY: Record<string, { code: string; display: string }> = {
  MA: { code: '33633005', display: 'voorschrijven van geneesmiddel' },
  WDS: { code: '395067002', display: 'optimaliseren van dosering van medicatie' },
  VV: { code: '52711000146108', display: 'verzoek aan apotheek tot verstrekken van medicatie' },
  TA: { code: '422037009', display: 'toedieningsafspraak' },
  MVE: { code: '373784005', display: 'verstrekken van medicatie' },
  MGB: { code: '422979000', display: 'bevinding betreffende gedrag met betrekking tot medicatieregime' },
  MTD: { code: '18629005', display: 'toediening van medicatie' },
};
export const G_STANDARD = { GPK: 'urn:oid:2.16.840.1.113883.2.4.4.1', PRK: 'urn:oid:2.16.840.1.113883.2.4.4.10', HPK: 'urn:oid:2.16.840.1.113883.2.4.4.7' };

/** `today + offset` days at a wall-clock time, as an ISO dateTime in UTC. */
export function dayAt(today: Date, offsetDays: number, time = '08:00:00'): string {
  const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + offsetDays));
  return `${d.toISOString().slice(0, 10)}T${time}Z`;
}

export const ref = (r: FhirResource, display?: string) => ({ reference: `${r.resourceType}/${r.id}`, type: r.resourceType, display: display ?? displayOf(r) });

function displayOf(r: FhirResource): string {
  if (r.resourceType === 'Patient' || r.resourceType === 'Practitioner') return r.name?.[0]?.text ?? r.id!;
  if (r.resourceType === 'Medication') return r.code?.text ?? r.id!;
  if (r.resourceType === 'PractitionerRole') return `${r.practitioner?.display ?? ''} (${r.organization?.display ?? ''})`;
  return r.name ?? r.id!;
}

export function patient(p: { id: string; bsn: string; given: string; family: string; birthDate: string; gender: 'male' | 'female' }): FhirResource {
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: { profile: [`${NICTIZ_SD}nl-core-Patient`] },
    identifier: [{ system: BSN_SYSTEM, value: p.bsn }],
    name: [{ use: 'official', text: `${p.given} ${p.family}`, family: p.family, given: [p.given] }],
    gender: p.gender,
    birthDate: p.birthDate,
  };
}

export function organization(o: { id: string; ura: string; name: string; typeCode: string; typeDisplay: string }): FhirResource {
  return {
    resourceType: 'Organization',
    id: o.id,
    meta: { profile: [`${NICTIZ_SD}nl-core-HealthcareProvider-Organization`] },
    identifier: [{ system: URA_SYSTEM, value: o.ura }],
    type: [{ coding: [{ system: 'http://nictiz.nl/fhir/NamingSystem/organization-type', code: o.typeCode, display: o.typeDisplay }] }],
    name: o.name,
  };
}

export function practitioner(p: { id: string; uzi?: string; name: string }): FhirResource {
  return {
    resourceType: 'Practitioner',
    id: p.id,
    meta: { profile: [`${NICTIZ_SD}nl-core-HealthProfessional-Practitioner`] },
    ...(p.uzi ? { identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers', value: p.uzi }] } : {}),
    name: [{ text: p.name }],
  };
}

export function practitionerRole(p: { id: string; practitioner: FhirResource; organization: FhirResource; specialty?: { code: string; display: string } }): FhirResource {
  return {
    resourceType: 'PractitionerRole',
    id: p.id,
    meta: { profile: [`${NICTIZ_SD}nl-core-HealthProfessional-PractitionerRole`] },
    practitioner: ref(p.practitioner),
    organization: ref(p.organization),
    ...(p.specialty ? { specialty: [{ coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.6.7', code: p.specialty.code, display: p.specialty.display }] }] } : {}),
  };
}

export function medication(m: { id: string; display: string; prk?: string; gpk?: string; hpk?: string }): FhirResource {
  const coding = [
    ...(m.hpk ? [{ system: G_STANDARD.HPK, code: m.hpk, display: m.display }] : []),
    ...(m.prk ? [{ system: G_STANDARD.PRK, code: m.prk, display: m.display, userSelected: true }] : []),
    ...(m.gpk ? [{ system: G_STANDARD.GPK, code: m.gpk, display: m.display }] : []),
  ];
  return { resourceType: 'Medication', id: m.id, meta: { profile: [`${NICTIZ_SD}mp-PharmaceuticalProduct`] }, code: { coding, text: m.display } };
}

export interface DosageSpec {
  text: string;
  /** times per day; omitted for as-needed or schedule-driven use */
  perDay?: number;
  dose?: number;
  /** NHG table 25 code for an as-needed condition, e.g. 1137 "Zo nodig" */
  asNeeded?: { code: string; display: string };
  maxPerDay?: number;
}

function dosage(d: DosageSpec): any {
  const stuk = (value: number) => ({ value, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' });
  return {
    text: d.text,
    ...(d.perDay ? { timing: { repeat: { frequency: d.perDay, period: 1, periodUnit: 'd' } } } : {}),
    ...(d.asNeeded ? { asNeededCodeableConcept: { coding: [{ system: 'https://referentiemodel.nhg.org/tabellen/nhg-tabel-25-gebruiksvoorschrift#aanvullend-numeriek', code: d.asNeeded.code, display: d.asNeeded.display }] } } : {}),
    route: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.9', code: '9', display: 'oraal' }] },
    ...(d.dose ? { doseAndRate: [{ doseQuantity: stuk(d.dose) }] } : {}),
    ...(d.maxPerDay ? { maxDosePerPeriod: { numerator: stuk(d.maxPerDay), denominator: { value: 1, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' } } } : {}),
  };
}

export interface PeriodSpec {
  start: string;
  end?: string;
  /** days of use when the end is not given (ext-TimeInterval.Duration) */
  durationDays?: number;
}

function period(p: PeriodSpec): any {
  return {
    ...(p.durationDays !== undefined && !p.end ? { extension: [{ url: EXT_DURATION, valueDuration: { value: p.durationDays, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' } }] } : {}),
    start: p.start,
    ...(p.end ? { end: p.end } : {}),
  };
}

export interface BlockSpec {
  block: Exclude<BuildingBlock, 'context'>;
  id: string;
  /** business identifier value (default: the id) */
  identifier?: string;
  patient: FhirResource;
  medication: FhirResource;
  treatment: string;
  /** MA/WDS/TA/MGB: period of use; VV: validity period */
  period?: PeriodSpec;
  /** MVE: hand-over moment; MTD: administration moment; others: registration/authored moment */
  at?: string;
  author?: FhirResource;
  dosage?: DosageSpec;
  /** stopped building block (ext-StopType 410546004 stopgezet) */
  stopped?: boolean;
  /** MTD/TA: business identifier of the agreement it follows */
  basedOn?: { block: 'MA' | 'TA'; identifier: string };
  quantity?: number;
}

/** One MP9 building block resource with category, profile, identifier, treatment id and the block's own fields. */
export function buildingBlock(s: BlockSpec): FhirResource {
  const cat = CATEGORY[s.block]!;
  const profile = Object.values(BLOCK_BY_CATEGORY).find((b) => b.block === s.block)!;
  const ext: any[] = [];
  if (s.period && ['MA', 'WDS', 'TA'].includes(s.block)) ext.push({ url: EXT_PERIOD_OF_USE, valuePeriod: period(s.period) });
  ext.push({ url: EXT_TREATMENT_ID, valueIdentifier: { system: TREATMENT_SYSTEM, value: s.treatment } });
  const r: FhirResource = {
    resourceType: profile.resourceType,
    id: s.id,
    meta: { profile: [profile.profile] },
    extension: ext,
    ...(s.stopped && s.block !== 'MVE' && s.block !== 'MTD' && s.block !== 'VV'
      ? { modifierExtension: [{ url: `${NICTIZ_SD}ext-StopType`, valueCodeableConcept: { coding: [{ system: SNOMED, code: '410546004', display: 'stopgezet' }] } }] }
      : {}),
    identifier: [{ system: IDENTIFIER_SYSTEM[s.block], value: s.identifier ?? s.id }],
  };
  const category = { coding: [{ system: SNOMED, code: cat.code, display: cat.display }] };
  const medicationReference = ref(s.medication);
  const subject = ref(s.patient);
  const dosageInstruction = s.dosage ? [dosage(s.dosage)] : undefined;
  const basedOnRef = s.basedOn && { type: s.basedOn.block === 'MA' ? 'MedicationRequest' : 'MedicationDispense', identifier: { system: IDENTIFIER_SYSTEM[s.basedOn.block], value: s.basedOn.identifier }, display: `relatie naar ${s.basedOn.block} ${s.basedOn.identifier}` };
  switch (s.block) {
    case 'MA':
    case 'WDS':
    case 'VV':
      Object.assign(r, {
        status: s.stopped ? 'stopped' : s.block === 'VV' ? 'active' : 'unknown',
        intent: 'order',
        category: [category],
        medicationReference,
        subject,
        ...(s.at ? { authoredOn: s.at } : {}),
        ...(s.author ? { requester: ref(s.author) } : {}),
        ...(dosageInstruction && s.block !== 'VV' ? { dosageInstruction } : {}),
        ...(s.block === 'VV'
          ? { dispenseRequest: { ...(s.period ? { validityPeriod: period(s.period) } : {}), ...(s.quantity ? { quantity: { value: s.quantity, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' } } : {}) } }
          : {}),
      });
      break;
    case 'TA':
    case 'MVE':
      Object.assign(r, {
        status: s.block === 'TA' ? (s.stopped ? 'stopped' : 'unknown') : 'completed',
        category,
        medicationReference,
        subject,
        ...(s.author ? { performer: [{ actor: ref(s.author) }] } : {}),
        ...(basedOnRef ? { authorizingPrescription: [basedOnRef] } : {}),
        ...(s.block === 'MVE' && s.at ? { whenHandedOver: s.at } : {}),
        ...(s.quantity ? { quantity: { value: s.quantity, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' } } : {}),
        ...(dosageInstruction && s.block === 'TA' ? { dosageInstruction } : {}),
      });
      break;
    case 'MGB':
      Object.assign(r, {
        status: s.stopped ? 'stopped' : 'active',
        category,
        medicationReference,
        subject,
        ...(s.period ? { effectivePeriod: period(s.period) } : {}),
        ...(s.at ? { dateAsserted: s.at } : {}),
        ...(dosageInstruction ? { dosage: dosageInstruction } : {}),
      });
      break;
    case 'MTD':
      Object.assign(r, {
        status: 'completed',
        category,
        medicationReference,
        subject,
        effectiveDateTime: s.at,
        ...(s.author ? { performer: [{ actor: ref(s.author) }] } : {}),
        ...(basedOnRef ? { supportingInformation: [basedOnRef] } : {}),
        ...(s.dosage?.dose ? { dosage: { route: dosage(s.dosage).route, dose: { value: s.dosage.dose, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' } } } : {}),
      });
      break;
  }
  return r;
}
