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

  it('runs an immediate transaction synchronously: committed when it returns, nothing kept when it throws', async () => {
    const done = database.immediateTransaction!((run) => {
      insert.within(run, database, 'a', 1);
      return find.within<{ k: string; v: number }>(run, database, 'a').rows[0]?.v;
    });
    expect(done).toEqual({ value: 1 });
    expect(() =>
      database.immediateTransaction!((run) => {
        insert.within(run, database, 'b', 2);
        insert.within(run, database, 'a', 3);
      }),
    ).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }));
    expect((await find(database, 'b')).rows).toEqual([]);
    expect((await find(database, 'a')).rows).toEqual([{ k: 'a', v: 1 }]);
  });

  it('declines an immediate transaction while another caller’s transaction is open, without running it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = database.db.connection().execute(async (conn) => {
      await sql.raw('BEGIN').execute(conn);
      await held;
      await sql.raw('COMMIT').execute(conn);
    });
    await new Promise((r) => setTimeout(r, 10));
    let ran = false;
    expect(database.immediateTransaction!(() => (ran = true))).toBeUndefined();
    expect(ran).toBe(false);
    release();
    await tx;
    expect(database.immediateTransaction!(() => 'now')).toEqual({ value: 'now' });
  });
});
