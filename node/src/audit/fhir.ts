// NEN 7513 record -> FHIR R4 AuditEvent following the IHE BALP patterns, with the NEN fields mapped as in the reference.
import { EVENT_CODE_SYSTEM, eventDefinition, type BalpPattern } from './events.js';
import type { AuditRecord } from './record.js';
import { URA_SYSTEM } from '../fhir/types.js';

type AuditEvent = fhir4.AuditEvent;
type AuditEventAgent = fhir4.AuditEventAgent;
type AuditEventEntity = fhir4.AuditEventEntity;
type Bundle = fhir4.Bundle;
type FhirCoding = fhir4.Coding;

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const NS = {
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  ura: URA_SYSTEM,
  uri: 'urn:ietf:rfc:3986',
};

const cc = (c: FhirCoding) => ({ coding: [c] });
const IPV4_OR_6 = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:.]*)$/i;

/** The BALP profile a record conforms to (Patient* variants when a patient is known; successes only, as BALP has it). */
export function balpProfile(r: AuditRecord): string | undefined {
  const p = eventDefinition(r.event).balp;
  const map: Partial<Record<BalpPattern, string>> = { Read: 'Read', Query: 'Query', Create: 'Create', Update: 'Update', Delete: 'Delete' };
  const base = map[p];
  if (!base) return undefined;
  return BALP + (r.patient ? `Patient${base}` : base);
}

function purposeCoding(code: string): FhirCoding {
  const display: Record<string, string> = { TREAT: 'treatment', ETREAT: 'Emergency Treatment', HOPERAT: 'healthcare operations' };
  return { system: ACT_REASON, code, ...(display[code] ? { display: display[code] } : {}) };
}

