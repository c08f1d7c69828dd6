// Runs the storage contract against embedded SQLite: in memory and on disk (WAL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../node/src/store/index.js';
import { storeContract } from './store.contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('SQLite :memory:', () => openDatabase({ sqlite: ':memory:' }));
storeContract('SQLite file', () => openDatabase({ sqlite: path.join(dir, `db-${++n}`, 'node.db') }));

it('puts an on-disk SQLite database in WAL mode', async () => {
  const db = await openDatabase({ sqlite: path.join(dir, 'wal', 'node.db') });
  const { sql } = await import('kysely');
  const r = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.db);
  expect(r.rows[0]?.journal_mode).toBe('wal');
  await db.close();
});
