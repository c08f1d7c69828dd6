// SQL storage: kysely over better-sqlite3 (embedded default, WAL) or PostgreSQL (DATABASE_URL), with migrations.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Compilable, type Migration, type QueryResult } from 'kysely';
import type pgTypes from 'pg';
import { NodeError } from '../core/errors.js';

export type SqlDialect = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** PostgreSQL connection URL; when set, PostgreSQL is used */
  url?: string;
  /** PostgreSQL schema (created when missing) */
  schema?: string;
  /** SQLite file path or ':memory:' */
  sqlite?: string;
}

/** Migrations keyed by a unique name `<module>_<nnn>_<what>`; each module owns its own. */
export type Migrations = Record<string, Migration>;

export interface Database {
  // Stores type their own tables with `db.withTables<T>()`; the shared handle stays untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly db: Kysely<any>;
  readonly dialect: SqlDialect;
  /** where the data lives, for status output (no credentials) */
  readonly location: string;
  migrate(migrations: Migrations): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * SQLite only: runs one compiled statement at once on the connection, skipping kysely's connection queue, when no
   * transaction is open on it (so the statement cannot land inside another caller's transaction); undefined otherwise.
   */
  runDirect?: DirectRun;
  /**
   * SQLite only: runs `fn` synchronously in one BEGIN IMMEDIATE transaction on the connection (committed when `fn`
   * returns, rolled back when it throws), with `run` executing statements inside it; undefined, without running `fn`,
   * when a transaction is already open on the connection. No await can split it, so no other caller's statement
   * lands in between, and four round trips through kysely's queue become four calls into SQLite.
   */
  immediateTransaction?<T>(fn: (run: StatementRun) => T): { value: T } | undefined;
}

/** Runs one statement at once on a SQLite connection (from the statement cache). */
export type StatementRun = (sql: string, parameters: readonly unknown[]) => QueryResult<unknown>;
/** like StatementRun, but undefined when the statement must go through kysely instead */
export type DirectRun = (sql: string, parameters: readonly unknown[]) => QueryResult<unknown> | undefined;

/** Where a store finds its database: resolved per query, so stores can be built before the database is opened. */
export interface DatabaseRef {
  readonly db: Database;
}

const INT8_OID = 20;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.schema);
  return openSqlite(opts.sqlite ?? ':memory:');
}

function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(file);
  } catch (e) {
    throw new NodeError('unavailable', `cannot open SQLite database ${file}: ${(e as Error).message}`);
  }
  if (file !== ':memory:') raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  const statements = withStatementCache(raw);
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: statements }) });
  const database = makeDatabase(db, 'sqlite', file === ':memory:' ? 'sqlite::memory:' : `sqlite:${path.resolve(file)}`);
  const run: StatementRun = (text, parameters) => {
    const stmt = statements.prepare(text);
    if (stmt.reader) return { rows: stmt.all(...parameters) as unknown[] };
    const { changes, lastInsertRowid } = stmt.run(...parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  };
  database.runDirect = (text, parameters) => (raw.inTransaction || !raw.open ? undefined : run(text, parameters));
  const begin = raw.prepare('BEGIN IMMEDIATE');
  const commit = raw.prepare('COMMIT');
  const rollback = raw.prepare('ROLLBACK');
  database.immediateTransaction = (fn) => {
    if (raw.inTransaction || !raw.open) return undefined;
    begin.run();
    try {
      const value = fn(run);
      commit.run();
      return { value };
    } catch (e) {
      if (raw.inTransaction) rollback.run();
      throw e;
    }
  };
  return database;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * kysely prepares every query anew; preparing is a large part of a small query's cost in better-sqlite3, so prepared
 * statements are kept per SQL text. A statement still iterating (a streamed select) is busy: then a fresh one is used.
 */
function withStatementCache(raw: BetterSqlite3.Database): { prepare(sql: string): BetterSqlite3.Statement; close(): void } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const stmt = raw.prepare(sql);
      if (!cached) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
}

async function openPostgres(url: string, schema?: string): Promise<Database> {
  // loaded only for a PostgreSQL store: the default SQLite node never pays for the driver at start
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // epoch-millisecond columns are BIGINT: hand them back as numbers, not strings
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pgTypes.types.getTypeParser },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  try {
    const client = await pool.connect();
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw new NodeError('unavailable', `cannot connect to PostgreSQL (${redactUrl(url)}): ${(e as Error).message}`);
  }
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return makeDatabase(db, 'postgres', `${redactUrl(url)}${schema ? `#${schema}` : ''}`, schema ?? 'public');
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

function makeDatabase(db: Kysely<unknown>, dialect: SqlDialect, location: string, schema?: string): Database {
  return {
    db,
    dialect,
    location,
    async migrate(migrations) {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        // modules add migrations independently; their names need not sort by time
        allowUnorderedMigrations: true,
        // kysely looks for its bookkeeping tables in every schema unless told which one is ours
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw new NodeError('unavailable', `database migration failed: ${(error as Error).message ?? String(error)}`, { cause: error });
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** True when the error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;
const SLOT = '\u0000kysely-slot:';

/**
 * A hot query whose shape never changes, built and compiled by kysely once per dialect and then run with new
 * parameters: kysely otherwise rebuilds and recompiles the same SQL on every call. `build` receives one placeholder
 * per parameter (strings that stand for them while compiling); constants kysely binds itself keep their value. Given
 * the Database rather than a Kysely handle, SQLite runs it directly when no transaction is open (see runDirect).
 */
export function fixedQuery<P extends unknown[]>(build: (db: AnyKysely, ...slots: string[]) => Compilable, arity: P['length']) {
  // keyed by the dialect adapter: the SQL text depends only on the dialect, and a transaction's or connection's
  // Kysely handle is a fresh object that shares it
  const compiled = new WeakMap<object, { sql: string; bind: Array<number | { value: unknown }> }>();
  const compile = (db: AnyKysely, params: P): { sql: string; values: unknown[] } => {
    const key = db.getExecutor().adapter;
    let c = compiled.get(key);
    if (!c) {
      const slots = Array.from({ length: arity }, (_, i) => `${SLOT}${i}`);
      const q = build(db, ...slots).compile();
      const bind = q.parameters.map((v) => (typeof v === 'string' && v.startsWith(SLOT) ? Number(v.slice(SLOT.length)) : { value: v }));
      c = { sql: q.sql, bind };
      compiled.set(key, c);
    }
    return { sql: c.sql, values: c.bind.map((b) => (typeof b === 'number' ? params[b] : b.value)) };
  };
  const query = async <R = unknown>(target: AnyKysely | Database, ...params: P): Promise<QueryResult<R>> => {
    const db: AnyKysely = target instanceof Kysely ? target : target.db;
    const c = compile(db, params);
    if (!(target instanceof Kysely)) {
      const direct = target.runDirect?.(c.sql, c.values);
      if (direct) return direct as QueryResult<R>;
    }
    return await db.executeQuery<R>(CompiledQuery.raw(c.sql, c.values));
  };
  /** the same statement inside `Database.immediateTransaction`, through the `run` it hands out */
  const within = <R = unknown>(run: StatementRun, database: Database, ...params: P): QueryResult<R> => {
    const c = compile(database.db, params);
    return run(c.sql, c.values) as QueryResult<R>;
  };
  return Object.assign(query, { within });
}
