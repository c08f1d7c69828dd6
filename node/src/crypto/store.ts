// Key storage port and its SQL implementation: one row per key pair, addressed by kid.
import { sql, type Kysely } from 'kysely';
import type { DatabaseRef, Migrations } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import { conflict } from '../core/errors.js';
import type { JWK } from 'jose';

export type SigningAlg = 'ES256' | 'EdDSA';

export interface StoredKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: number;
}

export interface KeyStore {
  put(key: StoredKey): Promise<void>;
  get(kid: string): Promise<StoredKey | undefined>;
  list(prefix?: string): Promise<Array<Omit<StoredKey, 'privateJwk'>>>;
  delete(kid: string): Promise<boolean>;
}

interface KeyTables {
  crypto_keys: { kid: string; alg: string; public_jwk: string; private_jwk: string; created_at: number };
}

export const cryptoMigrations: Migrations = {
  crypto_001_keys: {
    async up(db) {
      await db.schema
        .createTable('crypto_keys')
        .addColumn('kid', 'varchar(512)', (c) => c.primaryKey())
        .addColumn('alg', 'varchar(16)', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

export class SqlKeyStore implements KeyStore {
  constructor(private readonly ref: DatabaseRef) {}

  private get db(): Kysely<KeyTables> {
    return this.ref.db.db as Kysely<KeyTables>;
  }

  async put(key: StoredKey): Promise<void> {
    try {
      await this.db
        .insertInto('crypto_keys')
        .values({ kid: key.kid, alg: key.alg, public_jwk: JSON.stringify(key.publicJwk), private_jwk: JSON.stringify(key.privateJwk), created_at: key.createdAt })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`key ${key.kid} already exists`);
      throw e;
    }
  }

  async get(kid: string): Promise<StoredKey | undefined> {
    const row = await this.db.selectFrom('crypto_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
    return row && { kid: row.kid, alg: row.alg as SigningAlg, publicJwk: JSON.parse(row.public_jwk), privateJwk: JSON.parse(row.private_jwk), createdAt: Number(row.created_at) };
  }

  async list(prefix?: string) {
    let q = this.db.selectFrom('crypto_keys').select(['kid', 'alg', 'public_jwk', 'created_at']);
    // LIKE needs an explicit ESCAPE on SQLite; PostgreSQL accepts the same clause
    if (prefix) q = q.where(sql<boolean>`kid like ${prefix.replace(/[\\%_]/g, (m) => `\\${m}`) + '%'} escape '\\'`);
    const rows = await q.orderBy('created_at').orderBy('kid').execute();
    return rows.map((r) => ({ kid: r.kid, alg: r.alg as SigningAlg, publicJwk: JSON.parse(r.public_jwk) as JWK, createdAt: Number(r.created_at) }));
  }

  async delete(kid: string): Promise<boolean> {
    const res = await this.db.deleteFrom('crypto_keys').where('kid', '=', kid).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
