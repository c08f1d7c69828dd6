// Reading a data folder (or one file) for the LSP's source systems: FHIR resources and Bundles (JSON or XML) or the
// lab's demo data set, each resource assigned to a source system by a flag, a mapping file or its building block.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { demoDataBySource, type DemoSource, fhirXmlToJson, blockOf, BSN_SYSTEM, ID_PATTERN, type BuildingBlock, type FhirResource } from '../../node/src/fhir/index.js';
import { isValidBsn } from './bsn.js';
import { packagePath } from '../../node/src/core/index.js';

/** The shipped demo clients: one data folder like any a supplier imports (`nuts-lsp-lab data import`). */
export const DEMO_DATA_DIR = packagePath('data', 'demo');

export type ConsentSetting = 'ja' | 'nee' | 'none';
export const CONSENT_SETTINGS: readonly ConsentSetting[] = ['ja', 'nee', 'none'];

/** Resources for one source system, with the consent choice to record for their patients. */
export interface DataBatch {
  source: string;
  consent: ConsentSetting;
  resources: Array<FhirResource & { id: string }>;
  /** the files they came from, for messages */
  origin: string[];
}

/** The source systems as the reader needs them: id and role (which part of the MP9 picture they hold). */
export interface SourceRef {
  id: string;
  demoData: DemoSource;
}

/**
 * `mapping.json` in a data folder (or --mapping): `source` puts everything in one source; `blocks` maps MP9 building
 * blocks (MA, WDS, VV, TA, MVE, MGB, MTD) to source ids; `files` maps a file name to a source id; `consent` is the
 * default consent choice for the folder's patients.
 */
export interface DataMapping {
  source?: string;
  blocks?: Partial<Record<Exclude<BuildingBlock, 'context'>, string>>;
  files?: Record<string, string>;
  consent?: ConsentSetting;
}

export const MAPPING_FILE = 'mapping.json';

/** Bad input in a data folder: the CLI makes it a usage error, the LSP's API a 400. */
export class DataFolderError extends Error {
  override name = 'DataFolderError';
}

/** Who holds what by default (reference §6.4): the prescriber MA/WDS/VV, the pharmacy TA/MVE, the VVT organisation MGB/MTD. */
const ROLE_OF_BLOCK: Record<Exclude<BuildingBlock, 'context'>, DemoSource> = { MA: 'gp', WDS: 'gp', VV: 'gp', TA: 'pharmacy', MVE: 'pharmacy', MGB: 'vvt', MTD: 'vvt' };

interface ParsedFile {
  file: string;
  /** FHIR resources, or the demo data set already split per role */
  resources?: Array<FhirResource & { id: string }>;
  demo?: Record<DemoSource, FhirResource[]>;
}

function listFiles(target: string): string[] {
  if (!existsSync(target)) throw new DataFolderError(`no such file or folder: ${target}`);
  if (!statSync(target).isDirectory()) return [target];
  const out: string[] = [];
  for (const name of readdirSync(target).sort()) {
    const full = path.join(target, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else if (/\.(json|xml)$/i.test(name) && name !== MAPPING_FILE) out.push(full);
  }
  if (!out.length) throw new DataFolderError(`${target} holds no .json or .xml files`);
  return out;
}

/** Entries of a Bundle with ids for resources that come without (urn:uuid fullUrls), and references rewritten to them. */
function bundleResources(bundle: FhirResource, file: string): Array<FhirResource & { id: string }> {
  const entries = (bundle.entry ?? []) as Array<{ fullUrl?: string; resource?: FhirResource; request?: { method?: string } }>;
  const rename = new Map<string, string>();
  const out: Array<FhirResource & { id: string }> = [];
  for (const [i, e] of entries.entries()) {
    if (!e.resource?.resourceType) throw new DataFolderError(`${file}: Bundle entry ${i} has no resource`);
    if (e.request?.method && !['PUT', 'POST'].includes(e.request.method)) throw new DataFolderError(`${file}: Bundle entry ${i} is a ${e.request.method}; only PUT and POST entries can be imported`);
    const uuid = e.fullUrl?.startsWith('urn:uuid:') ? e.fullUrl.slice('urn:uuid:'.length) : undefined;
    const id = e.resource.id ?? uuid ?? randomUUID();
    if (e.fullUrl) rename.set(e.fullUrl, `${e.resource.resourceType}/${id}`);
    out.push({ ...e.resource, id });
  }
  if (!rename.size) return out;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'reference' && typeof x === 'string' && rename.has(x) ? rename.get(x) : rewrite(x)]));
    return v;
  };
  return out.map((r) => rewrite(r) as FhirResource & { id: string });
}

