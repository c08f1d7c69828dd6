// The recording API on a real SQLite store: completeness rules, secrets kept out, context defaults, concurrency,
// store failure, checkpoints and retention.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { contextFromHeaders, runWithContext } from '../core/context.js';
import { startAuditEngine, fhirSearchInput, type EngineHarness } from '../../../test/helpers/audit-engine.js';
import { AuditError, isAuditUnavailable } from './errors.js';
import { recordHash } from './chain.js';
import type { AuditInput } from './record.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function rejection(p: Promise<unknown>): Promise<AuditError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AuditError);
  return e as AuditError;
}

describe('record', () => {
  it('stores every NEN 7513 field, chained and hashed', async () => {
    h = await startAuditEngine();
    const t0 = h.clock.now - 120;
    const r = await h.audit.recorder.record(fhirSearchInput('999911120', { startedAt: t0, endedAt: t0 + 58 }));
    expect(r).toMatchObject({
      seq: 1,
      node: 'unit',
      event: 'fhir.search',
      action: 'E',
      startedAt: new Date(t0).toISOString(),
      endedAt: new Date(t0 + 58).toISOString(),
      recordedAt: new Date(h.clock.now).toISOString(),
      actor: { userId: '900012345', role: { code: '01.015' }, organisation: { ura: '90000123' }, responsible: { id: '900054321' }, clientId: 'ecd-y' },
      patient: { bsn: '999911120' },
      object: { type: 'MedicationRequest' },
      authorisation: { protocol: 'https://example.org/autorisatieprotocol/v1', scope: 'medicatieoverdracht', tokenId: '4f0c2b9e-8a7d-4d3e-b1c2-9e8f7a6b5c4d', credentials: [{ type: 'NutsUraCredential' }] },
      consent: { profile: 'https://example.org/toestemmingsprofiel/opt-in-medicatie' },
      breakTheGlass: false,
      source: { system: 'nuts-lsp-lab', node: 'unit', url: 'http://localhost:9999' },
      client: { address: '203.0.113.10' },
      outcome: { code: '0' },
      prevHash: '0'.repeat(64),
    });
    expect(r.hash).toBe(recordHash(r));
    const second = await h.audit.recorder.record(fhirSearchInput());
    expect(second.prevHash).toBe(r.hash);
    expect(second.seq).toBe(2);
  });

  it('keeps only a hash of an access token, also when a raw JWT is passed as tokenId', async () => {
    h = await startAuditEngine();
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4eXoiLCJqdGkiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
    const a = await h.audit.recorder.record(fhirSearchInput('999911120', { authorisation: { scope: 'medicatieoverdracht', token } }));
    const b = await h.audit.recorder.record(fhirSearchInput('999911120', { authorisation: { scope: 'medicatieoverdracht', tokenId: token } }));
    for (const r of [a, b]) {
      expect(JSON.stringify(r)).not.toContain(token);
      expect(r.authorisation?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.authorisation?.tokenId).toBeUndefined();
    }
    expect(a.authorisation?.tokenHash).toBe(b.authorisation?.tokenHash);
  });

  it('takes request id, trace id and the inbound traceparent from the request context', async () => {
    h = await startAuditEngine();
    const ctx = contextFromHeaders('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'req-77');
    const r = await runWithContext(ctx, () => h!.audit.recorder.record(fhirSearchInput()));
    expect(r.requestId).toBe('req-77');
    expect(r.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(r.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it.each<[string, Partial<AuditInput>, string]>([
    ['no actor', { actor: undefined }, 'missing_actor'],
    ['no role', { actor: { userId: 'u1', organisation: { ura: '90000123' } } }, 'missing_actor'],
    ['no organisation', { actor: { userId: 'u1', role: { code: '01.015', system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode' } } }, 'missing_actor'],
    ['a process without a responsible person', { actor: { userId: 'job', kind: 'process', role: { code: 'x', system: 'y' }, organisation: { ura: '1' } } }, 'missing_actor'],
    ['no purpose', { authorisation: { tokenId: 'abc' } }, 'missing_purpose'],
    ['no authorisation at all', { authorisation: undefined }, 'missing_purpose'],
  ])('refuses a successful patient-data event with %s', async (_name, over, reason) => {
    h = await startAuditEngine();
    const e = await rejection(h.audit.recorder.record(fhirSearchInput('999911120', over)));
    expect(e.reason).toBe(reason);
    expect(e.status).toBe(400);
    expect(await h.audit.store.head()).toBeUndefined();
  });

  it('records a failed attempt with whatever is known, but demands its description', async () => {
    h = await startAuditEngine();
    const r = await h.audit.recorder.record({ event: 'fhir.read', patient: { bsn: '999911120' }, object: { type: 'MedicationRequest', id: 'mr-1' }, outcome: { code: '4', description: '401 no access token', httpStatus: 401 } });
    expect(r.outcome).toEqual({ code: '4', description: '401 no access token', httpStatus: 401 });
    expect(r.actor).toBeUndefined();
    const e = await rejection(h.audit.recorder.record({ event: 'fhir.read', outcome: { code: '4' } }));
    expect(e.reason).toBe('missing_outcome_description');
  });

  it('refuses an action the event does not allow, an unknown event and malformed fields, naming them', async () => {
    h = await startAuditEngine();
    expect((await rejection(h.audit.recorder.record(fhirSearchInput('999911120', { action: 'R' })))).message).toContain('fhir.search is recorded with action E');
    expect((await rejection(h.audit.recorder.record({ event: 'fhir.peek' } as unknown as AuditInput))).message).toContain('event');
    expect((await rejection(h.audit.recorder.record(fhirSearchInput('12345')))).message).toContain('patient.bsn');
  });

  it('never forks the chain under concurrent appends, and checkpoints every N records', async () => {
    h = await startAuditEngine(':memory:', { checkpointEveryRecords: 25 });
    const recs = await Promise.all(Array.from({ length: 200 }, (_, i) => h!.audit.recorder.record(fhirSearchInput(String(100000000 + i)))));
    expect(recs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const v = await h.audit.verify();
    expect(v).toMatchObject({ ok: true, records: 200, checkpoints: 8, lastCheckpointSeq: 200 });
  });

  it('fails with a 503-class error and stores nothing when the log cannot be written', async () => {
    h = await startAuditEngine();
    await h.audit.recorder.record(fhirSearchInput());
    await sql`CREATE TRIGGER audit_disk_full BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`.execute(h.store.db.db);
    const e = await rejection(h.audit.recorder.record(fhirSearchInput()));
    expect(e.reason).toBe('log_unavailable');
    expect(e.status).toBe(503);
    expect(isAuditUnavailable(e)).toBe(true);
    await sql`DROP TRIGGER audit_disk_full`.execute(h.store.db.db);
    // the queue is not poisoned and the chain continues where it was
    expect((await h.audit.recorder.record(fhirSearchInput())).seq).toBe(2);
    expect((await h.audit.verify()).ok).toBe(true);
  });
});

describe('break-the-glass and timed checkpoints', () => {
  it('records a separate security alert next to a break-the-glass data event', async () => {
    h = await startAuditEngine();
    const ctx = contextFromHeaders(undefined, 'btg-1');
    const r = await runWithContext(ctx, () => h!.audit.recorder.record({ ...fhirSearchInput(), event: 'fhir.read', object: { type: 'MedicationRequest', id: 'mr-1' }, breakTheGlass: true, authorisation: { protocol: 'noodprocedure', purposeOfUse: 'ETREAT' } }));
    const all = await h.audit.store.query({ requestId: 'btg-1' });
    expect(all.map((x) => x.event)).toEqual(['fhir.read', 'security.emergency-access']);
    expect(all[1]).toMatchObject({ seq: r.seq + 1, action: 'E', breakTheGlass: true, patient: { bsn: '999911120' }, actor: { userId: '900012345' }, authorisation: { purposeOfUse: 'ETREAT' } });
    await h.audit.recorder.record(fhirSearchInput());
    expect((await h.audit.store.query({ event: 'security.emergency-access' })).length).toBe(1);
  });

  it('signs a checkpoint after T seconds even when fewer than N records arrived', async () => {
    h = await startAuditEngine(':memory:', { checkpointEveryRecords: 1000, checkpointEverySeconds: 1 });
    await h.audit.recorder.record(fhirSearchInput());
    const deadline = Date.now() + 5000;
    while ((await h.audit.store.checkpoints()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await h.audit.store.checkpoints()).map((c) => c.seq)).toEqual([1]);
  });
});

describe('retention', () => {
  it('removes whole closed periods, keeps their checkpoints, records the purge, and the chain still verifies', async () => {
    h = await startAuditEngine(':memory:', { checkpointEveryRecords: 1000, retentionDays: 1826 });
    for (let i = 0; i < 3; i++) await h.audit.recorder.record(fhirSearchInput());
    await h.audit.checkpoint(); // closes period 1..3
    h.clock.now += 86_400_000;
    for (let i = 0; i < 2; i++) await h.audit.recorder.record(fhirSearchInput());
    // not yet expired: nothing goes
    expect((await h.audit.applyRetention()).removed).toBe(0);
    h.clock.now += 1826 * 86_400_000 - 3_600_000; // period 1 expired, the open period (4..5) not
    const res = await h.audit.applyRetention();
    expect(res).toEqual({ removedThroughSeq: 3, removed: 3 });
    expect(await h.audit.store.firstSeq()).toBe(4);
    expect((await h.audit.store.checkpoints()).map((c) => c.seq)).toEqual([3]);
    const purge = (await h.audit.store.query({ event: 'audit.retention' }))[0]!;
    expect(purge.object?.description).toContain('seq 1..3');
    const v = await h.audit.verify();
    expect(v).toMatchObject({ ok: true, records: 3, checkpoints: 1 });
  });
});
