// The express adapter both FHIR surfaces share (api/internal.ts, api/public.ts): HTTP to FhirRequest and back, in JSON or XML.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { BODY_LIMIT, internalUserFromHeaders } from '../../core/http.js';
import { FhirFormatError, NotAcceptable } from '../errors.js';
import type { FhirService } from '../service.js';
import { CONTENT_TYPE, formatOfMime, negotiate, parseBody, serialise, type FhirFormat } from './format.js';

const FHIR_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'application/fhir+xml', 'application/xml', 'application/xml+fhir', 'text/xml'];

function send(res: Response, status: number, payload: string, format: FhirFormat): void {
  res.status(status).setHeader('content-type', CONTENT_TYPE[format]);
  res.send(payload);
}

/** The answer format and the body as the pipeline takes them; what cannot be served as sent becomes a body problem. */
function readRequest(req: Request, query: string, problem: BodyProblem | undefined): { format: FhirFormat; body: unknown; bodyProblem: BodyProblem | undefined } {
  let bodyProblem = problem;
  const formatParam = new URLSearchParams(query).get('_format') ?? undefined;
  const contentType = req.header('content-type');
  const hasBody = ['POST', 'PUT'].includes(req.method) && req.headers['content-length'] !== '0' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
  const isForm = /^application\/x-www-form-urlencoded/i.test(contentType ?? '');
  const bodyFormat = hasBody && !isForm ? formatOfMime(contentType) : undefined;
  let format: FhirFormat;
  try {
    format = negotiate(formatParam, req.header('accept'), bodyFormat);
  } catch (e) {
    if (!(e instanceof NotAcceptable)) throw e;
    format = 'json';
    bodyProblem ??= { status: 406, message: e.message };
  }
  if (!bodyProblem && hasBody && !bodyFormat && !(isForm && req.path.endsWith('/_search'))) {
    bodyProblem = { status: 415, message: `send the body as application/fhir+json or application/fhir+xml (got ${String(contentType ?? 'no content type').slice(0, 100)})` };
  }
  let body: unknown;
  if (!bodyProblem && bodyFormat && typeof req.body === 'string') {
    try {
      body = parseBody(req.body, bodyFormat);
    } catch (e) {
      if (!(e instanceof FhirFormatError)) throw e;
      bodyProblem = { status: 400, message: e.message, ...(e.path ? { expression: e.path } : {}) };
    }
  } else if (isForm) body = typeof req.body === 'string' ? req.body : '';
  return { format, body, bodyProblem };
}

/** A router serving `service` on one surface; which caller it reads from the request is the surface's (see internal.ts, public.ts). */
export function fhirAdapter(service: FhirService, surface: 'public' | 'internal', baseUrl: () => string): Router {
  const r = express.Router();
  r.use(keepBodyProblem(express.text({ limit: BODY_LIMIT, type: [...FHIR_TYPES, 'application/x-www-form-urlencoded'] })));
  r.use(async (req: Request, res, next) => {
    try {
      const qIndex = req.originalUrl.indexOf('?');
      const query = qIndex < 0 ? '' : req.originalUrl.slice(qIndex + 1);
      let format: FhirFormat = 'json';
      let body: unknown;
      // what cannot be served (format, body) is still an access attempt: the pipeline refuses it and records it
      let bodyProblem = (req as BodyProblemRequest).fhirBodyProblem;
      let adapterFailure: unknown;
      try {
        ({ format, body, bodyProblem } = readRequest(req, query, bodyProblem));
      } catch (e) {
        // a defect in reading the request is a failure like any other: refused (500) and recorded by the pipeline
        adapterFailure = e;
      }
      const out = await service.handle(
        {
          method: req.method,
          path: req.path.replace(/^\/+/, ''),
          query,
          body,
          headers: { authorization: req.header('authorization'), dpop: req.header('dpop'), prefer: req.header('prefer') },
          url: `${baseUrl()}${req.originalUrl.split('?')[0]!.replace(/^\/internal\/fhir/, '/fhir')}`,
          // who acts is a parameter of the pipeline, read here from the request and nowhere else
          ...(surface === 'internal' ? { internalUser: internalUserFromHeaders((n) => req.header(n)) } : {}),
          ...(bodyProblem ? { bodyProblem } : {}),
          ...(adapterFailure !== undefined ? { adapterFailure } : {}),
          format,
        },
        surface,
      );
      for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
      if (out.body === undefined) res.status(out.status).end();
      else send(res, out.status, out.payload ?? serialise(out.body, format), format);
    } catch (e) {
      next(e);
    }
  });
  return r;
}

type BodyProblem = { status: number; message: string; expression?: string };
type BodyProblemRequest = Request & { fhirBodyProblem?: BodyProblem };

/**
 * A body that cannot be read (too large, wrong charset) is a refused access like any other: it goes to the
 * pipeline, which answers it after authentication and records it, instead of ending in the generic error handler.
 */
function keepBodyProblem(parser: RequestHandler): RequestHandler {
  return (req, res, next) =>
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { status?: number; statusCode?: number; type?: string };
      const status = e.status ?? e.statusCode ?? 400;
      const message = status === 413 ? 'the body is larger than this server accepts' : 'the body cannot be read';
      (req as BodyProblemRequest).fhirBodyProblem = { status: status >= 400 && status < 500 ? status : 400, message };
      next();
    });
}
