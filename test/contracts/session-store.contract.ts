// Session store contract: short-lived server state (access tokens, nonces, DPoP jtis, OpenID4VP state) behaves the same
// on every SQL backend — values until they expire, single use where asked, and replay refused across instances that
// share the store.
import { afterEach, describe, expect, it } from 'vitest';
import { authMigrations, SqlSessionStore, type SessionStore } from '../../node/src/auth/index.js';
import type { Database } from '../../node/src/store/index.js';

export interface SessionStoreTarget {
  /** opens a fresh, empty store's database; `same` opens another connection to the one opened before (shared targets) */
  open(same?: boolean): Promise<Database>;
  /** two instances can open the same store (a file, a server), as two processes or replicas do */
  shared: boolean;
}

export function sessionStoreContract(name: string, target: SessionStoreTarget): void {
  describe(`session store contract: ${name}`, () => {
    const opened: Database[] = [];
    let now = 1_790_000_000_000;
    const clock = () => now;
    const store = async (same = false): Promise<SessionStore> => {
      const db = await target.open(same);
      opened.push(db);
      await db.migrate(authMigrations);
      return new SqlSessionStore({ db }, clock);
    };
    afterEach(async () => {
      for (const db of opened.splice(0)) await db.close();
    });

    it('keeps a value until it expires, then it is gone', async () => {
      const s = await store();
      await s.put('access_token', 'tok-1', { sub: 'acme', scope: ['a', 'b'], n: 3 }, 1000);
      expect(await s.get('access_token', 'tok-1')).toEqual({ sub: 'acme', scope: ['a', 'b'], n: 3 });
      now += 999;
      expect(await s.get('access_token', 'tok-1')).toBeDefined();
      now += 1;
      expect(await s.get('access_token', 'tok-1')).toBeUndefined();
      expect(await s.get('access_token', 'never-stored')).toBeUndefined();
    });

    it('replaces a value on put, keeps namespaces apart, and deletes', async () => {
      const s = await store();
      await s.put('oid4vp_user', 'k', { v: 1 }, 60_000);
      await s.put('oid4vp_user', 'k', { v: 2 }, 60_000);
      await s.put('oid4vp_client', 'k', { v: 'other namespace' }, 60_000);
      expect(await s.get('oid4vp_user', 'k')).toEqual({ v: 2 });
      expect(await s.get('oid4vp_client', 'k')).toEqual({ v: 'other namespace' });
      await s.delete('oid4vp_user', 'k');
      expect(await s.get('oid4vp_user', 'k')).toBeUndefined();
      expect(await s.get('oid4vp_client', 'k')).toEqual({ v: 'other namespace' });
    });

    it('inserts a fresh key once: a second insert of the same key fails', async () => {
      const s = await store();
      await s.insert('access_token', 'fresh', { a: 1 }, 60_000);
      expect(await s.get('access_token', 'fresh')).toEqual({ a: 1 });
      await expect(s.insert('access_token', 'fresh', { a: 2 }, 60_000)).rejects.toThrow();
      expect(await s.get('access_token', 'fresh')).toEqual({ a: 1 });
    });

    it('accepts a nonce or jti once until it expires, then again', async () => {
      const s = await store();
      expect(await s.putOnce('dpop_jti', 'jti-1', 10_000)).toBe(true);
      expect(await s.putOnce('dpop_jti', 'jti-1', 10_000)).toBe(false);
      expect(await s.putOnce('vp_nonce', 'jti-1', 10_000)).toBe(true);
      now += 10_000;
      expect(await s.putOnce('dpop_jti', 'jti-1', 10_000)).toBe(true);
      expect(await s.putOnce('dpop_jti', 'jti-1', 10_000)).toBe(false);
    });

    it('of many concurrent uses of one nonce, exactly one is accepted', async () => {
      const s = await store();
      const results = await Promise.all(Array.from({ length: 20 }, () => s.putOnce('vp_nonce', 'race', 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('hands out single-use state once: take gets it, the next take nothing, an expired one nothing', async () => {
      const s = await store();
      await s.put('oid4vp_code', 'code-1', { user: 'u' }, 60_000);
      const takes = await Promise.all([s.take('oid4vp_code', 'code-1'), s.take('oid4vp_code', 'code-1'), s.take('oid4vp_code', 'code-1')]);
      expect(takes.filter((t) => t !== undefined)).toEqual([{ user: 'u' }]);
      expect(await s.take('oid4vp_code', 'code-1')).toBeUndefined();
      await s.put('oid4vp_code', 'code-2', { user: 'u' }, 1000);
      now += 1000;
      expect(await s.take('oid4vp_code', 'code-2')).toBeUndefined();
    });

    it('purges expired entries only, and says how many', async () => {
      const s = await store();
      await s.put('access_token', 'short', 1, 1000);
      await s.putOnce('dpop_jti', 'short', 1000);
      await s.put('access_token', 'long', 2, 60_000);
      now += 1000;
      expect(await s.purgeExpired()).toBe(2);
      expect(await s.purgeExpired()).toBe(0);
      expect(await s.get('access_token', 'long')).toBe(2);
    });

    if (target.shared) {
      it('refuses a replay across instances sharing the store, and lets either take state the other put', async () => {
        const one = await store();
        const two = await store(true);
        const tries = await Promise.all([...Array.from({ length: 10 }, () => one.putOnce('dpop_jti', 'shared', 60_000)), ...Array.from({ length: 10 }, () => two.putOnce('dpop_jti', 'shared', 60_000))]);
        expect(tries.filter(Boolean)).toHaveLength(1);
        await one.put('oid4vp_code', 'c', { from: 'one' }, 60_000);
        expect((await Promise.all([two.take('oid4vp_code', 'c'), one.take('oid4vp_code', 'c')])).filter((t) => t !== undefined)).toEqual([{ from: 'one' }]);
        expect(await two.get('oid4vp_code', 'c')).toBeUndefined();
        await two.put('access_token', 't', { from: 'two' }, 60_000);
        expect(await one.get('access_token', 't')).toEqual({ from: 'two' });
      });
    }
  });
}
