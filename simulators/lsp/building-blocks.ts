// MP9 building blocks: their FHIR resource type, category code (R4) and AORTA data category, in one table.
export type BuildingBlock = 'MA' | 'WDS' | 'VV' | 'TA' | 'MVE' | 'MGB' | 'MTD';

export interface BuildingBlockInfo {
  block: BuildingBlock;
  resourceType: 'MedicationRequest' | 'MedicationDispense' | 'MedicationStatement' | 'MedicationAdministration';
  /** SNOMED CT category of the MP9 3.0 (R4) profile */
  category: string;
  profile: string;
  /** AORTA data category (urn:oid:2.16.840.1.113883.2.4.3.111.15.3) used in the reference index */
  aortaCategory: string;
  nl: string;
  en: string;
}

export const SNOMED = 'http://snomed.info/sct';
export const AORTA_DATA_CATEGORY_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.111.15.3';

export const BUILDING_BLOCKS: readonly BuildingBlockInfo[] = [
  { block: 'MA', resourceType: 'MedicationRequest', category: '33633005', profile: 'mp-MedicationAgreement', aortaCategory: 'MEDAFSPRAAK', nl: 'Medicatieafspraak', en: 'Medication agreement' },
  { block: 'WDS', resourceType: 'MedicationRequest', category: '395067002', profile: 'mp-VariableDosingRegimen', aortaCategory: 'DOSEERSCHEMA', nl: 'Wisselend doseerschema', en: 'Variable dosing regimen' },
  { block: 'VV', resourceType: 'MedicationRequest', category: '52711000146108', profile: 'mp-DispenseRequest', aortaCategory: 'VERSTREKKINGSVERZOEK', nl: 'Verstrekkingsverzoek', en: 'Dispense request' },
  { block: 'TA', resourceType: 'MedicationDispense', category: '422037009', profile: 'mp-AdministrationAgreement', aortaCategory: 'TOEDIENINGSAFSPRAAK', nl: 'Toedieningsafspraak', en: 'Administration agreement' },
  { block: 'MVE', resourceType: 'MedicationDispense', category: '373784005', profile: 'mp-MedicationDispense', aortaCategory: 'MEDVERSTREKKING', nl: 'Medicatieverstrekking', en: 'Medication dispense' },
  { block: 'MGB', resourceType: 'MedicationStatement', category: '422979000', profile: 'mp-MedicationUse2', aortaCategory: 'MEDGEBRUIK', nl: 'Medicatiegebruik', en: 'Medication use' },
  { block: 'MTD', resourceType: 'MedicationAdministration', category: '18629005', profile: 'mp-MedicationAdministration2', aortaCategory: 'TOEDIENING', nl: 'Medicatietoediening', en: 'Medication administration' },
];

export function blockInfo(block: BuildingBlock): BuildingBlockInfo {
  return BUILDING_BLOCKS.find((b) => b.block === block)!;
}

/** The building blocks a search asks for: by category when given, else every block of the resource type. */
export function blocksForSearch(resourceType: string, categoryParam: string | undefined): BuildingBlockInfo[] {
  const ofType = BUILDING_BLOCKS.filter((b) => b.resourceType === resourceType);
  if (!categoryParam) return ofType;
  const codes = categoryParam.split(',').map((t) => (t.includes('|') ? t.split('|') : [undefined, t])).filter(([sys]) => sys === undefined || sys === SNOMED).map(([, code]) => code);
  return ofType.filter((b) => codes.includes(b.category));
}

export function blockOfResource(r: { resourceType: string; category?: Array<{ coding?: Array<{ system?: string; code?: string }> }> | { coding?: Array<{ system?: string; code?: string }> } }): BuildingBlockInfo | undefined {
  const cats = Array.isArray(r.category) ? r.category : r.category ? [r.category] : [];
  const codes = cats.flatMap((c) => c.coding ?? []).filter((c) => c.system === SNOMED).map((c) => c.code);
  return BUILDING_BLOCKS.find((b) => b.resourceType === r.resourceType && codes.includes(b.category));
}
