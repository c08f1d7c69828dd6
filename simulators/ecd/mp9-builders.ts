// Builders of MP9 3.0 (R4) building blocks and LSP searchsets: own-authored demo and test data, not Nictiz material.
import { SOURCE_NAME_EXTENSION } from './toedienlijst.js';

const SCT = 'http://snomed.info/sct';
const NICTIZ = 'http://nictiz.nl/fhir/StructureDefinition/';
export const DEMO_SOURCES = { centraal: 'urn:nuts-lsp-lab:source:apotheek-centraal', linde: 'urn:nuts-lsp-lab:source:apotheek-de-linde', gp: 'urn:nuts-lsp-lab:source:huisarts-pulver' };

type Dosage = fhir4.Dosage;
/** ext-StopType codes with their Dutch display (MP9 value set …77.11.50). */
const STOP_DISPLAY: Record<string, string> = {
  '113381000146106': 'tijdelijk gestopt',
  '385655000': 'onderbroken',
  '113371000146109': 'definitief gestopt',
  '410546004': 'stopgezet',
  '89925002': 'geannuleerd',
};
export const qty = (value: number, unit = 'stuk') => ({ value, unit, system: 'http://unitsofmeasure.org', code: '1' });
export const oral = { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.9', code: '9', display: 'oraal' }] };
export const dose = (value: number, repeat: fhir4.TimingRepeat, extra: Partial<Dosage> = {}): Dosage => ({ timing: { repeat }, route: oral, doseAndRate: [{ doseQuantity: qty(value) }], ...extra });

export function medication(id: string, name: string): fhir4.Medication {
  return { resourceType: 'Medication', id, code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: id, display: name }], text: name } };
}

export interface BlockOpts {
  mbh: string;
  med: string;
  start: string;
  end?: string;
  dosage?: Dosage[];
  source?: string;
  stop?: string;
  cycleDays?: number;
  /** display of the pharmacy (TA performer) or prescriber (MA/WDS requester) */
  author?: string;
  /** TA: business identifier of the MA it implements (authorizingPrescription) */
  authorizedBy?: string;
}
const MA_IDENTIFIER_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1';
function exts(o: BlockOpts): fhir4.Extension[] {
  return [
    { url: `${NICTIZ}ext-TimeInterval.Period`, valuePeriod: { start: o.start, ...(o.end ? { end: o.end } : {}) } }, // dates: whole days in any time zone
    { url: `${NICTIZ}ext-PharmaceuticalTreatment.Identifier`, valueIdentifier: { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1', value: o.mbh } },
  ];
}
function modifiers(o: BlockOpts): fhir4.Extension[] | undefined {
  const m: fhir4.Extension[] = [];
  if (o.stop) m.push({ url: `${NICTIZ}ext-StopType`, valueCodeableConcept: { coding: [{ system: SCT, code: o.stop, display: STOP_DISPLAY[o.stop] }] } });
  if (o.cycleDays) m.push({ url: `${NICTIZ}ext-InstructionsForUse.RepeatPeriodCyclicalSchedule`, valueDuration: { value: o.cycleDays, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' } });
  return m.length ? m : undefined;
}
export function ta(id: string, o: BlockOpts): fhir4.MedicationDispense {
  return {
    resourceType: 'MedicationDispense',
    id,
    meta: { source: o.source ?? DEMO_SOURCES.centraal },
    extension: exts(o),
    modifierExtension: modifiers(o),
    status: 'unknown',
    category: { coding: [{ system: SCT, code: '422037009', display: 'toedieningsafspraak' }] },
    medicationReference: { reference: `Medication/${o.med}` },
    subject: { reference: 'Patient/p1', display: 'J. Jansen' },
    performer: [{ actor: { reference: 'Organization/apotheek-centraal', display: o.author ?? 'Healthcare provider (organization), Apotheek Centraal B.V.' } }],
    ...(o.authorizedBy ? { authorizingPrescription: [{ type: 'MedicationRequest', identifier: { system: MA_IDENTIFIER_SYSTEM, value: o.authorizedBy }, display: `relatie naar medicatieafspraak ${o.authorizedBy}` }] } : {}),
    dosageInstruction: o.dosage,
  };
}
/** A dispense (MVE) handed over on `at` (a date). */
export function mve(id: string, o: { mbh: string; med: string; at: string; source?: string }): fhir4.MedicationDispense {
  return {
    resourceType: 'MedicationDispense',
    id,
    meta: { source: o.source ?? DEMO_SOURCES.centraal },
    extension: [{ url: `${NICTIZ}ext-PharmaceuticalTreatment.Identifier`, valueIdentifier: { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1', value: o.mbh } }],
    status: 'completed',
    category: { coding: [{ system: SCT, code: '373784005', display: 'medicatieverstrekking' }] },
    medicationReference: { reference: `Medication/${o.med}` },
    subject: { reference: 'Patient/p1' },
    quantity: qty(30),
    whenHandedOver: o.at,
  };
}
export function request(id: string, code: string, o: BlockOpts): fhir4.MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    meta: { source: o.source ?? DEMO_SOURCES.gp },
    identifier: [{ system: code === '33633005' ? MA_IDENTIFIER_SYSTEM : `urn:nuts-lsp-lab:test:${code}`, value: id }],
    extension: exts(o),
    modifierExtension: modifiers(o),
    status: 'unknown',
    intent: 'order',
    category: [{ coding: [{ system: SCT, code }] }],
    medicationReference: { reference: `Medication/${o.med}` },
    subject: { reference: 'Patient/p1' },
    requester: { display: o.author ?? 'Huisartsenpraktijk Pulver & Partners' },
    dosageInstruction: o.dosage,
  };
}
export function mtd(id: string, o: { mbh: string; med: string; at: string; value: number; status?: 'completed' | 'not-done'; by?: string }): fhir4.MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id,
    meta: { source: DEMO_SOURCES.centraal },
    extension: [{ url: `${NICTIZ}ext-PharmaceuticalTreatment.Identifier`, valueIdentifier: { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1', value: o.mbh } }],
    status: o.status ?? 'completed',
    category: { coding: [{ system: SCT, code: '18629005' }] },
    medicationReference: { reference: `Medication/${o.med}` },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: o.at,
    performer: [{ actor: { display: 'Jantien Toedien' } }],
    dosage: { dose: qty(o.value) },
  };
}
export function outcome(source: string, name: string, severity: fhir4.OperationOutcomeIssue['severity'], code: string, text?: string): fhir4.BundleEntry {
  const oo: fhir4.OperationOutcome = { resourceType: 'OperationOutcome', meta: { source }, extension: [{ url: SOURCE_NAME_EXTENSION, valueString: name }], issue: [{ severity, code: code as 'suppressed', ...(text ? { details: { text } } : {}) }] };
  return {
    fullUrl: `urn:uuid:${name.replace(/\W/g, '')}`,
    search: { mode: 'outcome' },
    resource: oo,
  };
}
export function searchset(matches: fhir4.Resource[], includes: fhir4.Resource[] = [], outcomes: fhir4.BundleEntry[] = []): fhir4.Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      ...matches.map((r) => ({ fullUrl: `http://lsp/fhir/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' as const } })),
      ...includes.map((r) => ({ fullUrl: `http://lsp/fhir/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'include' as const } })),
      ...outcomes,
    ],
  };
}

