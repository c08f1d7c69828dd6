// Adapter for the FHIR resource server's audit port (node/src/fhir/audit.ts): one FHIR interaction becomes one
// NEN 7513 record per patient, stored before the response leaves.
import { currentContext } from '../core/context.js';
import type { AuditEventCode, OutcomeCode } from './events.js';
import type { AuditActor, AuditInput } from './record.js';
import type { AuditRecorder } from './recorder.js';
import type { FhirAuditEvent } from '../fhir/audit.js';

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

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

function outcomeOf(o: FhirAccessEvent['outcome']): AuditInput['outcome'] {
  if (o.status < 400) return { code: '0', httpStatus: o.status };
  const code: OutcomeCode = o.status < 500 ? '4' : '8';
  return { code, description: o.summary ?? `HTTP ${o.status}`, httpStatus: o.status };
}

/** The records one FHIR interaction causes: one per BSN (BALP: one AuditEvent per patient), or one without. */
export function fhirAccessToAuditInputs(ev: FhirAccessEvent, opts: FhirHookOptions): AuditInput[] {
  const event = EVENT_OF[ev.interaction];
  if (!event) return []; // the capability statement concerns no patient data
  let actor: AuditActor | undefined;
  let authorisation: AuditInput['authorisation'];
  if (ev.actor.type === 'user') {
    const c = ev.actor.claims;
    // a Dezi login names the care worker by Dezi number (same namespace as the UZI number) and a verified role
    const dezi = str(c.dezi_nummer);
    const userId = dezi ?? str(c.employee_identifier) ?? str(c.sub) ?? str(c.client_id);
    const roleCode = str(c.employee_role_code);
    const role = roleCode ? { code: roleCode, system: opts.roleSystem ?? 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode' } : undefined;
    const name = str(c.employee_name) ?? (str(c.employee_surname) ? [c.employee_initials, c.employee_surname_prefix, c.employee_surname].map(str).filter(Boolean).join(' ') : undefined);
    const ura = str(c.organization_ura);
    actor = userId
      ? {
          userId,
          ...(name ? { userName: name } : {}),
          ...(role ? { role } : {}),
          ...(ura && /^\d{1,12}$/.test(ura) ? { organisation: { ura, ...(str(c.organization_name) ? { name: str(c.organization_name) } : {}) } } : {}),
          ...(str(c.client_id) ? { clientId: str(c.client_id) } : {}),
          // the care worker named in the token is the responsible person (NEN 7513 7.3.6); with Dezi, by Dezi number and verified role
          ...(dezi || str(c.employee_identifier) ? { responsible: { id: userId, ...(name ? { name } : {}), ...(dezi && role ? { role } : {}) } } : {}),
        }
      : undefined;
    authorisation = {
      ...(str(c.scope) ? { scope: str(c.scope) } : {}),
      ...(opts.authorisationProtocol ? { protocol: opts.authorisationProtocol } : {}),
      ...(str(c.jti) ? { tokenId: str(c.jti) } : {}),
    };
  } else if (ev.actor.type === 'system') {
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
      type: ev.resourceType ?? 'Bundle',
      ...(ev.id ? { id: ev.id } : {}),
      ...(ev.query !== undefined ? { query: ev.query } : {}),
      ...(ids.length ? { description: `${ev.surface} /fhir; Patient ${ids.join(', ')}` } : { description: `${ev.surface} /fhir` }),
    },
    ...(opts.consentProfile ? { consent: { profile: opts.consentProfile } } : {}),
    outcome: outcomeOf(ev.outcome),
    requestId: ev.requestId ?? ctx?.requestId,
    ...(ev.traceId ? { traceId: ev.traceId } : {}),
  };
  const bsns = ev.patient?.bsn ?? [];
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
