// Audit store contract: the NEN 7513 log behaves the same on every SQL backend — records in chain order, the filters
// and paging the audit API and CLI use, a chain that verifies (and names a changed record), retention that keeps the
// chain anchored, refusal when the log cannot be written, and one chain when two instances share the log.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { DatabaseOptions } from '../../node/src/store/index.js';
import { iterateRecords, type AuditConfig, type AuditRecord } from '../../node/src/audit/index.js';
import { fhirSearchInput, startAuditEngine, type EngineHarness } from '../helpers/audit-engine.js';

export interface AuditStoreTarget {
  /** where a fresh, empty log lives: a SQLite path (or ':memory:') or PostgreSQL options with a new schema */
  fresh(): string | DatabaseOptions;
  /** two instances can open the same log (a file, a server), as two processes or replicas do */
  shared: boolean;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

export function auditStoreContract(name: string, target: AuditStoreTarget): void {
  describe(`audit store contract: ${name}`, () => {
    const open: EngineHarness[] = [];
    const start = async (config: Partial<AuditConfig> = {}, db: string | DatabaseOptions = target.fresh()) => {
      const h = await startAuditEngine(db, { checkpointEveryRecords: 5, ...config });
      open.push(h);
      return h;
    };
    afterEach(async () => {
      for (const h of open.splice(0)) await h.stop().catch(() => {});
    });
    const seqs = (rs: AuditRecord[]) => rs.map((r) => r.seq);

    it('appends in chain order, each record on the one before; the chain verifies with a checkpoint every N records', async () => {
      const h = await start();
      const recs: AuditRecord[] = [];
      for (let i = 0; i < 12; i++) recs.push(await h.audit.recorder.record(fhirSearchInput()));
      expect(seqs(recs)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      for (let i = 1; i < recs.length; i++) expect(recs[i]!.prevHash).toBe(recs[i - 1]!.hash);
      expect(await h.audit.store.head()).toEqual({ seq: 12, hash: recs[11]!.hash });
      expect(await h.audit.verify()).toMatchObject({ ok: true, records: 12, checkpoints: 2, lastCheckpointSeq: 10 });
      // what was returned is what is stored, to the byte of its hash
      expect(await h.audit.store.get(recs[6]!.id)).toEqual(recs[6]);
      expect(await h.audit.store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });

    it('finds records by patient, user, organisation, event, trace, request and time, in chain order', async () => {
      const h = await start();
      const t0 = h.clock.now;
      const a = await h.audit.recorder.record(fhirSearchInput('999911120', { requestId: 'req-a', traceId: TRACE }));
      h.clock.now += 60_000;
      const b = await h.audit.recorder.record(fhirSearchInput('999911132', { actor: { ...fhirSearchInput().actor!, userId: '900099999', organisation: { ura: '90000456' } } }));
      h.clock.now += 60_000;
      const c = await h.audit.recorder.record({ event: 'fhir.read', patient: { bsn: '999911120' }, object: { type: 'MedicationRequest', id: 'mr-1' }, outcome: { code: '4', description: 'not found', httpStatus: 404 } });
      const q = (f: Parameters<typeof h.audit.store.query>[0]) => h.audit.store.query(f).then(seqs);
      expect(await q({ patient: '999911120' })).toEqual([a.seq, c.seq]);
      expect(await q({ user: '900099999' })).toEqual([b.seq]);
      expect(await q({ organisation: '90000123' })).toEqual([a.seq]);
      expect(await q({ event: 'fhir.read' })).toEqual([c.seq]);
      expect(await q({ traceId: TRACE })).toEqual([a.seq]);
      expect(await q({ requestId: 'req-a' })).toEqual([a.seq]);
      expect(await q({ from: t0 + 60_000 })).toEqual([b.seq, c.seq]);
      expect(await q({ from: t0, to: t0 + 60_000 })).toEqual([a.seq]);
      expect(await q({ patient: '999911120', event: 'fhir.search' })).toEqual([a.seq]);
      expect(await q({ patient: '999999999' })).toEqual([]);
    });

    it('pages with a limit after a sequence number: every record once, in order', async () => {
      const h = await start({ checkpointEveryRecords: 1000 });
      await Promise.all(Array.from({ length: 23 }, () => h.audit.recorder.record(fhirSearchInput())));
      const first = await h.audit.store.query({}, { limit: 10 });
      expect(seqs(first)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(seqs(await h.audit.store.query({}, { limit: 10, afterSeq: 20 }))).toEqual([21, 22, 23]);
      const all: number[] = [];
      for await (const r of iterateRecords(h.audit.store, {}, 7)) all.push(r.seq);
      expect(all).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    });

    it('gives concurrent records one unbroken sequence', async () => {
      const h = await start({ checkpointEveryRecords: 25 });
      const recs = await Promise.all(Array.from({ length: 120 }, (_, i) => h.audit.recorder.record(fhirSearchInput(String(100000000 + i)))));
      expect(seqs(recs).sort((x, y) => x - y)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(await h.audit.verify()).toMatchObject({ ok: true, records: 120, checkpoints: 4 });
    });

    it('names the record whose stored content was changed', async () => {
      const h = await start();
      for (let i = 0; i < 8; i++) await h.audit.recorder.record(fhirSearchInput());
      await sql`UPDATE audit_records SET body = replace(body, '"E"', '"R"') WHERE seq = 6`.execute(h.store.db.db);
      expect((await h.audit.verify()).firstBroken).toMatchObject({ seq: 6, reason: 'hash_mismatch' });
    });

    it('purges closed periods only; the chain then starts from its signed checkpoint, continues and verifies', async () => {
      const h = await start({ checkpointEveryRecords: 1000, retentionDays: 30 });
      for (let i = 0; i < 4; i++) await h.audit.recorder.record(fhirSearchInput());
      const closed = await h.audit.checkpoint();
      h.clock.now += 31 * 86_400_000;
      expect(await h.audit.applyRetention()).toEqual({ removedThroughSeq: 4, removed: 4 });
      expect(await h.audit.store.firstSeq()).toBe(5);
      // the purge is itself the next record, chained onto the checkpoint the removed records ended in
      const [purge] = await h.audit.store.query({ event: 'audit.retention' });
      expect(purge).toMatchObject({ seq: 5, prevHash: closed!.hash });
      await h.audit.recorder.record(fhirSearchInput());
      expect(await h.audit.verify()).toMatchObject({ ok: true, records: 2, checkpoints: 1 });
    });

    it('refuses with log_unavailable (503) when the log cannot be reached, and stores nothing', async () => {
      const h = await start();
      await h.audit.recorder.record(fhirSearchInput());
      await h.store.db.close();
      await expect(h.audit.recorder.record(fhirSearchInput())).rejects.toMatchObject({ reason: 'log_unavailable', status: 503 });
    });

    if (target.shared) {
      it('keeps one chain when two instances append to the same log at once', async () => {
        const db = target.fresh();
        const one = await start({ checkpointEveryRecords: 10 }, db);
        const two = await start({ checkpointEveryRecords: 10 }, db);
        await Promise.all([...Array.from({ length: 60 }, () => one.audit.recorder.record(fhirSearchInput())), ...Array.from({ length: 60 }, () => two.audit.recorder.record(fhirSearchInput()))]);
        const all: number[] = [];
        for await (const r of two.audit.iterate()) all.push(r.seq);
        expect(all).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
        const v = await one.audit.verify();
        expect(v).toMatchObject({ ok: true, records: 120 });
        expect(v.checkpoints).toBeGreaterThanOrEqual(6);
        // what one instance changes, the other's verification finds
        await sql`UPDATE audit_records SET body = replace(body, '"E"', '"R"') WHERE seq = 17`.execute(one.store.db.db);
        expect((await two.audit.verify()).firstBroken).toMatchObject({ seq: 17, reason: 'hash_mismatch' });
      });
    }
  });
}
