// VCR storage port and its SQL implementation: issued credentials, status-list counters, per-subject wallets and the trust list.
import type { Kysely } from 'kysely';
import { conflict } from '../core/errors.js';
import type { DatabaseRef, Migrations } from '../store/index.js';
import { fixedQuery, isUniqueViolation } from '../store/index.js';

export type StatusListType = 'StatusList2021' | 'BitstringStatusList';

export interface IssuedRecord {
  id: string;
  issuer: string;
  subject?: string;
  types: string[];
  format: string;
  credential: string;
  status?: { type: StatusListType; page: number; index: number };
  revokedAt?: number;
  createdAt: number;
}

export interface WalletRecord {
  subject: string;
  id: string;
  issuer: string;
  types: string[];
  credential: string;
  createdAt: number;
}

export interface VcrStore {
  addIssued(r: IssuedRecord): Promise<void>;
  getIssued(id: string): Promise<IssuedRecord | undefined>;
  searchIssued(q: { type?: string; issuer?: string; subject?: string }): Promise<IssuedRecord[]>;
  markRevoked(id: string, at: number): Promise<void>;
  /** indexes revoked on one status list page */
  revokedIndexes(issuer: string, type: StatusListType, page: number): Promise<number[]>;
  /** reserves the next free index on the issuer's list of this type */
  allocateStatusIndex(issuer: string, type: StatusListType, pageSize: number): Promise<{ page: number; index: number }>;
  addToWallet(r: WalletRecord): Promise<void>;
  wallet(subject: string, type?: string): Promise<WalletRecord[]>;
  /** a credential by id from any wallet on this node (resolveVC) */
  walletCredential(id: string): Promise<WalletRecord | undefined>;
  removeFromWallet(subject: string, id: string): Promise<boolean>;
  setTrust(type: string, issuer: string, trusted: boolean): Promise<void>;
  /** records an issuer seen for a type without changing an explicit decision */
  noteIssuer(type: string, issuer: string): Promise<void>;
  trustList(type: string, trusted: boolean): Promise<string[]>;
  isTrusted(type: string, issuer: string): Promise<boolean>;
}

interface Tables {
  vcr_issued: { id: string; issuer: string; subject: string | null; types: string; format: string; credential: string; status_type: string | null; status_page: number | null; status_index: number | null; revoked_at: number | null; created_at: number };
  vcr_status_counters: { issuer: string; type: string; next_index: number };
  vcr_wallet: { subject: string; id: string; issuer: string; types: string; credential: string; created_at: number };
  vcr_trust: { type: string; issuer: string; trusted: number };
}

// asked for every credential of every token request (trust is read fresh each time, never cached): compiled once
// read whenever a status list page is served or checked locally: compiled once
const selectRevoked = fixedQuery<[string, string, number]>((db, issuer, type, page) => db.selectFrom('vcr_issued').select('status_index').where('issuer', '=', issuer).where('status_type', '=', type).where('status_page', '=', page).where('revoked_at', 'is not', null), 3);
const selectTrust = fixedQuery<[string, string]>((db, type, issuer) => db.selectFrom('vcr_trust').select('trusted').where('type', '=', type).where('issuer', '=', issuer), 2);

