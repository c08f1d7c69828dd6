// Attack: cut the newest access records together with the checkpoints that covered them. The rest of the log is a
// valid, signed chain, so the node's own checks hold; the witness (the LSP, which countersigned the newer head) does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWitnessedPair, sql, type WitnessedPair } from '../helpers/witnessed-pair.js';

let pair: WitnessedPair;
let cut: number;
let witnessed: number;
beforeAll(async () => {
  pair = await startWitnessedPair();
  await pair.record(8);
  cut = await pair.checkpointWitnessed();
  await pair.record(5, 999910000);
  witnessed = await pair.checkpointWitnessed();
}, 30_000);
afterAll(() => pair?.stop());

describe('attack: truncate the log after a checkpoint', () => {
  it('holds before the attack, with the witness agreeing through the newest head', async () => {
    const r = await pair.verify([pair.lsp.internalUrl]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`witness lsp agrees through seq ${witnessed}`);
  });

  it('audit verify against the witness names the cut', async () => {
    await pair.tamper(async (db) => {
      await sql`DELETE FROM audit_records WHERE seq > ${cut}`.execute(db);
      await sql`DELETE FROM audit_checkpoints WHERE seq > ${cut}`.execute(db);
    });
    const local = await pair.vvt.audit.verify(); // the node's own view, without asking anyone: the gap is invisible
    expect(local.firstBroken?.reason).not.toBe('sequence_gap');

    const r = await pair.verify([pair.lsp.internalUrl]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('witness_truncated');
    expect(r.out).toContain(`witness lsp countersigned the head at seq ${witnessed}`);
    // the witnesses the node itself names are asked by default, and its own verify asks them too
    expect((await pair.verify()).out).toContain('witness_truncated');
    const res = await fetch(`${pair.vvt.internalUrl}/internal/audit/v1/verify`);
    expect(await res.json()).toMatchObject({ ok: false, firstBroken: { reason: 'witness_truncated' } });
  });

  it('the witness refuses a head that rewinds the log it holds', async () => {
    const head = (await pair.vvt.audit.store.head())!;
    expect(head.seq).toBeLessThan(witnessed);
    const cp = await pair.signWithStolenKey(head.seq, head.hash);
    const res = await fetch(`${pair.lsp.internalUrl}/internal/audit/v1/witness/heads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: pair.vvt.audit.publicKey(), checkpoint: cp, links: [] }),
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).detail).toContain(`seq ${cp.seq} is behind the witnessed head at seq ${witnessed}`);
  });
});
