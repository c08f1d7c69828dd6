// Storage port of the FHIR server and its SQL implementation: one row per resource, JSON content, patient compartment indexed.
import type { Kysely } from 'kysely';
import { BoundedCache, deepFreeze } from '../core/cache.js';
import { fixedQuery, type Database, type DatabaseRef, type Migrations } from '../store/index.js';
import { parseReference, type FhirResource } from './types.js';

/** Resources a repository returns may be shared with other readers and frozen: a caller copies one to change it. */
export interface FhirRepository {
  read(resourceType: string, id: string): Promise<FhirResource | undefined>;
  /** Creates or replaces; sets meta.versionId/lastUpdated. */
  put(resource: FhirResource & { id: string }): Promise<{ resource: FhirResource; created: boolean }>;
  delete(resourceType: string, id: string): Promise<boolean>;
  /** All resources of a type, optionally only those in the compartment of the given Patient ids. */
  list(resourceType: string, patientIds?: string[]): Promise<FhirResource[]>;
  /** Runs writes atomically where the backend can (transaction Bundles). */
  atomically<T>(fn: (repo: FhirRepository) => Promise<T>): Promise<T>;
}

/** The Patient a resource belongs to (its compartment), from subject/patient references; the id itself for a Patient. */
export function patientOf(resource: FhirResource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  for (const field of ['subject', 'patient']) {
    const ref = parseReference(resource[field]?.reference);
    if (ref?.type === 'Patient') return ref.id;
  }
  return undefined;
}

interface FhirTables {
  fhir_resources: { resource_type: string; id: string; version_id: number; patient: string | null; last_updated: number; content: string };
}

