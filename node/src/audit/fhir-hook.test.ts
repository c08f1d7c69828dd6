// The FHIR server's audit port → NEN 7513 records: one per patient, token claims as actor, failures with outcome.
import { afterEach, describe, expect, it } from 'vitest';
import { fhirSearchInput, startAuditEngine, type EngineHarness } from '../../../test/helpers/audit-engine.js';
import { fhirAccessToAuditInputs, fhirAuditHook, type FhirAccessEvent } from './fhir-hook.js';
import { hashToken } from './recorder.js';
import { anonymousCaller, callerFromToken, internalCaller } from '../fhir/caller.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const claims = { active: true as const, scope: 'medicatieoverdracht', client_id: 'ecd-y', organization_ura: '90000123', organization_name: 'Zorggroep Y', employee_identifier: '900012345', employee_name: 'X. Voorbeeld', employee_role_code: '01.015', jti: 'jti-1' };
const opts = { internalActor: () => fhirSearchInput().actor, authorisationProtocol: 'https://example.org/autorisatieprotocol/v1' };

describe('FHIR audit port', () => {
  it('stores one record per patient of a search, with the token claims as actor and purpose', async () => {
    h = await startAuditEngine();
    const hook = fhirAuditHook(h.audit.recorder, opts);
    const ev: FhirAccessEvent = { interaction: 'search', surface: 'public', resourceType: 'MedicationRequest', patient: { bsn: ['999911120', '999922233'] }, query: 'patient.identifier=x', outcome: { status: 200 }, caller: callerFromToken(claims), requestId: 'r-9', traceId: '0af7651916cd43dd8448eb211c80319c' };
    await hook.record(ev);
    const recs = await h.audit.store.query({ requestId: 'r-9' });
    expect(recs.map((r) => r.patient?.bsn).sort()).toEqual(['999911120', '999922233']);
    expect(recs[0]).toMatchObject({
      event: 'fhir.search',
      action: 'E',
      actor: { userId: '900012345', userName: 'X. Voorbeeld', role: { code: '01.015' }, organisation: { ura: '90000123', name: 'Zorggroep Y' }, clientId: 'ecd-y' },
      authorisation: { scope: 'medicatieoverdracht', protocol: opts.authorisationProtocol, tokenId: 'jti-1' },
      object: { type: 'MedicationRequest', query: 'patient.identifier=x' },
      traceId: '0af7651916cd43dd8448eb211c80319c',
      outcome: { code: '0', httpStatus: 200 },
    });
  });

  it('keeps only the SHA-256 of the presented access token and names the care worker as responsible person', async () => {
    h = await startAuditEngine();
    const token = 'opaque-access-token-123';
    await fhirAuditHook(h.audit.recorder, opts).record({ interaction: 'read', surface: 'public', resourceType: 'MedicationRequest', id: 'mr-1', patient: { bsn: ['999911120'] }, outcome: { status: 200 }, caller: callerFromToken(claims), requestId: 'r-10', accessToken: token });
    const [rec] = await h.audit.store.query({ requestId: 'r-10' });
    expect(rec).toMatchObject({ authorisation: { tokenHash: hashToken(token), tokenId: 'jti-1' }, actor: { responsible: { id: '900012345', name: 'X. Voorbeeld' } } });
    expect(JSON.stringify(rec)).not.toContain(token);
    // a token whose attempt was refused is still traceable by its hash
    const [anon] = fhirAccessToAuditInputs({ interaction: 'read', surface: 'public', outcome: { status: 401, summary: 'login: expired' }, caller: anonymousCaller, accessToken: token }, opts);
    expect(anon!.authorisation).toEqual({ token });
  });

  it('records refused attempts (anonymous 401, 403) and skips the capability statement', () => {
    const anon = fhirAccessToAuditInputs({ interaction: 'read', surface: 'public', resourceType: 'MedicationRequest', id: 'mr-1', outcome: { status: 401, summary: 'login: no token' }, caller: anonymousCaller }, opts);
    expect(anon).toEqual([expect.objectContaining({ event: 'fhir.read', actor: undefined, outcome: { code: '4', description: 'login: no token', httpStatus: 401 } })]);
    expect(fhirAccessToAuditInputs({ interaction: 'capabilities', surface: 'public', outcome: { status: 200 }, caller: anonymousCaller }, opts)).toEqual([]);
  });

  it('records what a caller sent that is longer than a record field, clipped and escaped, instead of failing the record', async () => {
    h = await startAuditEngine();
    const long = (n: number, c: string) => c.repeat(n);
    const odd = callerFromToken({ ...claims, employee_identifier: long(700, 'e'), employee_name: `${long(600, 'n')}\r\nforged: line`, employee_role_code: long(200, 'r'), scope: long(2000, 's') });
    await fhirAuditHook(h.audit.recorder, opts).record({ interaction: 'read', surface: 'public', resourceType: `M${long(300, 'x')}`, id: long(600, 'i'), patient: { bsn: ['12345678', '999911120'] }, query: long(9000, 'q'), outcome: { status: 400, summary: long(3000, 'd') }, caller: odd, requestId: 'r-odd' });
    const [rec, more] = await h.audit.store.query({ requestId: 'r-odd' });
    expect(more).toBeUndefined();
    expect(rec!.patient).toEqual({ bsn: '999911120' });
    expect(rec!.object!.type).toHaveLength(128);
    expect(rec!.object!.id).toHaveLength(512);
    expect(rec!.object!.query).toHaveLength(8192);
    expect(rec!.outcome.description).toHaveLength(2048);
    expect(rec!.actor!.userId.endsWith('…')).toBe(true);
    expect(rec!.actor!.userName).not.toMatch(/[\r\n]/);
  });

  it('rejects, so the FHIR server answers 503, when a successful interaction lacks its actor', async () => {
    h = await startAuditEngine();
    const hook = fhirAuditHook(h.audit.recorder, { internalActor: () => undefined });
    await expect(hook.record({ interaction: 'read', surface: 'internal', resourceType: 'MedicationRequest', id: 'mr-1', patient: { bsn: ['999911120'] }, outcome: { status: 200 }, caller: internalCaller() })).rejects.toMatchObject({ reason: 'missing_actor' });
  });
});
