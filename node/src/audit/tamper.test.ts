// Tampering with a stored log: changing, deleting or reordering one record (or rewriting with recomputed hashes,
// forging a checkpoint) makes `audit verify` fail and name the record; verified on a SQLite file and an NDJSON export.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startAuditEngine, fhirSearchInput, type EngineHarness } from '../../../test/helpers/audit-engine.js';
import { auditExport, auditVerify } from '../../../simulators/network/audit-cli.js';
import type { Io } from '../../../simulators/shared/io.js';
import { openDatabase } from '../store/index.js';
import { recordHash } from './chain.js';
import type { AuditRecord } from './record.js';

let dir: string;
let dbFile: string;
let h: EngineHarness | undefined;
let ids: string[];

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (s) => (buf += s), err: (s) => (buf += s), text: () => buf };
}

/** Runs SQL on the closed log file, as someone with file access would. */
async function tamper(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<unknown>): Promise<void> {
  const db = await openDatabase({ sqlite: dbFile });
  try {
    await fn(db.db);
  } finally {
    await db.close();
  }
}

async function verifyDb(): Promise<{ code: number; out: string }> {
  const io = capture();
  const code = await auditVerify({ db: dbFile }, io);
  return { code, out: io.text() };
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-tamper-'));
  dbFile = path.join(dir, 'node.db');
  h = await startAuditEngine(dbFile, { checkpointEveryRecords: 4 });
  ids = [];
  for (let i = 0; i < 10; i++) ids.push((await h.audit.recorder.record(fhirSearchInput(String(999900000 + i)))).id);
  await h.stop(); // stop signs the open period: checkpoints at 4, 8, 10
  h = undefined;
});
afterEach(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit verify on a SQLite file', () => {
  it('holds on an untouched log (exit 0), and records the verification as a read of the log', async () => {
    const r = await verifyDb();
    expect(r.code).toBe(0);
    expect(r.out).toContain('audit chain holds: 10 records, 3 signed checkpoints, signed through seq 10');
    const again = await verifyDb(); // the first run appended an audit.read record after the last checkpoint
    expect(again.out).toContain('11 records');
  });

  it('names a changed record (content edited in place)', async () => {
    await tamper((db) => sql`UPDATE audit_records SET body = replace(body, '"999900004"', '"999900099"') WHERE seq = 5`.execute(db));
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN at seq 5 (record ${ids[4]}): hash_mismatch`);
  });

  it('names a record whose indexed columns were changed to hide it from queries', async () => {
    await tamper((db) => sql`UPDATE audit_records SET patient_bsn = '999999999' WHERE seq = 6`.execute(db));
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN at seq 6 (record ${ids[5]}): column_mismatch`);
  });

  it('names the record after a deleted one', async () => {
    await tamper((db) => sql`DELETE FROM audit_records WHERE seq = 3`.execute(db));
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN at seq 4 (record ${ids[3]}): sequence_gap`);
    expect(r.out).toContain('1 record(s) were removed');
  });

  it('names a reordered record (two records swapped)', async () => {
    await tamper(async (db) => {
      await sql`UPDATE audit_records SET seq = -7 WHERE seq = 7`.execute(db);
      await sql`UPDATE audit_records SET seq = 7 WHERE seq = 6`.execute(db);
      await sql`UPDATE audit_records SET seq = 6 WHERE seq = -7`.execute(db);
    });
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN at seq 6 (record ${ids[6]}): out_of_order`);
  });

  it('catches a rewrite whose hashes were all recomputed, through the signed checkpoint', async () => {
    await tamper(async (db) => {
      const rows = (await sql<{ seq: number; body: string }>`SELECT seq, body FROM audit_records ORDER BY seq`.execute(db)).rows;
      let prev = '';
      for (const row of rows) {
        const rec = JSON.parse(row.body) as AuditRecord;
        if (rec.seq === 2) rec.actor!.organisation!.ura = '11111111';
        if (rec.seq > 1) rec.prevHash = prev;
        rec.hash = recordHash(rec);
        prev = rec.hash;
        await sql`UPDATE audit_records SET body = ${JSON.stringify(rec)}, hash = ${rec.hash}, prev_hash = ${rec.prevHash}, organisation_ura = ${rec.actor!.organisation!.ura} WHERE seq = ${rec.seq}`.execute(db);
      }
    });
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain('BROKEN at seq 4');
    expect(r.out).toContain('checkpoint_mismatch');
    expect(r.out).toContain('records between seq 1 and 4 were rewritten');
  });

  it('names removed records at the start (no retention checkpoint anchors them) and at the end', async () => {
    await tamper((db) => sql`DELETE FROM audit_records WHERE seq <= 2`.execute(db));
    const start = await verifyDb();
    expect(start.code).toBe(1);
    expect(start.out).toContain(`BROKEN at seq 3 (record ${ids[2]}): unanchored_start`);
  });

  it('notices records removed after the last checkpoint was signed', async () => {
    await tamper((db) => sql`DELETE FROM audit_records WHERE seq >= 9`.execute(db));
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain('BROKEN at seq 9: sequence_gap');
  });

  it('rejects a forged checkpoint', async () => {
    await tamper((db) => sql`UPDATE audit_checkpoints SET jws = substr(jws, 1, length(jws) - 6) || 'AAAAAA' WHERE seq = 8`.execute(db));
    const r = await verifyDb();
    expect(r.code).toBe(1);
    expect(r.out).toContain('BROKEN at seq 8: checkpoint_signature');
  });
});

