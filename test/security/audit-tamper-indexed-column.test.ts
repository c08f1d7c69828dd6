// Attack: edit only the indexed patient_bsn column of one access record, so a search for the patient no longer finds
// it, while the hashed body stays intact. `audit verify --node` (the remote verify) must name the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWitnessedPair, sql, type WitnessedPair } from '../helpers/witnessed-pair.js';
import { auditRecords } from '../helpers/audit.js';

let pair: WitnessedPair;
beforeAll(async () => {
  pair = await startWitnessedPair();
  await pair.record(6);
  await pair.checkpointWitnessed();
}, 30_000);
afterAll(() => pair?.stop());

describe('attack: hide an access record by editing its indexed patient_bsn column', () => {
  it('the remote verify (audit verify --node) names the edited record', async () => {
    expect((await pair.verify()).code).toBe(0);
    const victim = (await auditRecords(pair.vvt, { patient: '999900002' }))[0]!;
    await pair.tamper((db) => sql`UPDATE audit_records SET patient_bsn = '999999999' WHERE seq = ${victim.seq}`.execute(db));
    // the attack works on queries: the patient's overview no longer shows this access
    expect(await auditRecords(pair.vvt, { patient: '999900002' })).toEqual([]);

    const r = await pair.verify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`audit chain BROKEN at seq ${victim.seq} (record ${victim.id}): column_mismatch`);
  });
});
