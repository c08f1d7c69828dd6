// Adapter for the FHIR resource server's audit port (node/src/fhir/audit.ts): one FHIR interaction becomes one
// NEN 7513 record per patient, stored before the response leaves.
import { currentContext } from '../core/context.js';
import type { AuditEventCode, OutcomeCode } from './events.js';
import { actorOf } from './actor.js';
import { AUDIT_LIMITS, type AuditActor, type AuditInput } from './record.js';
import type { AuditRecorder } from './recorder.js';
import type { FhirAuditEvent } from '../fhir/audit.js';
import { UZI_ROLE_SYSTEM } from '../fhir/types.js';

/** What the FHIR server reports per interaction (its audit port's event). */
export type FhirAccessEvent = FhirAuditEvent;

export interface FhirHookOptions {
  /** the actor of the internal surface (the organisation's own systems): who is the responsible person there is a
   * deployment decision, so it must be given; returning undefined records the event without an actor (then a
   * successful interaction is refused by the completeness rule) */
  internalActor: (event: FhirAccessEvent) => AuditActor | undefined;
  /** code system of `employee_role_code` in tokens (default the UZI role codes) */
  roleSystem?: string;
  /** authorisation protocol applied by the resource server (NEN 7513 7.4.6) */
  authorisationProtocol?: string;
  consentProfile?: string;
}

const EVENT_OF: Partial<Record<FhirAccessEvent['interaction'], AuditEventCode>> = {
  read: 'fhir.read',
  search: 'fhir.search',
  create: 'fhir.create',
  update: 'fhir.update',
  delete: 'fhir.delete',
  transaction: 'fhir.transaction',
  batch: 'fhir.transaction',
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/**
 * What a caller sent, made fit for a record field: control characters escaped (one record, one line), trimmed, and
 * clipped to the field's limit with a marker, so an odd request is recorded instead of failing the record (and the answer).
 */
export function clipText(v: unknown, max: number = AUDIT_LIMITS.text): string | undefined {
  if (typeof v !== 'string') return undefined;
  // most values have no control character: tested before any copy is made
  const escaped = (CONTROL.test(v) ? v.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : v).trim();
  if (!escaped) return undefined;
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1).trimEnd()}…`;
}

const str = (v: unknown) => clipText(v);

function outcomeOf(o: FhirAccessEvent['outcome']): AuditInput['outcome'] {
  if (o.status < 400) return { code: '0', httpStatus: o.status };
  const code: OutcomeCode = o.status < 500 ? '4' : '8';
  return { code, description: clipText(o.summary, AUDIT_LIMITS.description) ?? `HTTP ${o.status}`, httpStatus: o.status };
}

/** The records one FHIR interaction causes: one per BSN (BALP: one AuditEvent per patient), or one without. */
export function fhirAccessToAuditInputs(ev: FhirAccessEvent, opts: FhirHookOptions): AuditInput[] {
  const event = EVENT_OF[ev.interaction];
  if (!event) return []; // the capability statement concerns no patient data
  let actor: AuditActor | undefined;
  let authorisation: AuditInput['authorisation'];
  const caller = ev.caller;
  if (caller.type === 'user') {
    const userId = str(caller.id) ?? str(caller.clientId);
    const role = clipText(caller.role, AUDIT_LIMITS.code);
    const ura = caller.organisation?.ura;
    const orgName = str(caller.organisation?.name);
    const userName = str(caller.name);
    const roleCoding = role ? { code: role, system: opts.roleSystem ?? UZI_ROLE_SYSTEM } : undefined;
    actor = userId
      ? actorOf({
          userId,
          userName,
          role: roleCoding,
          ura: ura && /^\d{1,12}$/.test(ura) ? ura : undefined,
          organisationName: orgName,
          clientId: str(caller.clientId),
          // the care worker named in the token is the responsible person (NEN 7513 7.3.6); with Dezi, by Dezi number and verified role
          ...(caller.deziNumber || str(caller.token?.employee_identifier) ? { responsible: { id: userId, ...(userName ? { name: userName } : {}), ...(caller.roleSource === 'dezi' && roleCoding ? { role: roleCoding } : {}) } } : {}),
        })
      : undefined;
    const scope = clipText(caller.token?.scope, AUDIT_LIMITS.scope);
    authorisation = {
      ...(scope ? { scope } : {}),
      ...(opts.authorisationProtocol ? { protocol: opts.authorisationProtocol } : {}),
      ...(str(caller.tokenId) ? { tokenId: str(caller.tokenId) } : {}),
    };
  } else if (caller.type === 'system') {
    actor = opts.internalActor(ev);
    authorisation = opts.authorisationProtocol ? { protocol: opts.authorisationProtocol } : undefined;
  }
  // only the token's SHA-256 is stored: it joins this access to the oauth.token.granted record of the same token
  if (ev.accessToken) authorisation = { ...authorisation, token: ev.accessToken };
  const ctx = currentContext();
  const ids = ev.patient?.id ?? [];
  const base: AuditInput = {
    event,
    actor,
    authorisation,
    object: {
      type: clipText(ev.resourceType, AUDIT_LIMITS.type) ?? 'Bundle',
      ...(clipText(ev.id) ? { id: clipText(ev.id) } : {}),
      ...(ev.query !== undefined ? { query: clipText(ev.query, AUDIT_LIMITS.query) ?? '' } : {}),
      description: clipText(`${ev.surface} /fhir${ids.length ? `; Patient ${ids.join(', ')}` : ''}`, AUDIT_LIMITS.description),
    },
    ...(opts.consentProfile ? { consent: { profile: opts.consentProfile } } : {}),
    outcome: outcomeOf(ev.outcome),
    requestId: ev.requestId ?? ctx?.requestId,
    ...(ev.traceId ? { traceId: ev.traceId } : {}),
  };
  // only a 9-digit BSN names a patient in the record; the pipeline validates a BSN before use, this guards stored data
  const bsns = (ev.patient?.bsn ?? []).filter((b) => /^\d{9}$/.test(b));
  return bsns.length ? bsns.map((bsn) => ({ ...base, patient: { bsn } })) : [base];
}

/** The FHIR server's audit port, backed by this log. Rejects (→ 503, no data) when any record cannot be stored. */
export function fhirAuditHook(recorder: AuditRecorder, opts: FhirHookOptions): { record(event: FhirAccessEvent): Promise<void> } {
  return {
    async record(event) {
      await Promise.all(fhirAccessToAuditInputs(event, opts).map((input) => recorder.record(input)));
    },
  };
}
