// The reference index (verwijsindex): AortaDataReference-style FHIR Lists saying which source holds which data for a BSN.
import { URA_SYSTEM, type FhirRepository, type FhirResource } from '../../node/src/fhir/index.js';
import { AORTA_DATA_CATEGORY_SYSTEM, BUILDING_BLOCKS, blockInfo, type BuildingBlock } from './building-blocks.js';
import { BSN_SYSTEM } from './bsn.js';

export const AORTA_APP_ID_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/aorta-app-id';
export { URA_SYSTEM };
export const DATA_REFERENCE_PROFILE = 'http://vzvz.nl/fhir/StructureDefinition/aorta-datareference';

export interface Registration {
  id: string;
  bsn: string;
  block: BuildingBlock;
  appId: string;
  ura: string;
  date?: string;
}

/** Stable id per (source application, BSN, category), so re-registering replaces instead of duplicating. */
export function registrationId(appId: string, bsn: string, block: BuildingBlock): string {
  return `ref-${appId}-${bsn}-${block.toLowerCase()}`;
}

/** An AortaDataReference: List with contained Patient (BSN) and Device (source application, owner URA), no entries. */
export function dataReference(r: Omit<Registration, 'id'> & { id?: string }): FhirResource & { id: string } {
  const info = blockInfo(r.block);
  return {
    resourceType: 'List',
    id: r.id ?? registrationId(r.appId, r.bsn, r.block),
    meta: { profile: [DATA_REFERENCE_PROFILE] },
    contained: [
      { resourceType: 'Patient', id: 'patient', identifier: [{ system: BSN_SYSTEM, value: r.bsn }] },
      { resourceType: 'Device', id: 'source', identifier: [{ system: AORTA_APP_ID_SYSTEM, value: r.appId }], owner: { identifier: { system: URA_SYSTEM, value: r.ura } } },
    ],
    status: 'current',
    mode: 'working',
    code: { coding: [{ system: AORTA_DATA_CATEGORY_SYSTEM, code: info.aortaCategory, display: info.nl }] },
    subject: { reference: '#patient' },
    source: { reference: '#source' },
    date: r.date ?? new Date().toISOString(),
    emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'withheld' }] },
  };
}

/**
 * What the store's shared parses read as: a frozen List never changes, so its registration is read once (the index
 * lists every List for each brokered search).
 */
const readBack = new WeakMap<object, Readonly<Registration> | null>();

/** Reads a registration back from a List; undefined when it is not a well-formed data reference. */
export function parseDataReference(list: FhirResource): Readonly<Registration> | undefined {
  if (!Object.isFrozen(list)) return readDataReference(list);
  let r = readBack.get(list);
  if (r === undefined) readBack.set(list, (r = readDataReference(list) ?? null));
  return r ?? undefined;
}

function readDataReference(list: FhirResource): Readonly<Registration> | undefined {
  if (list.resourceType !== 'List' || list.status !== 'current') return undefined;
  const contained = (list.contained ?? []) as FhirResource[];
  const ref = (r: unknown) => String((r as { reference?: string } | undefined)?.reference ?? '').replace(/^#/, '');
  const patient = contained.find((c) => c.resourceType === 'Patient' && c.id === ref(list.subject));
  const device = contained.find((c) => c.resourceType === 'Device' && c.id === ref(list.source));
  const bsn = (patient?.identifier as Array<{ system?: string; value?: string }> | undefined)?.find((i) => i.system === BSN_SYSTEM)?.value;
  const appId = (device?.identifier as Array<{ system?: string; value?: string }> | undefined)?.find((i) => i.system === AORTA_APP_ID_SYSTEM)?.value;
  const ura = (device?.owner as { identifier?: { system?: string; value?: string } } | undefined)?.identifier?.value;
  const code = (list.code as { coding?: Array<{ system?: string; code?: string }> } | undefined)?.coding?.find((c) => c.system === AORTA_DATA_CATEGORY_SYSTEM)?.code;
  const block = BUILDING_BLOCKS.find((b) => b.aortaCategory === code)?.block;
  if (!bsn || !appId || !ura || !block) return undefined;
  return Object.freeze({ id: list.id!, bsn, block, appId, ura, date: list.date as string | undefined });
}

export class ReferenceIndex {
  constructor(private readonly repo: FhirRepository) {}

  async register(r: Omit<Registration, 'id'>): Promise<Registration> {
    const list = dataReference(r);
    await this.repo.put(list);
    return { ...r, id: list.id };
  }

  async all(): Promise<Array<Readonly<Registration>>> {
    return (await this.repo.list('List')).map(parseDataReference).filter((x): x is Registration => !!x);
  }

  async forBsn(bsn: string): Promise<Array<Readonly<Registration>>> {
    return (await this.all()).filter((r) => r.bsn === bsn);
  }

  /** Removes every registration of a BSN (or of one source for it); returns how many. */
  async unregister(bsn: string, appId?: string): Promise<number> {
    let n = 0;
    for (const r of await this.forBsn(bsn)) {
      if (appId && r.appId !== appId) continue;
      if (await this.repo.delete('List', r.id)) n++;
    }
    return n;
  }
}
