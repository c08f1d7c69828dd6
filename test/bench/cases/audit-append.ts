// Bench case e: durable chained audit appends vs plain inserts of the same rows into the same SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { fhirSearchInput, startAuditEngine } from '../../helpers/audit-engine.js';
import { median } from '../load.js';
import type { BenchCase } from '../case.js';

export const auditAppend: BenchCase = {
  id: 'e',
  title: 'chained audit append vs plain insert',
  async run(ctx) {
    const count = ctx.dry ? 50 : ctx.quick ? 500 : 2000;
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-bench-'));
    try {
      const h = await startAuditEngine(path.join(dir, 'node.db'), { checkpointEveryRecords: 100 });
      const db = h.store.db.db;
      await sql`CREATE TABLE plain_records AS SELECT * FROM audit_records WHERE 0`.execute(db);
      // for the note only: the same table with audit_records' keys and indexes, to tell index upkeep from chaining
      const schema = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_records' AND sql IS NOT NULL`.execute(db);
      for (const { sql: ddl } of schema.rows) await sql.raw(ddl.replace(/audit_records/g, 'indexed_records')).execute(db);
      const input = (i: number) => fhirSearchInput(String(100000000 + (i % 1000)));
      const sample = await h.audit.recorder.record(input(0));
      const body = JSON.stringify(sample);
      let plainSeq = 0;
      // one round: ops/s (wall) and process CPU µs per op, which load from elsewhere on the machine disturbs less
      const timed = async (work: () => Promise<unknown>) => {
        const t = performance.now();
        const cpu = process.cpuUsage();
        await work();
        const used = process.cpuUsage(cpu);
        return { rate: count / ((performance.now() - t) / 1000), cpu: (used.user + used.system) / count };
      };
      // baseline: one autocommitted INSERT per row of the same shape, no hashing, no chain head read, no checkpoints
      const plainRound = (table = 'plain_records') =>
        timed(async () => {
          for (let i = 0; i < count; i++) {
            plainSeq++;
            await db
              .insertInto(table)
              .values({ seq: plainSeq, id: `p-${plainSeq}`, event: 'fhir.search', started_at: Date.now(), patient_bsn: sample.patient!.bsn, user_id: '900012345', organisation_ura: '90000123', trace_id: null, request_id: null, prev_hash: sample.prevHash, hash: sample.hash, body })
              .execute();
          }
        });
      const chainedRound = () =>
        timed(async () => {
          for (let i = 0; i < count; i++) await h.audit.recorder.record(input(i));
        });
      const concurrentRound = () => timed(() => Promise.all(Array.from({ length: count }, (_, i) => h.audit.recorder.record(input(i)))));
      // interleaved rounds, median of each, so JIT warm-up and disk cache favour neither side
      type Round = Awaited<ReturnType<typeof timed>>;
      const rounds = { plain: [] as Round[], indexed: [] as Round[], chained: [] as Round[], concurrent: [] as Round[] };
      await plainRound();
      await chainedRound();
      for (let r = 0; r < ctx.rounds; r++) {
        rounds.plain.push(await plainRound());
        rounds.indexed.push(await plainRound('indexed_records'));
        rounds.chained.push(await chainedRound());
        rounds.concurrent.push(await concurrentRound());
      }
      const v = await h.audit.verify();
      await h.stop();
      if (!v.ok) throw new Error('audit chain broken after the run');
      const rate = (rs: Round[]) => median(rs.map((r) => r.rate));
      const cpu = (rs: Round[]) => median(rs.map((r) => r.cpu));
      const plain = rate(rounds.plain);
      const base = { name: 'plain INSERT', value: plain };
      const indexed = rate(rounds.indexed);
      const note = (rs: Round[]) =>
        `CPU per op ${cpu(rs).toFixed(0)} µs vs plain ${cpu(rounds.plain).toFixed(0)} µs (${(cpu(rounds.plain) / cpu(rs)).toFixed(2)}×); ` +
        `plain INSERT into a table with audit_records' key and indexes (the goal's baseline table has none): ${indexed.toFixed(0)} ops/s, ${cpu(rounds.indexed).toFixed(0)} µs CPU, chained ${(rate(rs) / indexed).toFixed(2)}× of it`;
      const row = (figure: string, rs: Round[]) => ({ case: 'e', figure, value: rate(rs), unit: 'ops/s', baseline: base, ratio: rate(rs) / plain, goal: '≥ 0.5×', pass: rate(rs) / plain >= 0.5, note: note(rs) });
      return [row('chained audit append, sequential', rounds.chained), row('chained audit append, concurrent', rounds.concurrent)];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
