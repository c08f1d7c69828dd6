// Errors of the FHIR server: every refusal is a NodeError with its FHIR status and the OperationOutcome it answers with.
import { NodeError, type ErrorCode } from '../core/errors.js';
import type { OperationOutcomeIssue } from './types.js';

/** The OperationOutcome issue code a status stands for when the thrower names none. */
const ISSUE_CODE: Record<number, string> = { 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 405: 'not-supported', 406: 'not-supported', 409: 'conflict', 412: 'conflict', 413: 'too-costly', 415: 'not-supported', 422: 'processing', 429: 'throttled', 502: 'transient', 503: 'transient' };

/** The node-wide code of a FHIR status (the node's family has no 405/406/422 codes: those are bad input with their own status). */
function nodeCodeOf(status: number): ErrorCode {
  const codes: Record<number, ErrorCode> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 412: 'precondition_failed', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests', 502: 'bad_gateway', 503: 'unavailable' };
  return codes[status] ?? (status >= 500 ? 'internal' : 'invalid_input');
}

export interface FhirErrorFields {
  /** HTTP status of the answer */
  status: number;
  /** safe to show the caller: the OperationOutcome's diagnostics */
  message: string;
  /** OperationOutcome issue code (http://hl7.org/fhir/issue-type); by default the one the status stands for */
  issueCode?: string;
  /** FHIRPath expressions of the element at fault */
  expression?: string[];
  /** the issues to answer with, when one issue does not tell it all (validation, a refusing rule) */
  issues?: OperationOutcomeIssue[];
  /** the challenge of a 401/400 token refusal (WWW-Authenticate) */
  wwwAuthenticate?: string;
  cause?: unknown;
}

/** An interaction that fails with a FHIR status and an OperationOutcome. */
export class FhirError extends NodeError {
  readonly issueCode: string;
  readonly expression?: string[];
  readonly issues?: OperationOutcomeIssue[];
  readonly wwwAuthenticate?: string;

  constructor(f: FhirErrorFields) {
    super(nodeCodeOf(f.status), f.message, { status: f.status, cause: f.cause });
    this.name = 'FhirError';
    this.issueCode = f.issueCode ?? ISSUE_CODE[f.status] ?? (f.status >= 500 ? 'exception' : 'processing');
    if (f.expression) this.expression = f.expression;
    if (f.issues) this.issues = f.issues;
    if (f.wwwAuthenticate) this.wwwAuthenticate = f.wwwAuthenticate;
  }

  /** A refusal as a FhirError: the node's own refusals (an invalid BSN, say) keep status and message; internal failures stay unexpected (undefined). */
  static from(e: unknown): FhirError | undefined {
    if (e instanceof FhirError) return e;
    if (e instanceof NodeError && e.status < 500) return new FhirError({ status: e.status, message: e.message, cause: e });
    return undefined;
  }

  /** The OperationOutcome this error answers with. */
  outcome(): { resourceType: 'OperationOutcome'; issue: OperationOutcomeIssue[] } {
    return { resourceType: 'OperationOutcome', issue: this.issues?.length ? this.issues : [{ severity: 'error', code: this.issueCode, diagnostics: this.message, ...(this.expression ? { expression: this.expression } : {}) }] };
  }
}

/** A search that cannot be run as asked: 400 (404 for a type not searchable here) whose OperationOutcome names the parameter. */
export class SearchError extends FhirError {
  readonly param: string;

  constructor(f: { message: string; param: string; status?: number }) {
    const status = f.status ?? 400;
    super({ status, message: f.message, issueCode: status === 404 ? 'not-supported' : 'invalid', expression: [f.param] });
    this.name = 'SearchError';
    this.param = f.param;
  }
}

/** Bad FHIR XML, or JSON that has no XML form: a 400 with the element's path. */
export class FhirFormatError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** Thrown when no answer format can be agreed on: 406 (answered in JSON, as nothing else was asked for that we have). */
export class NotAcceptable extends Error {}
