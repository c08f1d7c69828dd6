// The real `nuts-lsp-lab audit …` binary: exit code 0 when the chain holds, 1 when broken (naming the record), 2 on usage errors.
// (Unreachable nodes, refusals and the local-node default: test/cli/exit-codes.test.ts.)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '../../node/src/store/index.js';
import { fhirSearchInput, startAuditEngine } from '../helpers/audit-engine.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'nuts-lsp-lab.mjs');
let dir: string;
let db: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-cli-'));
  db = path.join(dir, 'node.db');
  const h = await startAuditEngine(db);
  for (let i = 0; i < 6; i++) await h.audit.recorder.record(fhirSearchInput('999911120'));
  await h.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nuts-lsp-lab audit', () => {
  it('verify: 0 on an intact log, 1 naming the changed record, 2 on usage errors', async () => {
    const ok = await run(['audit', 'verify', '--db', db]);
    expect(ok.stdout).toContain('audit chain holds: 6 records');
    expect(ok.code).toBe(0);

    const overview = await run(['audit', 'overview', '999911120', '--db', db]);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('Zorggroep Y (90000123) | Huisarts | Dr. Z. Verantwoordelijk | searched / requested');

    const d = await openDatabase({ sqlite: db });
    await sql`UPDATE audit_records SET body = replace(body, 'Huisarts', 'Apotheker') WHERE seq = 3`.execute(d.db);
    const id = (await sql<{ id: string }>`SELECT id FROM audit_records WHERE seq = 3`.execute(d.db)).rows[0]!.id;
    await d.close();
    const broken = await run(['audit', 'verify', '--db', db]);
    expect(broken.stdout).toContain(`BROKEN at seq 3 (record ${id}): hash_mismatch`);
    expect(broken.code).toBe(1);

    const usage = await run(['audit', 'verify', '--db', db, '--file', 'export.ndjson']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give one of --node, --db, --file, not --db and --file');
    const unknown = await run(['audit', 'verify', '--bogus']);
    expect(unknown.code).toBe(2);
  });
});
