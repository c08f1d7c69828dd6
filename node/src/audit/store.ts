// Audit storage port and its SQL implementation: append-only records with the chain head read inside the write
// transaction (SQLite BEGIN IMMEDIATE, PostgreSQL advisory lock), checkpoints, filtered paging and retention.
import { sql, type Kysely } from 'kysely';
import { fixedQuery, type DatabaseRef, type Migrations } from '../store/index.js';
import type { ChainLink, StoredCheckpoint, StoredRow } from './chain.js';
import type { AuditFilter, AuditRecord } from './record.js';

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AuditStore {
  /** Appends the records `build` chains onto the current head, in one transaction: the chain can never fork. */
  append(build: (head: ChainHead | undefined) => AuditRecord[]): Promise<AuditRecord[]>;
  head(): Promise<ChainHead | undefined>;
  query(filter: AuditFilter, page?: { limit?: number; afterSeq?: number }): Promise<AuditRecord[]>;
  get(id: string): Promise<AuditRecord | undefined>;
  /** every stored row in `seq` order, in batches, as the verifier needs them (body and indexed columns) */
  rows(batch?: number): AsyncIterable<StoredRow>;
  firstSeq(): Promise<number | undefined>;
  addCheckpoint(cp: StoredCheckpoint): Promise<void>;
  checkpoints(): Promise<StoredCheckpoint[]>;
  /** removes records with seq <= `seq`; checkpoints stay */
  deleteThrough(seq: number): Promise<number>;
  /** the chain links (seq, prevHash, hash) of records afterSeq < seq <= throughSeq, for a witness */
  links(afterSeq: number, throughSeq: number): Promise<ChainLink[]>;
}

export interface AuditTables {
  audit_records: {
    seq: number;
    id: string;
    event: string;
    started_at: number;
    patient_bsn: string | null;
    user_id: string | null;
    organisation_ura: string | null;
    trace_id: string | null;
    request_id: string | null;
    prev_hash: string;
    hash: string;
    body: string;
  };
  audit_checkpoints: { seq: number; hash: string; created_at: number; jws: string };
  /** witness side: the checkpoint heads of other nodes this node countersigned, and the key pinned per node */
  audit_witness_heads: { node: string; seq: number; hash: string; jws: string; countersignature: string; received_at: number };
  audit_witness_keys: { node: string; key: string; pinned_at: number };
}

