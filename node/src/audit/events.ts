// The closed vocabulary of audited events: what each code means, its NEN 7513 action and its FHIR AuditEvent coding.

/** NEN 7513 §7.2.2 actiecode / FHIR AuditEvent.action. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
export const AUDIT_ACTIONS: readonly AuditAction[] = ['C', 'R', 'U', 'D', 'E'];

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export const EVENT_CODE_SYSTEM = 'https://nuts-lsp-lab.example/fhir/CodeSystem/audit-event-code';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST_TYPE: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' };
const restful = (code: string): Coding => ({ system: 'http://hl7.org/fhir/restful-interaction', code, display: code });

/** Which BALP profile family a REST event follows (Patient* variant is chosen when a patient is known). */
export type BalpPattern = 'Read' | 'Query' | 'Create' | 'Update' | 'Delete' | 'Transaction' | 'Token' | 'Other';

export interface EventDefinition {
  /** actions the event may carry; the first is the default */
  actions: readonly AuditAction[];
  /** the event concerns patient data: actor and purpose (scope / authorisation protocol) are mandatory */
  patientData: boolean;
  /** FHIR AuditEvent.type */
  type: Coding;
  /** FHIR AuditEvent.subtype besides our own event code */
  subtype?: Coding;
  balp: BalpPattern;
  description: string;
}

/**
 * The closed list. Search is recorded with action E, as BALP Query does (N7513-02). Failed and refused attempts use
 * the same code with a non-zero outcome; token refusals have their own code because the caller is not yet authorised.
 */
export const AUDIT_EVENTS = {
  'fhir.read': { actions: ['R'], patientData: true, type: REST_TYPE, subtype: restful('read'), balp: 'Read', description: 'FHIR read/vread of a resource' },
  'fhir.search': { actions: ['E'], patientData: true, type: REST_TYPE, subtype: restful('search-type'), balp: 'Query', description: 'FHIR search' },
  'fhir.create': { actions: ['C'], patientData: true, type: REST_TYPE, subtype: restful('create'), balp: 'Create', description: 'FHIR create' },
  'fhir.update': { actions: ['U'], patientData: true, type: REST_TYPE, subtype: restful('update'), balp: 'Update', description: 'FHIR update or patch' },
  'fhir.delete': { actions: ['D'], patientData: true, type: REST_TYPE, subtype: restful('delete'), balp: 'Delete', description: 'FHIR delete' },
  'fhir.transaction': { actions: ['E'], patientData: true, type: REST_TYPE, subtype: restful('transaction'), balp: 'Transaction', description: 'FHIR transaction or batch Bundle' },
  'data.request.outgoing': { actions: ['E', 'R'], patientData: true, type: REST_TYPE, subtype: restful('search-type'), balp: 'Query', description: 'requesting side: a data request this node sends to another organisation' },
  'security.emergency-access': { actions: ['E'], patientData: true, type: { system: DCM, code: '110113', display: 'Security Alert' }, subtype: { system: DCM, code: '110127', display: 'Emergency Override Started' }, balp: 'Other', description: 'break-the-glass access (recorded next to the data event itself)' },
  'oauth.token.granted': { actions: ['E'], patientData: false, type: { system: DCM, code: '110114', display: 'User Authentication' }, subtype: { system: 'urn:ihe:event-type-code', code: 'ITI-71', display: 'Get Access Token' }, balp: 'Token', description: 'access token issued' },
  'oauth.token.refused': { actions: ['E'], patientData: false, type: { system: DCM, code: '110114', display: 'User Authentication' }, subtype: { system: 'urn:ihe:event-type-code', code: 'ITI-71', display: 'Get Access Token' }, balp: 'Token', description: 'access token request refused' },
  'oauth.introspect': { actions: ['E'], patientData: false, type: { system: DCM, code: '110114', display: 'User Authentication' }, subtype: { system: 'urn:ihe:event-type-code', code: 'ITI-102', display: 'Introspect Token' }, balp: 'Token', description: 'token introspection' },
  'vcr.issue': { actions: ['C'], patientData: false, type: { system: DCM, code: '110136', display: 'Security Roles Changed' }, balp: 'Other', description: 'verifiable credential issued' },
  'vcr.revoke': { actions: ['U', 'D'], patientData: false, type: { system: DCM, code: '110136', display: 'Security Roles Changed' }, balp: 'Other', description: 'verifiable credential revoked' },
  'consent.update': { actions: ['U', 'C', 'D'], patientData: false, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' }, subtype: restful('update'), balp: 'Other', description: "a client's consent choice (Mitz-style) was recorded, changed or withdrawn" },
  'audit.read': { actions: ['R', 'E'], patientData: false, type: { system: DCM, code: '110101', display: 'Audit Log Used' }, balp: 'Other', description: 'the audit log itself was read, searched or verified' },
  'audit.export': { actions: ['E'], patientData: false, type: { system: DCM, code: '110101', display: 'Audit Log Used' }, subtype: { system: DCM, code: '110106', display: 'Export' }, balp: 'Other', description: 'the audit log was exported' },
  'audit.retention': { actions: ['D'], patientData: false, type: { system: DCM, code: '110101', display: 'Audit Log Used' }, balp: 'Other', description: 'expired closed periods were removed by the retention job' },
} as const satisfies Record<string, EventDefinition>;

export type AuditEventCode = keyof typeof AUDIT_EVENTS;
export const AUDIT_EVENT_CODES = Object.keys(AUDIT_EVENTS) as AuditEventCode[];

export function eventDefinition(code: AuditEventCode): EventDefinition {
  return AUDIT_EVENTS[code];
}

export function isAuditEventCode(v: unknown): v is AuditEventCode {
  return typeof v === 'string' && Object.hasOwn(AUDIT_EVENTS, v);
}

/** FHIR AuditEvent.outcome codes: 0 success, 4 minor failure (refused, bad request), 8 serious, 12 major. */
export type OutcomeCode = '0' | '4' | '8' | '12';