function parseFile(file: string, today: Date): ParsedFile {
  const text = readFileSync(file, 'utf8');
  let doc: Record<string, unknown>;
  try {
    doc = file.toLowerCase().endsWith('.xml') ? (fhirXmlToJson(text) as Record<string, unknown>) : (JSON.parse(text) as Record<string, unknown>);
  } catch (e) {
    throw new DataFolderError(`${file} is not readable ${file.toLowerCase().endsWith('.xml') ? 'FHIR XML' : 'JSON'}: ${(e as Error).message}`);
  }
  // the lab's own demo format: days relative to the load date, split per source role when materialised
  if (!doc.resourceType && Array.isArray(doc.clients) && Array.isArray(doc.organizations)) return { file, demo: demoDataBySource({ today, file }) };
  if (typeof doc.resourceType !== 'string') throw new DataFolderError(`${file} is neither a FHIR resource nor a Bundle (no resourceType)`);
  if (doc.resourceType === 'Bundle') return { file, resources: bundleResources(doc as FhirResource, file) };
  if (typeof doc.id !== 'string') throw new DataFolderError(`${file}: a ${doc.resourceType} outside a Bundle needs an id`);
  return { file, resources: [doc as FhirResource & { id: string }] };
}

const bsnOf = (p: FhirResource) => (p.identifier as Array<{ system?: string; value?: string }> | undefined)?.find((i) => i.system === BSN_SYSTEM)?.value;

/** Checks what a supplier's data must satisfy before anything is sent: ids, and patients identified by a valid BSN. */
function check(parsed: ParsedFile[]): void {
  for (const p of parsed) {
    for (const r of p.resources ?? []) {
      if (blockOf(r) === undefined) throw new DataFolderError(`${p.file}: ${r.resourceType}/${r.id} has no MP9 category (SNOMED code of MA, WDS, VV, TA, MVE, MGB or MTD)`);
      if (!ID_PATTERN.test(r.id)) throw new DataFolderError(`${p.file}: ${r.resourceType} id '${r.id}' is not a FHIR id ([A-Za-z0-9-.]{1,64})`);
      if (r.resourceType !== 'Patient') continue;
      const bsn = bsnOf(r);
      if (!bsn) throw new DataFolderError(`${p.file}: Patient/${r.id} has no identifier with system ${BSN_SYSTEM}; the LSP indexes patients by BSN`);
      if (!isValidBsn(bsn)) throw new DataFolderError(`${p.file}: Patient/${r.id} has BSN '${bsn}', which fails the 11-check (elfproef)`);
    }
  }
}

function readMapping(file: string): DataMapping {
  let m: DataMapping;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as DataMapping;
  } catch (e) {
    throw new DataFolderError(`mapping ${file} is not readable JSON: ${(e as Error).message}`);
  }
  if (m.consent !== undefined && !CONSENT_SETTINGS.includes(m.consent)) throw new DataFolderError(`mapping ${file}: consent must be ja, nee or none`);
  return m;
}

export interface ReadDataOptions {
  /** the LSP's source systems */
  sources: SourceRef[];
  /** put everything in this source (the --source flag) */
  source?: string;
  /** a mapping file; default <folder>/mapping.json when present */
  mapping?: string;
  /** consent choice to record; default the mapping's, else 'ja' */
  consent?: ConsentSetting;
  /** the load date of the demo data set (days relative to it) */
  today?: Date;
}