/** Maps one record; `recorder` says whose log it is (source.observer). */
export function toAuditEvent(r: AuditRecord): AuditEvent {
  const def = eventDefinition(r.event);
  const pattern = def.balp;
  const profile = balpProfile(r);
  const purpose = r.authorisation?.purposeOfUse ?? (r.breakTheGlass ? 'ETREAT' : undefined);
  const serverUrl = r.source.url ?? `urn:nuts-lsp-lab:node:${r.node}`;
  const agents: AuditEventAgent[] = [];

  // 7.3 the user: IRCP for reads/queries, AUT (a BALP DataSources code) for writes
  if (r.actor) {
    const a = r.actor;
    const policy = [
      ...(r.authorisation?.protocol ? [r.authorisation.protocol] : []),
      ...(r.authorisation?.treatmentRelationProtocol ? [r.authorisation.treatmentRelationProtocol] : []),
      ...(r.authorisation?.tokenId ? [`urn:ietf:params:oauth:jti:${r.authorisation.tokenId}`] : []),
      ...(r.authorisation?.tokenHash ? [`urn:sha256:${r.authorisation.tokenHash}`] : []),
      ...(r.authorisation?.scope ? [`urn:ietf:params:oauth:scope:${r.authorisation.scope}`] : []),
      ...(r.authorisation?.credentials ?? []).map((c) => c.id),
    ];
    const writes = pattern === 'Create' || pattern === 'Update' || pattern === 'Delete';
    agents.push({
      type: cc(writes ? { system: PARTICIPATION, code: 'AUT', display: 'author (originator)' } : { system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }),
      ...(a.role ? { role: [cc(a.role)] } : {}),
      who: { identifier: { ...(a.userIdSystem ? { system: a.userIdSystem } : {}), value: a.userId }, ...(a.userName ? { display: a.userName } : {}) },
      ...(a.localUserId ? { altId: a.localUserId } : {}),
      ...(a.userName ? { name: a.userName } : {}),
      requestor: true,
      ...(policy.length ? { policy } : {}),
      ...(purpose ? { purposeOfUse: [cc(purposeCoding(purpose))] } : {}),
    });
    // 7.3.6–7.3.8 the responsible natural person, when someone else (or a process) initiated the event
    if (a.responsible && a.responsible.id !== a.userId) {
      agents.push({
        type: cc({ system: PARTICIPATION, code: 'RESP', display: 'responsible party' }),
        ...(a.responsible.role ? { role: [cc(a.responsible.role)] } : {}),
        who: { identifier: { value: a.responsible.id }, ...(a.responsible.name ? { display: a.responsible.name } : {}) },
        ...(a.responsible.name ? { name: a.responsible.name } : {}),
        requestor: false,
      });
    }
    // 7.3.6 the organisation acted for (BALP SAML userorg pattern)
    if (a.organisation) {
      agents.push({
        type: cc({ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass', code: 'PROV', display: 'healthcare provider' }),
        who: { identifier: { system: NS.ura, value: a.organisation.ura }, ...(a.organisation.name ? { display: a.organisation.name } : {}) },
        requestor: false,
      });
    }
  }

  // client and server: DICOM roles as BALP sets them per pattern (reads: client = destination; others reversed)
  const outgoing = r.event === 'data.request.outgoing';
  const clientWho = outgoing ? serverUrl : (r.client?.system ?? r.peer?.url ?? r.actor?.clientId ?? 'unknown client');
  const clientAddress = outgoing ? undefined : r.client?.address;
  const serverWho = outgoing ? (r.peer?.url ?? 'unknown server') : serverUrl;
  const [clientType, serverType] =
    pattern === 'Read'
      ? [{ system: DCM, code: '110152', display: 'Destination Role ID' }, { system: DCM, code: '110153', display: 'Source Role ID' }]
      : pattern === 'Delete'
        ? [{ system: DCM, code: '110150', display: 'Application' }, { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'custodian', display: 'Custodian' }]
        : [{ system: DCM, code: '110153', display: 'Source Role ID' }, { system: DCM, code: '110152', display: 'Destination Role ID' }];
  agents.push({
    type: cc(clientType),
    who: { identifier: { system: NS.uri, value: clientWho }, ...(r.actor?.clientId ? { display: `OAuth client_id ${r.actor.clientId}` } : {}) },
    requestor: false,
    network: clientAddress ? { address: clientAddress, type: IPV4_OR_6.test(clientAddress) ? '2' : '1' } : { address: clientWho, type: '5' },
  });
  agents.push({ type: cc(serverType), who: { identifier: { system: NS.uri, value: serverWho }, display: outgoing ? (r.peer?.name ?? serverWho) : `nuts-lsp-lab node ${r.node}` }, requestor: false, network: { address: serverWho, type: '5' } });

  const entities: AuditEventEntity[] = [];
  if (r.patient) {
    entities.push({
      what: { type: 'Patient', identifier: { system: NS.bsn, value: r.patient.bsn } },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    });
  }
  if (r.object) {
    const o = r.object;
    if (pattern === 'Query' || o.query !== undefined) {
      entities.push({
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
        query: Buffer.from(o.query ?? '', 'utf8').toString('base64'),
        description: o.description ?? `${o.type}${o.query ? `?${o.query}` : ''}`,
      });
    } else {
      const ref = o.id ? `${o.type}/${o.id}${o.version ? `/_history/${o.version}` : ''}` : undefined;
      entities.push({
        what: ref ? { reference: ref, type: o.type } : { type: o.type },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
        ...(o.description ? { description: o.description } : {}),
      });
    }
  }
  // 7.4.8 toestemmingsprofiel and 7.2.6 controles, BALP SAML consent pattern
  if (r.consent || r.breakTheGlass) {
    const checks = r.consent?.checks;
    const tf = (b: boolean | undefined) => (b === undefined ? '?' : b ? 'T' : 'F');
    const detail = [
      ...(r.consent?.profile ? [{ type: 'toestemmingsprofiel', valueString: r.consent.profile }] : []),
      { type: 'controles', valueString: `autorisatie=${tf(checks?.authorisation)};behandelrelatie=${tf(checks?.treatmentRelation)};toestemming=${tf(checks?.consent)};noodknop=${r.breakTheGlass ? 'T' : 'F'}` },
    ];
    entities.push({
      what: { type: 'Consent', ...(r.consent?.id ? { identifier: { value: r.consent.id } } : {}) },
      type: { system: 'http://hl7.org/fhir/resource-types', code: 'Consent', display: 'Consent' },
      detail,
    });
  }
  if (r.requestId) {
    entities.push({
      what: { identifier: { value: r.requestId } },
      type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId', display: 'transport specific unique identifier where http X-Request-Id is used' },
    });
  }
  if (r.traceparent || r.traceId) {
    entities.push({
      what: { identifier: { value: r.traceparent ?? r.traceId! } },
      type: { system: ENTITY_TYPE, code: '4', display: 'Other' },
      role: { system: OBJECT_ROLE, code: '26', display: 'Processing Element' },
      description: r.traceparent ? 'W3C traceparent' : 'W3C trace id',
    });
  }

  const subtype: FhirCoding[] = [];
  if (def.subtype) subtype.push(def.subtype);
  subtype.push({ system: EVENT_CODE_SYSTEM, code: r.event });
  return {
    resourceType: 'AuditEvent',
    id: r.id,
    ...(profile && r.outcome.code === '0' ? { meta: { profile: [profile] } } : {}),
    type: def.type,
    subtype,
    action: r.action,
    period: { start: r.startedAt, ...(r.endedAt ? { end: r.endedAt } : {}) },
    recorded: r.recordedAt,
    outcome: r.outcome.code,
    ...(r.outcome.description ? { outcomeDesc: r.outcome.description } : {}),
    ...(purpose ? { purposeOfEvent: [cc(purposeCoding(purpose))] } : {}),
    agent: agents,
    source: {
      ...(r.source.site ? { site: r.source.site } : {}),
      observer: { identifier: { system: NS.uri, value: serverUrl }, display: `${r.source.system} node ${r.source.node}` },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: entities,
  };
}

export function toAuditBundle(records: AuditRecord[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', total: records.length, entry: records.map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: toAuditEvent(r) })) } as Bundle;
}
