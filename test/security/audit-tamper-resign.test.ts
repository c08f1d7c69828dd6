// Attack: rewrite the access log (change whose data was read), recompute every hash and re-sign the checkpoints. The
// signing key no longer lives in the database; an attacker who also took the key file re-signs a log that holds on its
// own, but not against the witness, which countersigned the original head. A new key is refused by the witness.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize, recordHash, type AuditRecord } from '../../node/src/audit/index.js';
import { startWitnessedPair, sql, type WitnessedPair } from '../helpers/witnessed-pair.js';
import { auditVerify } from '../../simulators/network/audit-cli.js';

let pair: WitnessedPair;
let head: number;
beforeAll(async () => {
  pair = await startWitnessedPair();
  await pair.record(10);
  head = await pair.checkpointWitnessed();
}, 30_000);
afterAll(() => pair?.stop());

describe('attack: rewrite the whole log and re-sign its checkpoints', () => {
  it('finds no checkpoint key in the database: it lives in a key file outside it', async () => {
    const rows = (await sql<{ kid: string }>`SELECT kid FROM crypto_keys`.execute(pair.vvt.store.db.db)).rows;
    expect(rows.map((r) => r.kid).filter((k) => k.includes('audit-checkpoint'))).toEqual([]);
    const file = JSON.parse(readFileSync(path.join(pair.dir, 'vvt', 'audit-checkpoint-key.json'), 'utf8'));
    expect(file.kid).toBe('node:vvt:audit-checkpoint');
  });

  it('a rewrite re-signed with the stolen key holds locally, and audit verify against the witness names it', async () => {
    await pair.tamper(async (db) => {
      const rows = (await sql<{ body: string }>`SELECT body FROM audit_records ORDER BY seq`.execute(db)).rows;
      let prev = '0'.repeat(64);
      for (const row of rows) {
        const rec = JSON.parse(row.body) as AuditRecord;
        if (rec.seq === 3) rec.patient = { bsn: '999999999' };
        rec.prevHash = prev;
        rec.hash = recordHash(rec);
        prev = rec.hash;
        await sql`UPDATE audit_records SET body = ${JSON.stringify(rec)}, hash = ${rec.hash}, prev_hash = ${rec.prevHash}, patient_bsn = ${rec.patient?.bsn ?? null} WHERE seq = ${rec.seq}`.execute(db);
      }
      await sql`DELETE FROM audit_checkpoints`.execute(db);
      const cp = await pair.signWithStolenKey(rows.length, prev);
      await sql`INSERT INTO audit_checkpoints (seq, hash, created_at, jws) VALUES (${cp.seq}, ${cp.hash}, ${cp.createdAt}, ${cp.jws})`.execute(db);
    });
    // on its own the re-signed log holds
    expect((await pair.vvt.audit.verify()).firstBroken?.reason ?? 'holds').toMatch(/^witness_/);
    const alone = await pair.verify([]);
    expect(alone.code, alone.out).toBe(0);

    const r = await pair.verify([pair.lsp.internalUrl]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN at seq ${head}`);
    expect(r.out).toContain('witness_mismatch');
    expect(r.out).toContain(`witness lsp countersigned the head at seq ${head}`);
  });

  it('a log re-signed with a new key is refused by the witness and fails verification against it', async () => {
    const pairKey = await generateKeyPair('ES256', { extractable: true });
    const key = { kid: 'node:vvt:audit-checkpoint', alg: 'ES256', publicJwk: await exportJWK(pairKey.publicKey) };
    const cps = (await (await fetch(`${pair.vvt.internalUrl}/internal/audit/v1/checkpoints`)).json()) as Array<{ seq: number; hash: string; createdAt: number; jws: string }>;
    const last = cps.at(-1)!;
    const payload = { typ: 'nuts-lsp-lab/audit-checkpoint', node: 'vvt', seq: last.seq + 1, hash: last.hash, iat: new Date().toISOString() };
    const jws = await new CompactSign(new TextEncoder().encode(canonicalize(payload))).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(pairKey.privateKey);
    const res = await fetch(`${pair.lsp.internalUrl}/internal/audit/v1/witness/heads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, checkpoint: { seq: last.seq + 1, hash: last.hash, createdAt: Date.now(), jws }, links: [] }),
    });
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain('different key than the one pinned at first contact');

    // verifying the log with the new key (as a re-keyed node would publish it) is refused against the witness too
    const keyFile = path.join(pair.dir, 'new-key.json');
    writeFileSync(keyFile, JSON.stringify(key));
    let out = '';
    const code = await auditVerify({ node: pair.vvt.internalUrl, key: keyFile, witness: [pair.lsp.internalUrl] }, { out: (t) => (out += t), err: (t) => (out += t) });
    expect(code).toBe(1);
    expect(out).toContain('witness_key: witness lsp pinned another checkpoint key for node vvt');
  });
});
