// Error model of the node: one base class with a stable code and an HTTP status, one writer per route family, and the failure of an outgoing request.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'precondition_failed'
  | 'unavailable'
  | 'bad_gateway'
  | 'forbidden'
  | 'unauthorized'
  | 'too_many_requests'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
  bad_gateway: 502,
  unavailable: 503,
};

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Base error of the node. `code` is stable and machine-readable; `message` is safe to show to the caller. */
export class NodeError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NodeError';
    this.status = options?.status ?? STATUS[code];
  }
}

export const invalidInput = (msg: string, cause?: unknown) => new NodeError('invalid_input', msg, { cause });
export const notFound = (msg: string) => new NodeError('not_found', msg);
export const conflict = (msg: string) => new NodeError('conflict', msg);

export function titleFor(status: number): string {
  return TITLE[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}

/** What the HTTP layer knows about a thrown value: status plus a message that may be sent to the caller. */
export interface ClassifiedError {
  status: number;
  message: string;
  code: string;
  /** true when the message is an internal cause that must be logged, not sent */
  internal: boolean;
}

/** Maps anything thrown (NodeError, body-parser errors, TypeErrors) to a status and a safe message. */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof NodeError) return { status: err.status, message: err.message, code: err.code, internal: err.status >= 500 && err.code === 'internal' };
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; expose?: boolean };
  // body-parser / http-errors style errors from express middleware
  if (e && typeof e === 'object' && typeof (e.status ?? e.statusCode) === 'number' && e.expose !== false) {
    const status = (e.status ?? e.statusCode) as number;
    if (e.type === 'entity.too.large') return { status: 413, code: 'payload_too_large', message: 'request body exceeds the 1 MB limit', internal: false };
    if (e.type === 'entity.parse.failed') return { status: 400, code: 'invalid_input', message: `malformed JSON body: ${e.message}`, internal: false };
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return { status: 415, code: 'unsupported_media_type', message: e.message ?? 'unsupported encoding', internal: false };
    if (status >= 400 && status < 500) return { status, code: 'invalid_input', message: e.message ?? titleFor(status), internal: false };
  }
  return { status: 500, code: 'internal', message: 'internal error', internal: true };
}

export type ErrorDialect = 'problem' | 'oauth' | 'fhir';

/** Writes an error in the dialect of a route family. */
export function writeError(res: Response, dialect: ErrorDialect, status: number, message: string, extra?: { oauthError?: string; fhirCode?: string; expression?: string[] }): void {
  if (res.headersSent) return;
  switch (dialect) {
    case 'problem':
      res.status(status).type('application/problem+json').send(JSON.stringify({ title: titleFor(status), status, detail: message }));
      return;
    case 'oauth':
      res
        .status(status)
        .type('application/json')
        .send(JSON.stringify({ error: extra?.oauthError ?? oauthCodeFor(status), error_description: message }));
      return;
    case 'fhir':
      res
        .status(status)
        .type('application/fhir+json')
        .send(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [
              {
                severity: 'error',
                code: extra?.fhirCode ?? fhirCodeFor(status),
                diagnostics: message,
                ...(extra?.expression ? { expression: extra.expression } : {}),
              },
            ],
          }),
        );
      return;
  }
}

function oauthCodeFor(status: number): string {
  if (status === 401) return 'invalid_client';
  // RFC 6749 has no code for a rate limit; temporarily_unavailable is the one clients already retry on
  if (status === 429) return 'temporarily_unavailable';
  if (status === 403) return 'access_denied';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

function fhirCodeFor(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 413:
      return 'too-costly';
    case 415:
      return 'not-supported';
    case 429:
      return 'throttled';
    case 503:
      return 'transient';
    default:
      return status >= 500 ? 'exception' : 'processing';
  }
}

/** Error middleware for a route family: the dialect is chosen where the router is mounted, not in handlers. */
export function errorHandler(dialect: ErrorDialect, logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const c = classifyError(err);
    if (c.internal || c.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    else logger.debug({ code: c.code, method: req.method, path: req.path, detail: c.message }, 'request rejected');
    const extra = err instanceof NodeError ? (err as NodeError & { oauthError?: string; fhirCode?: string; expression?: string[]; retryAfterSeconds?: number }) : undefined;
    if (extra?.retryAfterSeconds && !res.headersSent) res.setHeader('retry-after', String(extra.retryAfterSeconds));
    writeError(res, dialect, c.status, c.message, extra);
  };
}

export const UNKNOWN_ROUTE_TITLE = 'Unknown route';

/** Fallback for paths no router handles, in the family's dialect. */
export function unknownRoute(dialect: ErrorDialect): RequestHandler {
  return (req, res) => {
    const msg = `no route for ${req.method} ${req.originalUrl.split('?')[0]}`;
    if (dialect === 'problem') {
      res.status(404).type('application/problem+json').send(JSON.stringify({ title: UNKNOWN_ROUTE_TITLE, status: 404, detail: msg }));
    } else {
      writeError(res, dialect, 404, msg);
    }
  };
}

/** What went wrong with an outgoing request; `message` has the details for logs and trusted (internal API) callers. */
export type OutgoingFailure = 'refused' | 'unreachable' | 'timeout' | 'too_large' | 'redirect' | 'invalid_url';

export class OutgoingError extends Error {
  constructor(
    readonly kind: OutgoingFailure,
    readonly url: string,
    message: string,
    /** the network error underneath, when there is one (its `code`, e.g. ECONNREFUSED, is for logs) */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'OutgoingError';
  }
}
