// Audit port of the FHIR server: one record per interaction, awaited before the response leaves (NEN 7513; sink in the audit module).
import type { Interaction } from './authz.js';
import type { FhirCaller } from './caller.js';

export interface FhirAuditEvent {
  interaction: Interaction;
  /** 'public' = /fhir (token), 'internal' = /internal/fhir (the organisation's own systems) */
  surface: 'public' | 'internal';
  resourceType?: string;
  id?: string;
  /** whose data: BSN and/or Patient id, when known */
  patient?: { bsn?: string[]; id?: string[] };
  /** the query as received, for searches */
  query?: string;
  outcome: { status: number; summary?: string };
  /** who asked (the organisation's own system, a care worker with a verified token, or nobody known), with the authorised patient */
  caller: FhirCaller;
  requestId?: string;
  traceId?: string;
  /** the access token as presented (public surface); the sink must keep only its hash, so records join the token grant */
  accessToken?: string;
}

export interface FhirAuditHook {
  /** Must resolve before the response is sent; a rejection fails the request with 503 and no data. */
  record(event: FhirAuditEvent): Promise<void>;
}

export const noAudit: FhirAuditHook = {
  async record() {},
};