export const auditMigrations: Migrations = {
  audit_001_records: {
    async up(db) {
      await db.schema
        .createTable('audit_records')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('id', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('event', 'varchar(64)', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('patient_bsn', 'varchar(16)')
        .addColumn('user_id', 'varchar(512)')
        .addColumn('organisation_ura', 'varchar(32)')
        .addColumn('trace_id', 'varchar(32)')
        .addColumn('request_id', 'varchar(128)')
        .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      for (const col of ['patient_bsn', 'started_at', 'trace_id', 'user_id', 'organisation_ura']) {
        await db.schema.createIndex(`audit_records_${col}`).on('audit_records').column(col).execute();
      }
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .execute();
    },
  },
  audit_002_witness: {
    async up(db) {
      await db.schema
        .createTable('audit_witness_heads')
        .addColumn('node', 'varchar(128)', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .addColumn('countersignature', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_witness_heads_pk', ['node', 'seq'])
        .execute();
      await db.schema
        .createTable('audit_witness_keys')
        .addColumn('node', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('pinned_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};


// the append path runs on every recorded request: its head read and its single-record insert are compiled once
const selectHead = fixedQuery<[]>((db) => db.selectFrom('audit_records').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1), 0);
const selectCheckpointHead = fixedQuery<[]>((db) => db.selectFrom('audit_checkpoints').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1), 0);
type HeadRow = { seq: number; hash: string };
const ROW_COLUMNS = ['seq', 'id', 'event', 'started_at', 'patient_bsn', 'user_id', 'organisation_ura', 'trace_id', 'request_id', 'prev_hash', 'hash', 'body'] as const;
type RowValues = { [K in keyof typeof ROW_COLUMNS]: unknown } & unknown[];
const rowValues = (r: AuditTables['audit_records']) => ROW_COLUMNS.map((c) => r[c]) as RowValues;
const insertOne = fixedQuery<unknown[]>((db, ...slots) => db.insertInto('audit_records').values(Object.fromEntries(ROW_COLUMNS.map((c, i) => [c, slots[i]]))), ROW_COLUMNS.length);

export class SqlAuditStore implements AuditStore {
  constructor(private readonly ref: DatabaseRef) {}

  private get db(): Kysely<AuditTables> {
    return this.ref.db.db as Kysely<AuditTables>;
  }

  async append(build: (head: ChainHead | undefined) => AuditRecord[]): Promise<AuditRecord[]> {
    const database = this.ref.db;
    // SQLite: head read, inserts and commit in one synchronous IMMEDIATE transaction (the write lock is taken before
    // the head is read, so another process cannot append in between); kysely's queue when a transaction is open
    const direct = database.immediateTransaction?.((run) => {
      const row = selectHead.within<HeadRow>(run, database).rows[0] ?? selectCheckpointHead.within<HeadRow>(run, database).rows[0];
      const records = build(row ? { seq: Number(row.seq), hash: row.hash } : undefined);
      for (const r of records) insertOne.within(run, database, ...rowValues(toRow(r)));
      return records;
    });
    if (direct) return direct.value;
    return await this.db.connection().execute(async (conn) => {
      await sql.raw(database.dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn);
      try {
        // one lock per schema: node instances sharing this log queue up, other nodes' schemas in the same database do not
        if (database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.audit_records'))`.execute(conn);
        const row = (await selectHead<HeadRow>(conn)).rows[0];
        const records = build(row ? { seq: Number(row.seq), hash: row.hash } : await headFromCheckpoints(conn));
        // chunks keep a multi-row INSERT under SQLite's bound-parameter limit
        if (records.length === 1) await insertOne(conn, ...rowValues(toRow(records[0]!)));
        else for (let i = 0; i < records.length; i += 64) await conn.insertInto('audit_records').values(records.slice(i, i + 64).map(toRow)).execute();
        await sql.raw('COMMIT').execute(conn);
        return records;
      } catch (e) {
        await sql.raw('ROLLBACK').execute(conn).catch(() => {});
        throw e;
      }
    });
  }

  async head(): Promise<ChainHead | undefined> {
    const row = await this.db.selectFrom('audit_records').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : await headFromCheckpoints(this.db);
  }

  async query(filter: AuditFilter, page: { limit?: number; afterSeq?: number } = {}): Promise<AuditRecord[]> {
    let q = this.db.selectFrom('audit_records').select('body');
    if (filter.patient) q = q.where('patient_bsn', '=', filter.patient);
    if (filter.user) q = q.where('user_id', '=', filter.user);
    if (filter.organisation) q = q.where('organisation_ura', '=', filter.organisation);
    if (filter.event) q = q.where('event', '=', filter.event);
    if (filter.traceId) q = q.where('trace_id', '=', filter.traceId);
    if (filter.requestId) q = q.where('request_id', '=', filter.requestId);
    if (filter.from !== undefined) q = q.where('started_at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('started_at', '<', filter.to);
    if (page.afterSeq !== undefined) q = q.where('seq', '>', page.afterSeq);
    const rows = await q.orderBy('seq').limit(page.limit ?? 1000).execute();
    return rows.map((r) => JSON.parse(r.body) as AuditRecord);
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    const row = await this.db.selectFrom('audit_records').select('body').where('id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.body) as AuditRecord) : undefined;
  }

  async *rows(batch = 500): AsyncIterable<StoredRow> {
    let after: number | undefined;
    for (;;) {
      let q = this.db.selectFrom('audit_records').selectAll();
      if (after !== undefined) q = q.where('seq', '>', after);
      const rows = await q.orderBy('seq').limit(batch).execute();
      for (const r of rows) {
        const seq = Number(r.seq);
        let record: AuditRecord | undefined;
        let error: string | undefined;
        try {
          record = JSON.parse(r.body) as AuditRecord;
        } catch (e) {
          error = `body is not JSON (${(e as Error).message})`;
        }
        yield {
          seq,
          record,
          error,
          columns: { id: r.id, event: r.event as AuditRecord['event'], hash: r.hash, prevHash: r.prev_hash, patient: r.patient_bsn, user: r.user_id, organisation: r.organisation_ura, traceId: r.trace_id },
        };
        after = seq;
      }
      if (rows.length < batch) return;
    }
  }

  async firstSeq(): Promise<number | undefined> {
    const row = await this.db.selectFrom('audit_records').select('seq').orderBy('seq').limit(1).executeTakeFirst();
    return row ? Number(row.seq) : undefined;
  }

  async addCheckpoint(cp: StoredCheckpoint): Promise<void> {
    await this.db.insertInto('audit_checkpoints').values({ seq: cp.seq, hash: cp.hash, created_at: cp.createdAt, jws: cp.jws }).execute();
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    const rows = await this.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, createdAt: Number(r.created_at), jws: r.jws }));
  }

  async links(afterSeq: number, throughSeq: number): Promise<ChainLink[]> {
    const rows = await this.db.selectFrom('audit_records').select(['seq', 'prev_hash', 'hash']).where('seq', '>', afterSeq).where('seq', '<=', throughSeq).orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), prevHash: r.prev_hash, hash: r.hash }));
  }

  async deleteThrough(seq: number): Promise<number> {
    const res = await this.db.deleteFrom('audit_records').where('seq', '<=', seq).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

/** Every record matching `filter`, in chain order, fetched page by page. */
export async function* iterateRecords(store: AuditStore, filter: AuditFilter = {}, pageSize = 500): AsyncIterable<AuditRecord> {
  let after: number | undefined;
  for (;;) {
    const page = await store.query(filter, { limit: pageSize, afterSeq: after });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}

/** After a retention purge removed every record, the chain continues from the newest signed checkpoint. */
async function headFromCheckpoints(db: Kysely<AuditTables>): Promise<ChainHead | undefined> {
  const cp = await db.selectFrom('audit_checkpoints').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return cp ? { seq: Number(cp.seq), hash: cp.hash } : undefined;
}

function toRow(r: AuditRecord): AuditTables['audit_records'] {
  return {
    seq: r.seq,
    id: r.id,
    event: r.event,
    started_at: Date.parse(r.startedAt),
    patient_bsn: r.patient?.bsn ?? null,
    user_id: r.actor?.userId ?? null,
    organisation_ura: r.actor?.organisation?.ura ?? null,
    trace_id: r.traceId ?? null,
    request_id: r.requestId ?? null,
    prev_hash: r.prevHash,
    hash: r.hash,
    // stored as written; the verifier re-canonicalises, so key order here does not matter
    body: JSON.stringify(r),
  };
}
