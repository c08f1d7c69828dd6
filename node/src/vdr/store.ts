// Subject storage port and its SQL implementation: subjects, their verification methods and services.
import type { Kysely } from 'kysely';
import type { JWK } from 'jose';
import { conflict } from '../core/errors.js';
import type { DatabaseRef, Migrations } from '../store/index.js';
import { fixedQuery, isUniqueViolation } from '../store/index.js';

export interface SubjectRecord {
  id: string;
  did: string;
  createdAt: number;
  updatedAt: number;
  deactivatedAt?: number;
}

export interface MethodRecord {
  id: string;
  subject: string;
  keyType: string;
  publicJwk: JWK;
  createdAt: number;
}

export interface ServiceRecord {
  id: string;
  subject: string;
  type: string;
  endpoint: unknown;
  createdAt: number;
}

export interface SubjectStore {
  createSubject(s: SubjectRecord): Promise<void>;
  getSubject(id: string): Promise<SubjectRecord | undefined>;
  subjectByDid(did: string): Promise<SubjectRecord | undefined>;
  listSubjects(): Promise<SubjectRecord[]>;
  markDeactivated(id: string, at: number): Promise<void>;
  touch(id: string, at: number): Promise<void>;
  addMethod(m: MethodRecord): Promise<void>;
  methods(subject: string): Promise<MethodRecord[]>;
  addService(s: ServiceRecord): Promise<void>;
  services(subject: string): Promise<ServiceRecord[]>;
  deleteService(id: string): Promise<boolean>;
}

interface VdrTables {
  vdr_subjects: { id: string; did: string; created_at: number; updated_at: number; deactivated_at: number | null };
  vdr_methods: { id: string; subject: string; key_type: string; public_jwk: string; created_at: number };
  vdr_services: { id: string; subject: string; type: string; endpoint: string; created_at: number };
}

export const vdrMigrations: Migrations = {
  vdr_001_subjects: {
    async up(db) {
      await db.schema
        .createTable('vdr_subjects')
        .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('did', 'varchar(1024)', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deactivated_at', 'bigint')
        .execute();
      await db.schema
        .createTable('vdr_methods')
        .addColumn('id', 'varchar(1024)', (c) => c.primaryKey())
        .addColumn('subject', 'varchar(255)', (c) => c.notNull().references('vdr_subjects.id'))
        .addColumn('key_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('vdr_services')
        .addColumn('id', 'varchar(1024)', (c) => c.primaryKey())
        .addColumn('subject', 'varchar(255)', (c) => c.notNull().references('vdr_subjects.id'))
        .addColumn('type', 'varchar(255)', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vdr_methods_subject').on('vdr_methods').column('subject').execute();
      await db.schema.createIndex('vdr_services_subject').on('vdr_services').column('subject').execute();
    },
  },
};

// every request to a subject's endpoints looks it up: compiled once
const selectSubject = fixedQuery<[string]>((db, id) => db.selectFrom('vdr_subjects').selectAll().where('id', '=', id), 1);

const toSubject = (r: VdrTables['vdr_subjects']): SubjectRecord => ({
  id: r.id,
  did: r.did,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  ...(r.deactivated_at != null ? { deactivatedAt: Number(r.deactivated_at) } : {}),
});

export class SqlSubjectStore implements SubjectStore {
  constructor(private readonly ref: DatabaseRef) {}

  private get db(): Kysely<VdrTables> {
    return this.ref.db.db as Kysely<VdrTables>;
  }

  async createSubject(s: SubjectRecord): Promise<void> {
    try {
      await this.db.insertInto('vdr_subjects').values({ id: s.id, did: s.did, created_at: s.createdAt, updated_at: s.updatedAt, deactivated_at: null }).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`subject '${s.id}' already exists`);
      throw e;
    }
  }

  async getSubject(id: string) {
    const r = (await selectSubject<VdrTables['vdr_subjects']>(this.ref.db, id)).rows[0];
    return r && toSubject(r);
  }

  async subjectByDid(did: string) {
    const r = await this.db.selectFrom('vdr_subjects').selectAll().where('did', '=', did).executeTakeFirst();
    return r && toSubject(r);
  }

  async listSubjects() {
    const rows = await this.db.selectFrom('vdr_subjects').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toSubject);
  }

  async markDeactivated(id: string, at: number) {
    await this.db.updateTable('vdr_subjects').set({ deactivated_at: at, updated_at: at }).where('id', '=', id).execute();
  }

  async touch(id: string, at: number) {
    await this.db.updateTable('vdr_subjects').set({ updated_at: at }).where('id', '=', id).execute();
  }

  async addMethod(m: MethodRecord) {
    await this.db.insertInto('vdr_methods').values({ id: m.id, subject: m.subject, key_type: m.keyType, public_jwk: JSON.stringify(m.publicJwk), created_at: m.createdAt }).execute();
  }

  async methods(subject: string) {
    const rows = await this.db.selectFrom('vdr_methods').selectAll().where('subject', '=', subject).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, subject: r.subject, keyType: r.key_type, publicJwk: JSON.parse(r.public_jwk) as JWK, createdAt: Number(r.created_at) }));
  }

  async addService(s: ServiceRecord) {
    await this.db.insertInto('vdr_services').values({ id: s.id, subject: s.subject, type: s.type, endpoint: JSON.stringify(s.endpoint), created_at: s.createdAt }).execute();
  }

  async services(subject: string) {
    const rows = await this.db.selectFrom('vdr_services').selectAll().where('subject', '=', subject).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, subject: r.subject, type: r.type, endpoint: JSON.parse(r.endpoint) as unknown, createdAt: Number(r.created_at) }));
  }

  async deleteService(id: string) {
    const res = await this.db.deleteFrom('vdr_services').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