export const fhirMigrations: Migrations = {
  fhir_001_resources: {
    async up(db) {
      await db.schema
        .createTable('fhir_resources')
        .addColumn('resource_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('id', 'varchar(64)', (c) => c.notNull())
        .addColumn('version_id', 'integer', (c) => c.notNull())
        .addColumn('patient', 'varchar(64)')
        .addColumn('last_updated', 'bigint', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('fhir_resources_pk', ['resource_type', 'id'])
        .execute();
      await db.schema.createIndex('fhir_resources_type_patient').on('fhir_resources').columns(['resource_type', 'patient']).execute();
    },
  },
};

// the search path reads on every request: its statements are compiled once (kysely rebuilds a query per call otherwise)
const selectOne = fixedQuery<[string, string]>((db, type, id) => db.selectFrom('fhir_resources').select(['id', 'content']).where('resource_type', '=', type).where('id', '=', id), 2);
const selectType = fixedQuery<[string]>((db, type) => db.selectFrom('fhir_resources').select(['id', 'content']).where('resource_type', '=', type).orderBy('id'), 1);
const selectCompartment = fixedQuery<[string, string]>((db, type, patient) => db.selectFrom('fhir_resources').select(['id', 'content']).where('resource_type', '=', type).where('patient', '=', patient).orderBy('id'), 2);

/**
 * Parsed resources, kept with the stored text they came from. Every search parses the same rows again (a patient's
 * agreements, the practitioners and medications they include), and parsing was the largest single cost of a search.
 * A hit needs the row's text to be the kept text, so a changed row is parsed anew and nothing stale is ever served;
 * the shared parse is frozen, so no caller can change what another reads.
 */
const parsed = new BoundedCache<string, { content: string; resource: FhirResource }>({ maxEntries: 20_000, maxBytes: 64 * 1024 * 1024 });

type Row = { id: string; content: string };

/** The stored text of a shared parse: it is what JSON.stringify of the frozen resource gives, without the work. */
const storedText = new WeakMap<object, string>();

/**
 * A FHIR answer as JSON, equal to JSON.stringify(body). The resources of a searchset read from the store are written
 * as their stored text (they are frozen parses of it) instead of being serialised again.
 */
export function answerJson(body: unknown): string {
  const b = body as { resourceType?: unknown; entry?: unknown } | undefined;
  if (b?.resourceType !== 'Bundle' || !Array.isArray(b.entry)) return JSON.stringify(body);
  // a bundle of resources from elsewhere (the broker's merge) has no stored text to reuse: one stringify is cheaper
  if (!b.entry.some(hasStoredText)) return JSON.stringify(body);
  return objectJson(b as Record<string, unknown>, (k, v) => (k === 'entry' && Array.isArray(v) ? `[${v.map(entryJson).join(',')}]` : undefined));
}

function hasStoredText(e: unknown): boolean {
  const r = (e as { resource?: unknown } | null)?.resource;
  return !!r && typeof r === 'object' && storedText.has(r);
}

function entryJson(e: unknown): string {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return JSON.stringify(e) ?? 'null';
  return objectJson(e as Record<string, unknown>, (k, v) => (k === 'resource' && v && typeof v === 'object' ? storedText.get(v) : undefined));
}

/** An object's JSON as JSON.stringify writes it (own keys in order, undefined values left out), `special` writing some values. */
function objectJson(o: Record<string, unknown>, special: (key: string, value: unknown) => string | undefined): string {
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(o);
  const parts: string[] = [];
  for (const k of Object.keys(o)) {
    const v = o[k];
    const text = special(k, v) ?? JSON.stringify(v);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** A stored row's resource: shared and frozen (copy it to change it). */
function parseRow(type: string, row: Row): FhirResource {
  const key = `${type}/${row.id}`;
  const hit = parsed.get(key);
  if (hit?.content === row.content) return hit.resource;
  const resource = deepFreeze(JSON.parse(row.content) as FhirResource);
  // stored as JSON.stringify wrote it (put), so the text is the frozen parse's JSON
  storedText.set(resource, row.content);
  // the text and a parse of about its size
  parsed.set(key, { content: row.content, resource }, row.content.length * 4 + key.length);
  return resource;
}

export class SqlFhirRepository implements FhirRepository {
  constructor(
    private readonly ref: DatabaseRef,
    private readonly clock: () => number = Date.now,
    private readonly tx?: Kysely<FhirTables>,
  ) {}

  private get db(): Kysely<FhirTables> {
    return this.tx ?? (this.ref.db.db as Kysely<FhirTables>);
  }

  /** Where the fixed reads run: the open transaction, else the database (which SQLite runs without kysely's queue). */
  private get target(): Kysely<FhirTables> | Database {
    return this.tx ?? this.ref.db;
  }

  async read(resourceType: string, id: string) {
    const r = (await selectOne<Row>(this.target, resourceType, id)).rows[0];
    return r ? parseRow(resourceType, r) : undefined;
  }

  async put(resource: FhirResource & { id: string }) {
    const now = this.clock();
    const prev = await this.db.selectFrom('fhir_resources').select('version_id').where('resource_type', '=', resource.resourceType).where('id', '=', resource.id).executeTakeFirst();
    const version = (prev ? Number(prev.version_id) : 0) + 1;
    const stored: FhirResource = { ...resource, meta: { ...(resource.meta ?? {}), versionId: String(version), lastUpdated: new Date(now).toISOString() } };
    const row = { version_id: version, patient: patientOf(stored) ?? null, last_updated: now, content: JSON.stringify(stored) };
    if (prev) await this.db.updateTable('fhir_resources').set(row).where('resource_type', '=', resource.resourceType).where('id', '=', resource.id).execute();
    else await this.db.insertInto('fhir_resources').values({ resource_type: resource.resourceType, id: resource.id, ...row }).execute();
    return { resource: stored, created: !prev };
  }

  async delete(resourceType: string, id: string) {
    const r = await this.db.deleteFrom('fhir_resources').where('resource_type', '=', resourceType).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async list(resourceType: string, patientIds?: string[]) {
    if (patientIds && patientIds.length === 0) return [];
    const rows = !patientIds
      ? (await selectType<Row>(this.target, resourceType)).rows
      : patientIds.length === 1
        ? (await selectCompartment<Row>(this.target, resourceType, patientIds[0]!)).rows
        : await this.db.selectFrom('fhir_resources').select(['id', 'content']).where('resource_type', '=', resourceType).where('patient', 'in', patientIds).orderBy('id').execute();
    return rows.map((r) => parseRow(resourceType, r));
  }

  async atomically<T>(fn: (repo: FhirRepository) => Promise<T>): Promise<T> {
    if (this.tx) return fn(this);
    return this.db.transaction().execute((trx) => fn(new SqlFhirRepository(this.ref, this.clock, trx)));
  }
}
