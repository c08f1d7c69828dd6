// Audit errors: an incomplete record is the caller's bug (400 on the API), an unwritable log refuses the request (503).
import type { Response } from 'express';
import { NodeError, writeError } from '../core/errors.js';

export type AuditErrorReason = 'missing_actor' | 'missing_purpose' | 'missing_outcome_description' | 'invalid_action' | 'invalid_record' | 'log_unavailable';

export class AuditError extends NodeError {
  constructor(
    readonly reason: AuditErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(reason === 'log_unavailable' ? 'unavailable' : 'invalid_input', message, options);
    this.name = 'NodeError';
  }
}

export const AUDIT_UNAVAILABLE_MESSAGE = 'the access log (NEN 7513) cannot be written; the request is refused and no data was sent';

/** True when `err` means the log could not be written, so the caller must answer 503 and send no data. */
export function isAuditUnavailable(err: unknown): boolean {
  return err instanceof AuditError && err.reason === 'log_unavailable';
}

/** Writes the 503 OperationOutcome a FHIR endpoint answers when its access record could not be stored. */
export function auditFailure503(res: Response): void {
  writeError(res, 'fhir', 503, AUDIT_UNAVAILABLE_MESSAGE, { fhirCode: 'transient' });
}
