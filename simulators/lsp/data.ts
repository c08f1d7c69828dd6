// The data the mock LSP's source systems hold: batches imported into a source's FHIR store, their patients registered at
// the reference index and their consent recorded; API imports are kept in the LSP's store and replayed at start.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { invalidInput, notFound } from '../../node/src/core/index.js';
import type { DatabaseRef, Migrations } from '../../node/src/store/index.js';
import { ProfileValidator, BSN_SYSTEM, type FhirResource } from '../../node/src/fhir/index.js';
import { ANY, type MitzConsent } from './mitz.js';
import type { ReferenceIndex } from './reference-index.js';
import type { SourceSystem } from './sources.js';
import { CONSENT_SETTINGS, patientsIn, type ConsentSetting, type DataBatch } from './data-folder.js';
import { MEDICATION_DATA_CATEGORY } from './broker.js';

export { DEMO_DATA_DIR } from './data-folder.js';

interface ImportTables {
  lsp_data_import: { id: string; source: string; consent: string; resources: string; imported_at: number };
}

export const dataMigrations: Migrations = {
  lsp_002_data_import: {
    async up(db) {
      await db.schema
        .createTable('lsp_data_import')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('source', 'varchar(64)', (c) => c.notNull())
        .addColumn('consent', 'varchar(4)', (c) => c.notNull())
        .addColumn('resources', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

export interface ImportResult {
  source: string;
  resources: number;
  patients: Array<{ bsn: string; name?: string }>;
  registrations: number;
  consent: ConsentSetting;
}

/** The consent every imported patient gets, for all holders and consulters of medication data (as the demo has). */
const consentKey = (bsn: string) => ({ bsn, holderCategory: ANY, dataCategory: MEDICATION_DATA_CATEGORY, consulterCategory: ANY });

const EXPORTED_TYPES = ['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'Medication', 'MedicationRequest', 'MedicationDispense', 'MedicationStatement', 'MedicationAdministration'];

export class LspData {
  /** BSN → consent setting, in import order (the demo's patients first) */
  private readonly patientConsent = new Map<string, ConsentSetting>();
  private readonly names = new Map<string, string>();
  private readonly validator = new ProfileValidator();

  constructor(
    private readonly ref: DatabaseRef,
    private readonly sources: () => SourceSystem[],
    private readonly index: () => ReferenceIndex,
    private readonly mitz: () => MitzConsent,
    private readonly clock: () => number = Date.now,
  ) {}

  private get db(): Kysely<ImportTables> {
    return this.ref.db.db as Kysely<ImportTables>;
  }

  /** BSNs of every patient the sources hold, in import order. */
  patients(): string[] {
    return [...this.patientConsent.keys()];
  }

  /** The consent choices `normal` records again after clearing. */
  consents(): Array<{ bsn: string; consent: ConsentSetting }> {
    return [...this.patientConsent].map(([bsn, consent]) => ({ bsn, consent }));
  }

  /**
   * Puts a batch into its source's store (profile-validated, all or nothing), registers its patients' holdings at the
   * reference index and records their consent. `persist` keeps it for the next start (imports over the API).
   */
  async import(batch: DataBatch, opts: { persist?: boolean } = {}): Promise<ImportResult> {
    const { source, patients } = this.check(batch);
    await source.put(batch.resources);
    return await this.afterWrite(batch, source, patients, opts);
  }

  /** What an import must satisfy before anything is written (the API records its audit entries in between). */
  check(batch: DataBatch): { source: SourceSystem; patients: Array<{ bsn: string; name?: string }> } {
    const source = this.sources().find((s) => s.config.id === batch.source);
    if (!source) throw notFound(`unknown source '${batch.source}' (known: ${this.sources().map((s) => s.config.id).join(', ')})`);
    if (!CONSENT_SETTINGS.includes(batch.consent)) throw invalidInput(`consent must be ja, nee or none, got '${batch.consent}'`);
    if (!Array.isArray(batch.resources) || !batch.resources.length) throw invalidInput('resources must be a non-empty array of FHIR resources');
    for (const [i, r] of batch.resources.entries()) {
      if (!r || typeof r.resourceType !== 'string' || typeof r.id !== 'string') throw invalidInput(`resources[${i}] needs a resourceType and an id`);
      const issues = this.validator.validate(r).filter((x) => x.severity === 'error');
      if (issues.length) throw invalidInput(`${r.resourceType}/${r.id}: ${issues.map((x) => `${x.expression?.[0] ?? ''} ${x.diagnostics}`.trim()).join('; ')}`);
    }
    const patients = patientsIn(batch.resources);
    if (!patients.length) throw invalidInput(`the batch for ${batch.source} has no Patient with a BSN (${BSN_SYSTEM})`);
    return { source, patients };
  }

  private async afterWrite(batch: DataBatch, source: SourceSystem, patients: Array<{ bsn: string; name?: string }>, opts: { persist?: boolean }): Promise<ImportResult> {
    let registrations = 0;
    const bsns = new Set(patients.map((p) => p.bsn));
    for (const [bsn, blocks] of await source.holdings()) {
      if (!bsns.has(bsn)) continue;
      for (const block of blocks) {
        await this.index().register({ bsn, block, appId: source.config.appId, ura: source.config.ura });
        registrations++;
      }
    }
    for (const p of patients) {
      this.patientConsent.set(p.bsn, batch.consent);
      if (p.name) this.names.set(p.bsn, p.name);
      await this.applyConsent(p.bsn, batch.consent);
    }
    if (opts.persist) {
      await this.db
        .insertInto('lsp_data_import')
        .values({ id: randomUUID(), source: batch.source, consent: batch.consent, resources: JSON.stringify(batch.resources), imported_at: this.clock() })
        .execute();
    }
    return { source: batch.source, resources: batch.resources.length, patients, registrations, consent: batch.consent };
  }

  private async applyConsent(bsn: string, consent: ConsentSetting): Promise<void> {
    if (consent === 'none') await this.mitz().clear(bsn);
    else await this.mitz().record(consentKey(bsn), consent);
  }

  /** Consent again as imported (the `normal` scenario clears all choices first). */
  async restoreConsent(): Promise<number> {
    for (const [bsn, consent] of this.patientConsent) await this.applyConsent(bsn, consent);
    return this.patientConsent.size;
  }

  /** Replays the imports kept by earlier runs, oldest first. */
  async replay(): Promise<number> {
    const rows = await this.db.selectFrom('lsp_data_import').selectAll().orderBy('imported_at').orderBy('id').execute();
    for (const r of rows) {
      if (!this.sources().some((s) => s.config.id === r.source)) continue; // a source no longer configured
      await this.import({ source: r.source, consent: r.consent as ConsentSetting, resources: JSON.parse(r.resources) as DataBatch['resources'], origin: [] });
    }
    return rows.length;
  }

  /** Per source: its patients (BSN, name, consent) and resource counts. */
  async list(): Promise<Array<{ source: string; name: string; patients: Array<{ bsn: string; name?: string; consent?: ConsentSetting }>; counts: Record<string, number> }>> {
    const out = [];
    for (const s of this.sources()) {
      const counts: Record<string, number> = {};
      const patients: Array<{ bsn: string; name?: string; consent?: ConsentSetting }> = [];
      for (const type of EXPORTED_TYPES) {
        const rs = await s.list(type);
        if (rs.length) counts[type] = rs.length;
        if (type === 'Patient') for (const p of patientsIn(rs)) patients.push({ ...p, ...(this.patientConsent.has(p.bsn) ? { consent: this.patientConsent.get(p.bsn) } : {}) });
      }
      out.push({ source: s.config.id, name: s.config.name, patients, counts });
    }
    return out;
  }

  /**
   * Per source a transaction Bundle (PUT entries) of what it holds, optionally of one patient (with the context its data
   * points at): `data export` writes one file per source plus a mapping, so `data import` of that folder round-trips.
   */
  async export(opts: { source?: string; bsn?: string } = {}): Promise<Record<string, FhirResource>> {
    const sources = this.sources().filter((s) => !opts.source || s.config.id === opts.source);
    if (opts.source && !sources.length) throw notFound(`unknown source '${opts.source}'`);
    const out: Record<string, FhirResource> = {};
    for (const s of sources) {
      const all: FhirResource[] = [];
      for (const type of EXPORTED_TYPES) all.push(...(await s.list(type)));
      let keep = all;
      if (opts.bsn) {
        const ids = new Set(all.filter((r) => r.resourceType === 'Patient' && patientsIn([r])[0]?.bsn === opts.bsn).map((r) => `Patient/${r.id}`));
        const ref = (x: unknown) => String((x as { reference?: string } | undefined)?.reference);
        const medical = all.filter((r) => ids.has(`Patient/${r.id}`) || ids.has(ref(r.subject)) || ids.has(ref(r.patient)));
        // and the context its data points at, transitively (medication, author roles, their practitioners and organisations)
        const key = (r: FhirResource) => `${r.resourceType}/${r.id}`;
        const kept = new Set(medical.map(key));
        for (let grew = true; grew; ) {
          grew = false;
          const refs = new Set([...JSON.stringify(all.filter((r) => kept.has(key(r)))).matchAll(/"reference":"([A-Za-z]+\/[A-Za-z0-9\-.]+)"/g)].map((m) => m[1]!));
          for (const r of all) if (refs.has(key(r)) && !kept.has(key(r))) grew = kept.add(key(r)).size > 0;
        }
        keep = all.filter((r) => kept.has(key(r)));
      }
      if (!keep.length) continue;
      out[s.config.id] = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: keep.map((r) => {
          const { meta, ...rest } = r as FhirResource & { meta?: Record<string, unknown> };
          const profile = meta?.profile;
          return { fullUrl: `urn:uuid:${randomUUID()}`, resource: { ...rest, ...(profile ? { meta: { profile } } : {}) }, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } };
        }),
      };
    }
    return out;
  }
}
