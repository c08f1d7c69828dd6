// Mitz-style consent: choices per (BSN, holder category, data category, consulting category); no choice means no.
import type { Kysely } from 'kysely';
import { readFileSync } from 'node:fs';
import { invalidInput, packagePath } from '../../node/src/core/index.js';
import { fixedQuery, type DatabaseRef, type Migrations } from '../../node/src/store/index.js';
import { BSN_SYSTEM, assertValidBsn } from './bsn.js';

export type ConsentChoice = 'ja' | 'nee';
export type ConsentDecision = 'Permit' | 'Deny' | 'NotApplicable';
/** '*' stands for every category (e.g. "all care providers may share"). */
export const ANY = '*';
/** The consent profile (NEN 7513 7.4.8 toestemmingsprofiel) the broker applies per source: Mitz opt-in, no choice = no. */
export const MITZ_CONSENT_PROFILE = 'https://nuts-lsp-lab.nl/consent-profile/mitz-opt-in';

export interface ConsentKey {
  bsn: string;
  holderCategory: string;
  dataCategory: string;
  consulterCategory: string;
}

export interface ConsentRecord extends ConsentKey {
  choice: ConsentChoice;
  recordedAt: number;
}

export interface DecisionResult {
  decision: ConsentDecision;
  reason: string;
  matched?: ConsentRecord;
}

export interface MitzCatalogue {
  providerCategories: Record<string, { nl: string; en: string }>;
  dataCategories: Record<string, { nl: string; en: string }>;
  organizationTypeToCategory: Record<string, string>;
}

export function loadCatalogue(file: string | URL = packagePath('simulators', 'lsp', 'config', 'mitz-catalogue.json')): MitzCatalogue {
  return JSON.parse(readFileSync(file, 'utf8')) as MitzCatalogue;
}

interface ConsentTables {
  lsp_consent: { bsn: string; holder_category: string; data_category: string; consulter_category: string; choice: string; recorded_at: number };
}

export const mitzMigrations: Migrations = {
  lsp_001_consent: {
    async up(db) {
      await db.schema
        .createTable('lsp_consent')
        .addColumn('bsn', 'varchar(9)', (c) => c.notNull())
        .addColumn('holder_category', 'varchar(32)', (c) => c.notNull())
        .addColumn('data_category', 'varchar(32)', (c) => c.notNull())
        .addColumn('consulter_category', 'varchar(32)', (c) => c.notNull())
        .addColumn('choice', 'varchar(3)', (c) => c.notNull())
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lsp_consent_pk', ['bsn', 'holder_category', 'data_category', 'consulter_category'])
        .execute();
    },
  },
};

type ConsentRow = ConsentTables['lsp_consent'];
// asked on every brokered search (decider): compiled once
const selectChoicesOf = fixedQuery<[string]>((db, bsn) => db.selectFrom('lsp_consent').selectAll().where('bsn', '=', bsn).orderBy('bsn').orderBy('holder_category').orderBy('consulter_category'), 1);

export class MitzConsent {
  constructor(
    private readonly ref: DatabaseRef,
    readonly catalogue: MitzCatalogue,
    private readonly clock: () => number = Date.now,
  ) {}

  private get db(): Kysely<ConsentTables> {
    return this.ref.db.db as Kysely<ConsentTables>;
  }

  /** Category of a care provider from its organisation type (zorgaanbiedertype); undefined when not in the catalogue. */
  categoryOfOrganizationType(type: string | undefined): string | undefined {
    return type ? this.catalogue.organizationTypeToCategory[type] : undefined;
  }

  /** Throws a 400 naming the unknown category or the bad BSN; `allowAny` admits the '*' wildcard. */
  validate(k: ConsentKey, allowAny: boolean): void {
    assertValidBsn(k.bsn);
    const provider = (c: string, what: string) => {
      if (allowAny && c === ANY) return;
      if (!this.catalogue.providerCategories[c]) throw invalidInput(`unknown ${what} '${c}' (known: ${Object.keys(this.catalogue.providerCategories).join(', ')}${allowAny ? ', *' : ''})`);
    };
    provider(k.holderCategory, 'holderCategory');
    provider(k.consulterCategory, 'consulterCategory');
    if (!this.catalogue.dataCategories[k.dataCategory]) throw invalidInput(`unknown dataCategory '${k.dataCategory}' (known: ${Object.keys(this.catalogue.dataCategories).join(', ')})`);
  }