export const vcrMigrations: Migrations = {
  vcr_001_credentials: {
    async up(db) {
      await db.schema
        .createTable('vcr_issued')
        .addColumn('id', 'varchar(1024)', (c) => c.primaryKey())
        .addColumn('issuer', 'varchar(1024)', (c) => c.notNull())
        .addColumn('subject', 'varchar(1024)')
        .addColumn('types', 'text', (c) => c.notNull())
        .addColumn('format', 'varchar(16)', (c) => c.notNull())
        .addColumn('credential', 'text', (c) => c.notNull())
        .addColumn('status_type', 'varchar(32)')
        .addColumn('status_page', 'integer')
        .addColumn('status_index', 'integer')
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vcr_issued_issuer').on('vcr_issued').column('issuer').execute();
      await db.schema.createIndex('vcr_issued_status').on('vcr_issued').columns(['issuer', 'status_type', 'status_page']).execute();
      await db.schema
        .createTable('vcr_status_counters')
        .addColumn('issuer', 'varchar(1024)', (c) => c.notNull())
        .addColumn('type', 'varchar(32)', (c) => c.notNull())
        .addColumn('next_index', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('vcr_status_counters_pk', ['issuer', 'type'])
        .execute();
      await db.schema
        .createTable('vcr_wallet')
        .addColumn('subject', 'varchar(255)', (c) => c.notNull())
        .addColumn('id', 'varchar(1024)', (c) => c.notNull())
        .addColumn('issuer', 'varchar(1024)', (c) => c.notNull())
        .addColumn('types', 'text', (c) => c.notNull())
        .addColumn('credential', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('vcr_wallet_pk', ['subject', 'id'])
        .execute();
      await db.schema
        .createTable('vcr_trust')
        .addColumn('type', 'varchar(255)', (c) => c.notNull())
        .addColumn('issuer', 'varchar(1024)', (c) => c.notNull())
        .addColumn('trusted', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('vcr_trust_pk', ['type', 'issuer'])
        .execute();
    },
  },
};

// types are stored as `|A|B|` so one LIKE finds a credential by any of its types
const typesText = (types: string[]) => `|${types.join('|')}|`;
const parseTypes = (s: string) => s.split('|').filter(Boolean);

const toIssued = (r: Tables['vcr_issued']): IssuedRecord => ({
  id: r.id,
  issuer: r.issuer,
  ...(r.subject ? { subject: r.subject } : {}),
  types: parseTypes(r.types),
  format: r.format,
  credential: r.credential,
  ...(r.status_type ? { status: { type: r.status_type as StatusListType, page: Number(r.status_page), index: Number(r.status_index) } } : {}),
  ...(r.revoked_at != null ? { revokedAt: Number(r.revoked_at) } : {}),
  createdAt: Number(r.created_at),
});

export class SqlVcrStore implements VcrStore {
  constructor(private readonly ref: DatabaseRef) {}

  private get db(): Kysely<Tables> {
    return this.ref.db.db as Kysely<Tables>;
  }

  async addIssued(r: IssuedRecord) {
    await this.db
      .insertInto('vcr_issued')
      .values({ id: r.id, issuer: r.issuer, subject: r.subject ?? null, types: typesText(r.types), format: r.format, credential: r.credential, status_type: r.status?.type ?? null, status_page: r.status?.page ?? null, status_index: r.status?.index ?? null, revoked_at: null, created_at: r.createdAt })
      .execute();
  }

  async getIssued(id: string) {
    const r = await this.db.selectFrom('vcr_issued').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toIssued(r);
  }

  async searchIssued(q: { type?: string; issuer?: string; subject?: string }) {
    let query = this.db.selectFrom('vcr_issued').selectAll();
    if (q.type) query = query.where('types', 'like', `%|${q.type}|%`);
    if (q.issuer) query = query.where('issuer', '=', q.issuer);
    if (q.subject) query = query.where('subject', '=', q.subject);
    return (await query.orderBy('created_at').orderBy('id').execute()).map(toIssued);
  }

  async markRevoked(id: string, at: number) {
    await this.db.updateTable('vcr_issued').set({ revoked_at: at }).where('id', '=', id).execute();
  }

  async revokedIndexes(issuer: string, type: StatusListType, page: number) {
    const { rows } = await selectRevoked<{ status_index: number }>(this.ref.db, issuer, type, page);
    return rows.map((r) => Number(r.status_index));
  }

  async allocateStatusIndex(issuer: string, type: StatusListType, pageSize: number) {
    return await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('vcr_status_counters').select('next_index').where('issuer', '=', issuer).where('type', '=', type).executeTakeFirst();
      const n = row ? Number(row.next_index) : 0;
      if (row) await tx.updateTable('vcr_status_counters').set({ next_index: n + 1 }).where('issuer', '=', issuer).where('type', '=', type).execute();
      else await tx.insertInto('vcr_status_counters').values({ issuer, type, next_index: 1 }).execute();
      return { page: Math.floor(n / pageSize) + 1, index: n % pageSize };
    });
  }

  async addToWallet(r: WalletRecord) {
    try {
      await this.db.insertInto('vcr_wallet').values({ subject: r.subject, id: r.id, issuer: r.issuer, types: typesText(r.types), credential: r.credential, created_at: r.createdAt }).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`credential '${r.id}' is already in the wallet of '${r.subject}'`);
      throw e;
    }
  }

  async wallet(subject: string, type?: string) {
    let q = this.db.selectFrom('vcr_wallet').selectAll().where('subject', '=', subject);
    if (type) q = q.where('types', 'like', `%|${type}|%`);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ subject: r.subject, id: r.id, issuer: r.issuer, types: parseTypes(r.types), credential: r.credential, createdAt: Number(r.created_at) }));
  }

  async walletCredential(id: string) {
    const r = await this.db.selectFrom('vcr_wallet').selectAll().where('id', '=', id).orderBy('created_at').executeTakeFirst();
    return r && { subject: r.subject, id: r.id, issuer: r.issuer, types: parseTypes(r.types), credential: r.credential, createdAt: Number(r.created_at) };
  }

  async removeFromWallet(subject: string, id: string) {
    const r = await this.db.deleteFrom('vcr_wallet').where('subject', '=', subject).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setTrust(type: string, issuer: string, trusted: boolean) {
    const v = trusted ? 1 : 0;
    const updated = await this.db.updateTable('vcr_trust').set({ trusted: v }).where('type', '=', type).where('issuer', '=', issuer).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await this.db.insertInto('vcr_trust').values({ type, issuer, trusted: v }).execute();
  }

  async noteIssuer(type: string, issuer: string) {
    const exists = await this.db.selectFrom('vcr_trust').select('trusted').where('type', '=', type).where('issuer', '=', issuer).executeTakeFirst();
    if (exists) return;
    try {
      await this.db.insertInto('vcr_trust').values({ type, issuer, trusted: 0 }).execute();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
  }

  async trustList(type: string, trusted: boolean) {
    const rows = await this.db.selectFrom('vcr_trust').select('issuer').where('type', '=', type).where('trusted', '=', trusted ? 1 : 0).orderBy('issuer').execute();
    return rows.map((r) => r.issuer);
  }

  async isTrusted(type: string, issuer: string) {
    const [r] = (await selectTrust<{ trusted: number }>(this.ref.db, type, issuer)).rows;
    return Number(r?.trusted ?? 0) === 1;
  }
}