describe('audit verify on an NDJSON export', () => {
  async function exportFile(): Promise<string> {
    const file = path.join(dir, 'export.ndjson');
    expect(await auditExport({ db: dbFile, format: 'ndjson', out: file }, capture())).toBe(0);
    return file;
  }

  it('holds on the export as written, with no database at hand', async () => {
    const file = await exportFile();
    rmSync(dbFile);
    const io = capture();
    expect(await auditVerify({ file }, io)).toBe(0);
    expect(io.text()).toContain('audit chain holds: 10 records, 3 signed checkpoints');
  });

  it('names a reordered, a changed and a deleted line', async () => {
    const file = await exportFile();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const recordLine = (seq: number) => lines.findIndex((l) => l.includes(`"seq":${seq},`) && l.startsWith('{"kind":"record"'));

    const swapped = [...lines];
    const [i5, i6] = [recordLine(5), recordLine(6)];
    [swapped[i5], swapped[i6]] = [swapped[i6]!, swapped[i5]!];
    writeFileSync(file, swapped.join('\n'));
    let io = capture();
    expect(await auditVerify({ file }, io)).toBe(1);
    expect(io.text()).toContain(`BROKEN at seq 5 (record ${ids[5]}): out_of_order`);

    const changed = [...lines];
    changed[recordLine(2)] = changed[recordLine(2)]!.replace('"Zorggroep Y"', '"Zorggroep X"');
    writeFileSync(file, changed.join('\n'));
    io = capture();
    expect(await auditVerify({ file }, io)).toBe(1);
    expect(io.text()).toContain(`BROKEN at seq 2 (record ${ids[1]}): hash_mismatch`);

    writeFileSync(file, lines.filter((_, i) => i !== recordLine(9)).join('\n'));
    io = capture();
    expect(await auditVerify({ file }, io)).toBe(1);
    expect(io.text()).toContain(`BROKEN at seq 10 (record ${ids[9]}): sequence_gap`);
  });

  it('refuses to verify a filtered export and more than one source (exit 2 class); none is the local node', async () => {
    const file = path.join(dir, 'partial.ndjson');
    await auditExport({ db: dbFile, format: 'ndjson', out: file, patient: '999900001' }, capture());
    await expect(auditVerify({ file }, capture())).rejects.toMatchObject({ name: 'NodeError', code: 'invalid_input' });
    await expect(auditVerify({ db: dbFile, file }, capture())).rejects.toThrow('give one of --node, --db, --file, not --db and --file');
  });
});
