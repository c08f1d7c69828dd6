// Storage contract: the key store and the subject store behave the same on every SQL backend.
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import type { Database } from '../../node/src/store/index.js';
import { SqlKeyStore, cryptoMigrations, CryptoService } from '../../node/src/crypto/index.js';
import { SqlSubjectStore, vdrMigrations } from '../../node/src/vdr/index.js';

export type DatabaseFactory = () => Promise<Database>;

export function storeContract(name: string, open: DatabaseFactory): void {
  describe(`storage contract: ${name}`, () => {
    let database: Database;
    beforeEach(async () => {
      database = await open();
      await database.migrate({ ...cryptoMigrations, ...vdrMigrations });
    });
    afterEach(async () => {
      await database.close();
    });

    it('runs migrations once: a second run applies nothing', async () => {
      expect(await database.migrate({ ...cryptoMigrations, ...vdrMigrations })).toEqual([]);
    });

    it('applies a migration added later by another module, whatever its name sorts as', async () => {
      const applied = await database.migrate({
        ...cryptoMigrations,
        ...vdrMigrations,
        aaa_001_late: { up: async (db) => void (await db.schema.createTable('late_table').addColumn('id', 'integer').execute()) },
      });
      expect(applied).toEqual(['aaa_001_late']);
    });

    it('stores, reads, lists and deletes keys; epoch-ms timestamps survive as numbers', async () => {
      const keys = new SqlKeyStore({ db: database });
      const createdAt = 1_790_000_000_123;
      await keys.put({ kid: 'did:web:x#1', alg: 'ES256', publicJwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }, privateJwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }, createdAt });
      const got = await keys.get('did:web:x#1');
      expect(got?.createdAt).toBe(createdAt);
      expect(got?.privateJwk.d).toBe('c');
      expect((await keys.list('did:web:x'))[0]).not.toHaveProperty('privateJwk');
      await expect(keys.put({ ...got!, createdAt })).rejects.toMatchObject({ code: 'conflict' });
      expect(await keys.delete('did:web:x#1')).toBe(true);
      expect(await keys.delete('did:web:x#1')).toBe(false);
      expect(await keys.get('did:web:x#1')).toBeUndefined();
    });

    it('lists keys by a prefix containing LIKE wildcards literally', async () => {
      const keys = new SqlKeyStore({ db: database });
      const k = { alg: 'ES256' as const, publicJwk: { kty: 'EC' }, privateJwk: { kty: 'EC' }, createdAt: 1 };
      await keys.put({ ...k, kid: 'a_b#1' });
      await keys.put({ ...k, kid: 'axb#1' });
      expect((await keys.list('a_b')).map((x) => x.kid)).toEqual(['a_b#1']);
    });

    it('signs with a stored key after a new service instance loads it', async () => {
      const svc = new CryptoService(new SqlKeyStore({ db: database }));
      await svc.generateKey('k1');
      const jwt = await new CryptoService(new SqlKeyStore({ db: database })).signJwt({ hello: 'world' }, 'k1');
      expect(jwt.split('.')).toHaveLength(3);
    });

    it('keeps subjects, methods and services; a duplicate subject or DID is a conflict', async () => {
      const s = new SqlSubjectStore({ db: database });
      await s.createSubject({ id: 'acme', did: 'did:web:h:iam:acme', createdAt: 10, updatedAt: 10 });
      await expect(s.createSubject({ id: 'acme', did: 'did:web:h:iam:other', createdAt: 11, updatedAt: 11 })).rejects.toMatchObject({ code: 'conflict' });
      await expect(s.createSubject({ id: 'other', did: 'did:web:h:iam:acme', createdAt: 11, updatedAt: 11 })).rejects.toMatchObject({ code: 'conflict' });
      await s.addMethod({ id: 'did:web:h:iam:acme#k', subject: 'acme', keyType: 'P-256', publicJwk: { kty: 'EC' }, createdAt: 12 });
      await s.addService({ id: 'did:web:h:iam:acme#s', subject: 'acme', type: 'fhir', endpoint: { base: 'https://x' }, createdAt: 13 });
      expect((await s.subjectByDid('did:web:h:iam:acme'))?.id).toBe('acme');
      expect((await s.methods('acme')).map((m) => m.id)).toEqual(['did:web:h:iam:acme#k']);
      expect((await s.services('acme'))[0]?.endpoint).toEqual({ base: 'https://x' });
      await s.markDeactivated('acme', 20);
      expect((await s.getSubject('acme'))?.deactivatedAt).toBe(20);
      expect(await s.deleteService('did:web:h:iam:acme#s')).toBe(true);
      expect(await s.services('acme')).toEqual([]);
    });

    it('rejects a method for a subject that does not exist (referential integrity)', async () => {
      const s = new SqlSubjectStore({ db: database });
      await expect(s.addMethod({ id: 'did:web:h:iam:ghost#k', subject: 'ghost', keyType: 'P-256', publicJwk: { kty: 'EC' }, createdAt: 1 })).rejects.toThrow();
    });
  });
}