  async record(k: ConsentKey, choice: ConsentChoice): Promise<ConsentRecord> {
    this.validate(k, true);
    if (choice !== 'ja' && choice !== 'nee') throw invalidInput(`choice must be 'ja' or 'nee'`);
    const row = { bsn: k.bsn, holder_category: k.holderCategory, data_category: k.dataCategory, consulter_category: k.consulterCategory, choice, recorded_at: this.clock() };
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('lsp_consent').where('bsn', '=', k.bsn).where('holder_category', '=', k.holderCategory).where('data_category', '=', k.dataCategory).where('consulter_category', '=', k.consulterCategory).execute();
      await tx.insertInto('lsp_consent').values(row).execute();
    });
    return { ...k, choice, recordedAt: row.recorded_at };
  }

  /** Removes a choice: the patient is back to "no choice", which means no. */
  async withdraw(k: ConsentKey): Promise<boolean> {
    const r = await this.db.deleteFrom('lsp_consent').where('bsn', '=', k.bsn).where('holder_category', '=', k.holderCategory).where('data_category', '=', k.dataCategory).where('consulter_category', '=', k.consulterCategory).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async clear(bsn?: string): Promise<void> {
    let q = this.db.deleteFrom('lsp_consent');
    if (bsn) q = q.where('bsn', '=', bsn);
    await q.execute();
  }

  async list(bsn?: string): Promise<ConsentRecord[]> {
    const rows = bsn
      ? (await selectChoicesOf<ConsentRow>(this.ref.db, bsn)).rows
      : await this.db.selectFrom('lsp_consent').selectAll().orderBy('bsn').orderBy('holder_category').orderBy('consulter_category').execute();
    return rows.map((r) => ({ bsn: r.bsn, holderCategory: r.holder_category, dataCategory: r.data_category, consulterCategory: r.consulter_category, choice: r.choice as ConsentChoice, recordedAt: Number(r.recorded_at) }));
  }

  /**
   * The closed question (gesloten autorisatievraag): may data of this category held by this kind of provider be
   * shown to this kind of consulter? The most specific recorded choice wins; none at all means Deny.
   */
  async decide(k: ConsentKey): Promise<DecisionResult> {
    return (await this.decider(k.bsn, k.dataCategory))(k.holderCategory, k.consulterCategory);
  }

  /**
   * The closed question for one patient and data category, asked of many holders (a brokered search asks one per
   * source): the patient's choices are read once, now, and every answer is decided from that one read.
   */
  async decider(bsn: string, dataCategory: string): Promise<(holderCategory: string, consulterCategory: string) => DecisionResult> {
    assertValidBsn(bsn);
    const records = this.catalogue.dataCategories[dataCategory] ? (await this.list(bsn)).filter((r) => r.dataCategory === dataCategory) : [];
    return (holderCategory, consulterCategory) => this.decideFrom(records, { bsn, holderCategory, dataCategory, consulterCategory });
  }

  private decideFrom(choices: ConsentRecord[], k: ConsentKey): DecisionResult {
    if (!this.catalogue.dataCategories[k.dataCategory]) return { decision: 'NotApplicable', reason: `data category '${k.dataCategory}' is not in the consent catalogue` };
    if (!this.catalogue.providerCategories[k.holderCategory]) return { decision: 'NotApplicable', reason: `holder category '${k.holderCategory}' is not in the consent catalogue` };
    if (!this.catalogue.providerCategories[k.consulterCategory]) return { decision: 'NotApplicable', reason: `consulting category '${k.consulterCategory}' is not in the consent catalogue` };
    const specificity = (r: ConsentRecord) => (r.holderCategory === k.holderCategory ? 2 : r.holderCategory === ANY ? 0 : -10) + (r.consulterCategory === k.consulterCategory ? 1 : r.consulterCategory === ANY ? 0 : -10);
    const best = choices.filter((r) => specificity(r) >= 0).sort((a, b) => specificity(b) - specificity(a))[0];
    const holder = this.catalogue.providerCategories[k.holderCategory]!.en;
    const consulter = this.catalogue.providerCategories[k.consulterCategory]!.en;
    if (!best) return { decision: 'Deny', reason: `the patient made no consent choice for sharing ${this.catalogue.dataCategories[k.dataCategory]!.en.toLowerCase()} held by ${holder.toLowerCase()} with ${consulter.toLowerCase()} (no choice means no)` };
    return best.choice === 'ja'
      ? { decision: 'Permit', reason: `the patient consented (Mitz '${best.choice}' recorded ${new Date(best.recordedAt).toISOString()})`, matched: best }
      : { decision: 'Deny', reason: `the patient refused sharing with ${consulter.toLowerCase()} (Mitz 'nee')`, matched: best };
  }

  /** A choice as a FHIR Consent, modelled on the Mitz notification profile. */
  toFhirConsent(r: ConsentRecord): fhir4.Consent {
    const id = [r.bsn, r.holderCategory, r.dataCategory, r.consulterCategory].join('-').replace(/\*/g, 'all');
    return {
      resourceType: 'Consent',
      id,
      meta: { profile: ['http://vzvz.nl/fhir/StructureDefinition/Consent-Mitz-Notify'] },
      extension: [
        { url: 'http://fhir.nl/StructureDefinition/OTV-ProviderCategory', valueCoding: { system: 'http://fhir.nl/otv/CodeSystem/raadplegende-zorgaanbiedercategorie', code: r.consulterCategory } },
      ],
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://fhir.nl/otv/CodeSystem/gegevenscategorie', code: r.dataCategory, display: this.catalogue.dataCategories[r.dataCategory]?.nl }] }],
      patient: { identifier: { system: BSN_SYSTEM, value: r.bsn } },
      dateTime: new Date(r.recordedAt).toISOString(),
      provision: {
        type: r.choice === 'ja' ? 'permit' : 'deny',
        actor: [
          {
            role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' }] },
            reference: { display: `holder category ${r.holderCategory === ANY ? 'all' : r.holderCategory}` },
          },
        ],
        purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
      },
    };
  }
}
