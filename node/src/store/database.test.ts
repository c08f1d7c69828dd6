// fixedQuery: one compiled statement reused with new parameters, directly on SQLite outside transactions, queued inside.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedQuery, openDatabase, type Database } from './database.js';

const insert = fixedQuery<[string, number]>((db, k, v) => db.insertInto('kv').values({ k, v }), 2);
const find = fixedQuery<[string]>((db, k) => db.selectFrom('kv').select(['k', 'v']).where('k', '=', k).limit(1), 1);

describe('fixedQuery', () => {
  let database: Database;
  beforeEach(async () => {
    database = await openDatabase({ sqlite: ':memory:' });
    await sql`create table kv (k varchar(32) primary key, v integer not null)`.execute(database.db);
  });
  afterEach(async () => database.close());

  it('binds each call its own parameters and keeps constants kysely binds itself (limit 1)', async () => {
    expect(Number((await insert(database, 'a', 1)).numAffectedRows)).toBe(1);
    await insert(database.db, 'b', 2);
    expect((await find(database, 'b')).rows).toEqual([{ k: 'b', v: 2 }]);
    expect((await find(database.db, 'a')).rows).toEqual([{ k: 'a', v: 1 }]);
    expect((await find(database, 'missing')).rows).toEqual([]);
  });

  it('reports a unique violation as the driver does', async () => {
    await insert(database, 'a', 1);
    await expect(insert(database, 'a', 2)).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  });

  it('does not run inside another caller’s open transaction: it waits for it, and a rollback does not take it along', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = database.db.connection().execute(async (conn) => {
      await sql.raw('BEGIN IMMEDIATE').execute(conn);
      await insert(conn, 'in-tx', 1);
      await held;
      await sql.raw('ROLLBACK').execute(conn);
    });
    await new Promise((r) => setTimeout(r, 10));
    const outside = insert(database, 'outside', 2);
    release();
    await Promise.all([tx, outside]);
    expect((await find(database, 'in-tx')).rows).toEqual([]);
    expect((await find(database, 'outside')).rows).toEqual([{ k: 'outside', v: 2 }]);
  });
});
