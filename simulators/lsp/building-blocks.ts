// MP9 building blocks: their FHIR resource type, category code (R4) and AORTA data category, in one table.
import { BLOCK_BY_CATEGORY, type BuildingBlock as FhirBlock } from '../../node/src/fhir/index.js';

export type BuildingBlock = Exclude<FhirBlock, 'context'>;

export interface BuildingBlockInfo {
  block: BuildingBlock;
  resourceType: string;
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

// what the LSP adds to the FHIR module's block table: the AORTA category and the names care workers see
const AORTA: Record<BuildingBlock, { aortaCategory: string; nl: string; en: string }> = {
  MA: { aortaCategory: 'MEDAFSPRAAK', nl: 'Medicatieafspraak', en: 'Medication agreement' },
  WDS: { aortaCategory: 'DOSEERSCHEMA', nl: 'Wisselend doseerschema', en: 'Variable dosing regimen' },
  VV: { aortaCategory: 'VERSTREKKINGSVERZOEK', nl: 'Verstrekkingsverzoek', en: 'Dispense request' },
  TA: { aortaCategory: 'TOEDIENINGSAFSPRAAK', nl: 'Toedieningsafspraak', en: 'Administration agreement' },
  MVE: { aortaCategory: 'MEDVERSTREKKING', nl: 'Medicatieverstrekking', en: 'Medication dispense' },
  MGB: { aortaCategory: 'MEDGEBRUIK', nl: 'Medicatiegebruik', en: 'Medication use' },
  MTD: { aortaCategory: 'TOEDIENING', nl: 'Medicatietoediening', en: 'Medication administration' },
};

// the order of the information standard (category codes would sort as numbers)
const ORDER: BuildingBlock[] = ['MA', 'WDS', 'VV', 'TA', 'MVE', 'MGB', 'MTD'];

export const BUILDING_BLOCKS: readonly BuildingBlockInfo[] = Object.entries(BLOCK_BY_CATEGORY).map(([category, b]) => ({
  block: b.block as BuildingBlock,
  resourceType: b.resourceType,
  category,
  profile: b.profile,
  ...AORTA[b.block as BuildingBlock],
})).sort((a, b) => ORDER.indexOf(a.block) - ORDER.indexOf(b.block));

export function blockInfo(block: BuildingBlock): BuildingBlockInfo {
  return BUILDING_BLOCKS.find((b) => b.block === block)!;
}

export function blockOfResource(r: { resourceType: string; category?: Array<{ coding?: Array<{ system?: string; code?: string }> }> | { coding?: Array<{ system?: string; code?: string }> } }): BuildingBlockInfo | undefined {
  const cats = Array.isArray(r.category) ? r.category : r.category ? [r.category] : [];
  const codes = cats.flatMap((c) => c.coding ?? []).filter((c) => c.system === SNOMED).map((c) => c.code);
  return BUILDING_BLOCKS.find((b) => b.resourceType === r.resourceType && codes.includes(b.category));
}
