// Benchmark: durable chained audit appends per second vs plain inserts of the same rows into the same SQLite file.
// Run: npx tsx test/bench/audit-append.bench.ts [count]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { fhirSearchInput, startAuditEngine } from '../helpers/audit-engine.js';

const count = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(path.join(tmpdir(), 'audit-bench-'));
try {
  const h = await startAuditEngine(path.join(dir, 'node.db'), { checkpointEveryRecords: 100 });
  const db = h.store.db.db;
  await sql`CREATE TABLE plain_records AS SELECT * FROM audit_records WHERE 0`.execute(db);
  const input = (i: number) => fhirSearchInput(String(100000000 + (i % 1000)));
  const sample = await h.audit.recorder.record(input(0));
  const body = JSON.stringify(sample);
  let plainSeq = 0;
  // baseline: one autocommitted INSERT per row of the same shape, no hashing, no chain head read, no checkpoints
  const plainRound = async () => {
    const t = performance.now();
    for (let i = 0; i < count; i++) {
      plainSeq++;
      await db
        .insertInto('plain_records')
        .values({ seq: plainSeq, id: `p-${plainSeq}`, event: 'fhir.search', started_at: Date.now(), patient_bsn: sample.patient!.bsn, user_id: '900012345', organisation_ura: '90000123', trace_id: null, request_id: null, prev_hash: sample.prevHash, hash: sample.hash, body })
        .execute();
    }
    return count / ((performance.now() - t) / 1000);
  };
  const chainedRound = async () => {
    const t = performance.now();
    for (let i = 0; i < count; i++) await h.audit.recorder.record(input(i));
    return count / ((performance.now() - t) / 1000);
  };
  const concurrentRound = async () => {
    const t = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => h.audit.recorder.record(input(i))));
    return count / ((performance.now() - t) / 1000);
  };
  // interleaved rounds, median of each, so JIT warm-up and disk cache favour neither side
  const rounds = { plain: [] as number[], chained: [] as number[], concurrent: [] as number[] };
  await plainRound();
  await chainedRound();
  for (let r = 0; r < 3; r++) {
    rounds.plain.push(await plainRound());
    rounds.chained.push(await chainedRound());
    rounds.concurrent.push(await concurrentRound());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plain = median(rounds.plain);
  const chained = median(rounds.chained);
  const concurrent = median(rounds.concurrent);

  const v = await h.audit.verify();
  await h.stop();
  const fmt = (n: number) => n.toFixed(0).padStart(7);
  process.stdout.write(
    [
      `audit append benchmark (median of 3 interleaved rounds of ${count} records; SQLite file, WAL, synchronous=NORMAL; checkpoint every 100)`,
      `  plain INSERT (baseline)          ${fmt(plain)} ops/s`,
      `  chained audit append, sequential ${fmt(chained)} ops/s  (${(chained / plain).toFixed(2)}x baseline)`,
      `  chained audit append, concurrent ${fmt(concurrent)} ops/s  (${(concurrent / plain).toFixed(2)}x baseline)`,
      `  chain verified: ${v.ok ? 'ok' : 'BROKEN'}, ${v.records} records, ${v.checkpoints} checkpoints`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