/** Reads a data folder or file into batches, one per source system and file. Throws DataFolderError naming the file and the problem. */
export function readData(target: string, opts: ReadDataOptions): DataBatch[] {
  const files = listFiles(target);
  const folder = statSync(target).isDirectory() ? target : path.dirname(target);
  const mappingFile = opts.mapping ?? (existsSync(path.join(folder, MAPPING_FILE)) ? path.join(folder, MAPPING_FILE) : undefined);
  const mapping = mappingFile ? readMapping(mappingFile) : {};
  const consent = opts.consent ?? mapping.consent ?? 'ja';
  const known = new Set(opts.sources.map((s) => s.id));
  const sourceId = (id: string, from: string) => {
    if (!known.has(id)) throw new DataFolderError(`unknown source '${id}' (${from}); the LSP's sources: ${[...known].join(', ')}`);
    return id;
  };
  const byRole = (role: DemoSource, what: string) => {
    const s = opts.sources.find((x) => x.demoData === role);
    if (!s) throw new DataFolderError(`no ${role} source at the LSP for ${what}; name one with --source or a mapping`);
    return s.id;
  };
  const parsed = files.map((f) => parseFile(f, opts.today ?? new Date()));
  check(parsed);

  const batches = new Map<string, DataBatch>();
  // one batch per source and file: each stays under the API's body limit and carries its own patients
  const add = (source: string, r: FhirResource & { id: string }, file: string) => {
    const key = `${source}\0${file}`;
    const b = batches.get(key) ?? { source, consent, resources: [], origin: [file] };
    if (!b.resources.some((x) => x.resourceType === r.resourceType && x.id === r.id)) b.resources.push(r);
    batches.set(key, b);
  };
  for (const p of parsed) {
    const fixed = opts.source ? sourceId(opts.source, '--source') : mapping.files?.[path.basename(p.file)] ? sourceId(mapping.files[path.basename(p.file)]!, `${MAPPING_FILE} files`) : mapping.source ? sourceId(mapping.source, `${MAPPING_FILE} source`) : undefined;
    if (p.demo) {
      for (const [role, rs] of Object.entries(p.demo) as Array<[DemoSource, FhirResource[]]>) for (const r of rs) add(fixed ?? byRole(role, `the ${role} part of ${p.file}`), r as FhirResource & { id: string }, p.file);
      continue;
    }
    const resources = p.resources!;
    if (fixed) {
      for (const r of resources) add(fixed, r, p.file);
      continue;
    }
    // building blocks go to their holder; context resources (patient, medication, people) to every source that holds a block of this file
    const targets = new Set<string>();
    for (const r of resources) {
      const block = blockOf(r);
      if (!block || block === 'context') continue;
      const s = mapping.blocks?.[block] ? sourceId(mapping.blocks[block]!, `${MAPPING_FILE} blocks.${block}`) : byRole(ROLE_OF_BLOCK[block], `${block} in ${p.file}`);
      targets.add(s);
      add(s, r, p.file);
    }
    if (!targets.size) throw new DataFolderError(`${p.file} holds no MP9 building block (MA, WDS, VV, TA, MVE, MGB, MTD): name the source with --source or in ${MAPPING_FILE}`);
    for (const r of resources) if (!blockOf(r) || blockOf(r) === 'context') for (const s of targets) add(s, r, p.file);
  }
  return [...batches.values()];
}

/** The BSNs of the patients in some resources. */
export function patientsIn(resources: FhirResource[]): Array<{ bsn: string; name?: string }> {
  return resources
    .filter((r) => r.resourceType === 'Patient' && bsnOf(r))
    .map((r) => {
      const n = (r.name as Array<{ text?: string; given?: string[]; family?: string }> | undefined)?.[0];
      const name = n?.text ?? [...(n?.given ?? []), n?.family].filter(Boolean).join(' ');
      return { bsn: bsnOf(r)!, ...(name ? { name } : {}) };
    });
}
