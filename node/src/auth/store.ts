// Short-lived server state in SQL (access tokens, VP nonces, DPoP jtis): namespaced keys with an expiry, shared by node instances.
import type { Kysely } from 'kysely';
import type { DatabaseRef, Migrations } from '../store/index.js';
import { fixedQuery, isUniqueViolation } from '../store/index.js';

// the token endpoint runs these on every request: compiled once, not rebuilt by kysely each time
const insertSession = fixedQuery<[string, string, string, number]>((db, ns, key, value, expiresAt) => db.insertInto('auth_sessions').values({ ns, key, value, expires_at: expiresAt }), 4);
const selectSession = fixedQuery<[string, string]>((db, ns, key) => db.selectFrom('auth_sessions').select(['value', 'expires_at']).where('ns', '=', ns).where('key', '=', key), 2);

export type SessionNamespace =
  | 'access_token'
  | 'vp_nonce'
  | 'dpop_jti'
  // the OpenID4VP user flow (openid4vp/): redirect tokens, user sessions, client and verifier states, request objects, codes, tokens per session
  | 'oid4vp_redirect'
  | 'oid4vp_user'
  | 'oid4vp_client'
  | 'oid4vp_jar'
  | 'oid4vp_verifier'
  | 'oid4vp_code'
  | 'oid4vp_token';

export interface SessionStore {
  put(ns: SessionNamespace, key: string, value: unknown, ttlMs: number): Promise<void>;
  /** like put, for a key that cannot exist yet (a fresh random token): a plain insert */
  insert(ns: SessionNamespace, key: string, value: unknown, ttlMs: number): Promise<void>;
  /** undefined when missing or expired */
  get<T>(ns: SessionNamespace, key: string): Promise<T | undefined>;
  /** records `key` once: false when it is already there and not yet expired (replay) */
  putOnce(ns: SessionNamespace, key: string, ttlMs: number): Promise<boolean>;
  delete(ns: SessionNamespace, key: string): Promise<void>;
  /** get and delete in one: of two concurrent takers only one gets the value (single-use state, codes) */
  take<T>(ns: SessionNamespace, key: string): Promise<T | undefined>;
  purgeExpired(): Promise<number>;
}

interface SessionTables {
  auth_sessions: { ns: string; key: string; value: string; expires_at: number };
}

export const authMigrations: Migrations = {
  auth_001_sessions: {
    async up(db) {
      await db.schema
        .createTable('auth_sessions')
        .addColumn('ns', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(512)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('auth_sessions_pk', ['ns', 'key'])
        .execute();
      await db.schema.createIndex('auth_sessions_expiry').on('auth_sessions').column('expires_at').execute();
    },
  },
};

export class SqlSessionStore implements SessionStore {
  constructor(
    private readonly ref: DatabaseRef,
    private readonly clock: () => number,
  ) {}

  private get db(): Kysely<SessionTables> {
    return this.ref.db.db as Kysely<SessionTables>;
  }

  async put(ns: SessionNamespace, key: string, value: unknown, ttlMs: number): Promise<void> {
    const row = { ns, key, value: JSON.stringify(value), expires_at: this.clock() + ttlMs };
    await this.db.insertInto('auth_sessions').values(row).onConflict((oc) => oc.columns(['ns', 'key']).doUpdateSet({ value: row.value, expires_at: row.expires_at })).execute();
  }

  async insert(ns: SessionNamespace, key: string, value: unknown, ttlMs: number): Promise<void> {
    await insertSession(this.ref.db, ns, key, JSON.stringify(value), this.clock() + ttlMs);
  }

  async get<T>(ns: SessionNamespace, key: string): Promise<T | undefined> {
    const r = (await selectSession<{ value: string; expires_at: number }>(this.ref.db, ns, key)).rows[0];
    if (!r || Number(r.expires_at) <= this.clock()) return undefined;
    return JSON.parse(r.value) as T;
  }

  async putOnce(ns: SessionNamespace, key: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    try {
      await insertSession(this.ref.db, ns, key, 'true', now + ttlMs);
      return true;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    // an expired row may be taken over; the conditional update keeps this atomic across instances
    const res = await this.db.updateTable('auth_sessions').set({ expires_at: now + ttlMs }).where('ns', '=', ns).where('key', '=', key).where('expires_at', '<=', now).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(ns: SessionNamespace, key: string): Promise<void> {
    await this.db.deleteFrom('auth_sessions').where('ns', '=', ns).where('key', '=', key).execute();
  }

  async take<T>(ns: SessionNamespace, key: string): Promise<T | undefined> {
    const value = await this.get<T>(ns, key);
    if (value === undefined) return undefined;
    const res = await this.db.deleteFrom('auth_sessions').where('ns', '=', ns).where('key', '=', key).executeTakeFirst();
    return Number(res.numDeletedRows) > 0 ? value : undefined;
  }

  async purgeExpired(): Promise<number> {
    const res = await this.db.deleteFrom('auth_sessions').where('expires_at', '<=', this.clock()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
