// Record → FHIR AuditEvent per IHE BALP pattern: profiles, agent roles per interaction, failures, non-REST events.
import { describe, expect, it } from 'vitest';
import { toAuditEvent } from './fhir.js';
import type { AuditRecord } from './record.js';
import type { AuditEventCode } from './events.js';

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';

function rec(event: AuditEventCode, action: AuditRecord['action'], over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: 'r-1',
    seq: 1,
    node: 'n',
    event,
    action,
    startedAt: '2026-03-14T09:21:07.103Z',
    recordedAt: '2026-03-14T09:21:07.164Z',
    actor: { userId: 'u-1', role: { code: '01.015', system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode' }, organisation: { ura: '90000123' }, clientId: 'ecd-y' },
    patient: { bsn: '999911120' },
    object: { type: 'MedicationRequest', id: 'mr-1', version: '2' },
    authorisation: { scope: 'medicatieoverdracht', tokenHash: 'ab'.repeat(32) },
    breakTheGlass: false,
    source: { system: 'nuts-lsp-lab', node: 'n', url: 'https://node-n.example' },
    client: { address: '10.0.0.1' },
    outcome: { code: '0' },
    requestId: 'req-1',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    ...over,
  };
}

const agentTypes = (ev: fhir4.AuditEvent) => ev.agent.map((a) => a.type!.coding![0]!.code);

describe('toAuditEvent', () => {
  it.each<[AuditEventCode, AuditRecord['action'], string, string, string[]]>([
    ['fhir.read', 'R', 'PatientRead', 'read', ['IRCP', 'PROV', '110152', '110153']],
    ['fhir.create', 'C', 'PatientCreate', 'create', ['AUT', 'PROV', '110153', '110152']],
    ['fhir.update', 'U', 'PatientUpdate', 'update', ['AUT', 'PROV', '110153', '110152']],
    ['fhir.delete', 'D', 'PatientDelete', 'delete', ['AUT', 'PROV', '110150', 'custodian']],
  ])('%s follows BALP %s', (event, action, profile, subtype, agents) => {
    const ev = toAuditEvent(rec(event, action));
    expect(ev.meta?.profile).toEqual([BALP + profile]);
    expect(ev.action).toBe(action);
    expect(ev.subtype![0]!.code).toBe(subtype);
    expect(agentTypes(ev)).toEqual(agents);
    expect(ev.entity!.find((e) => e.role?.code === '1')!.what!.identifier!.value).toBe('999911120');
    expect(ev.entity!.find((e) => e.role?.code === '4')!.what!.reference).toBe('MedicationRequest/mr-1/_history/2');
    expect(ev.agent[0]!.policy).toContain(`urn:sha256:${'ab'.repeat(32)}`);
  });

  it('uses the non-patient BALP profile without a patient, and none for a failure (which carries outcomeDesc)', () => {
    expect(toAuditEvent(rec('fhir.read', 'R', { patient: undefined })).meta?.profile).toEqual([BALP + 'Read']);
    const failed = toAuditEvent(rec('fhir.read', 'R', { outcome: { code: '4', description: '403 no consent' } }));
    expect(failed.meta).toBeUndefined();
    expect(failed.outcome).toBe('4');
    expect(failed.outcomeDesc).toBe('403 no consent');
  });

  it('maps token, log and break-the-glass events to DICOM types, always naming the event code', () => {
    const token = toAuditEvent(rec('oauth.token.granted', 'E', { patient: undefined, object: undefined }));
    expect(token.type).toMatchObject({ code: '110114' });
    expect(token.subtype).toEqual([expect.objectContaining({ code: 'ITI-71' }), expect.objectContaining({ code: 'oauth.token.granted' })]);
    expect(toAuditEvent(rec('audit.read', 'R')).type).toMatchObject({ code: '110101', display: 'Audit Log Used' });
    const btg = toAuditEvent(rec('security.emergency-access', 'E', { breakTheGlass: true, authorisation: { protocol: 'p' } }));
    expect(btg.subtype![0]).toMatchObject({ code: '110127' });
    expect(btg.purposeOfEvent![0]!.coding![0]!.code).toBe('ETREAT');
    expect(btg.entity!.find((e) => e.type?.code === 'Consent')!.detail).toContainEqual({ type: 'controles', valueString: 'autorisatie=?;behandelrelatie=?;toestemming=?;noodknop=T' });
  });

  it('on the requesting side names the remote server as the destination and this node as the source', () => {
    const ev = toAuditEvent(rec('data.request.outgoing', 'E', { peer: { url: 'https://lsp.example/fhir', name: 'LSP' }, object: { type: 'MedicationRequest', query: 'patient=1' } }));
    const byType = Object.fromEntries(ev.agent.map((a) => [a.type!.coding![0]!.code, a]));
    expect(byType['110152']!.who!.identifier!.value).toBe('https://lsp.example/fhir');
    expect(byType['110153']!.who!.identifier!.value).toBe('https://node-n.example');
    expect(ev.meta?.profile).toEqual([BALP + 'PatientQuery']);
  });
});
