// The audit log on a real PostgreSQL (TEST_DATABASE_URL): two node instances sharing one log never fork the chain.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { fhirSearchInput, startAuditEngine } from '../helpers/audit-engine.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

describe('audit log on PostgreSQL', () => {
  it('serialises appends of two instances on one schema into one unbroken, checkpointed chain', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const one = await startAuditEngine({ url, schema }, { checkpointEveryRecords: 10 }, 'pg');
    const two = await startAuditEngine({ url, schema }, { checkpointEveryRecords: 10 }, 'pg');
    try {
      await Promise.all([
        ...Array.from({ length: 60 }, () => one.audit.recorder.record(fhirSearchInput())),
        ...Array.from({ length: 60 }, () => two.audit.recorder.record(fhirSearchInput())),
      ]);
      const seqs: number[] = [];
      for await (const r of one.audit.iterate()) seqs.push(r.seq);
      expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      const v = await one.audit.verify();
      expect(v.ok).toBe(true);
      expect(v.records).toBe(120);
      expect(v.checkpoints).toBeGreaterThanOrEqual(6);
      // tampering is caught the same way on PostgreSQL
      await sql`UPDATE audit_records SET body = replace(body, '"E"', '"R"') WHERE seq = 17`.execute(one.store.db.db);
      expect((await two.audit.verify()).firstBroken).toMatchObject({ seq: 17, reason: 'hash_mismatch' });
    } finally {
      await one.stop();
      await two.stop();
    }
  });
});
