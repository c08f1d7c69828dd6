// Express adapters for /fhir (public, token) and /internal/fhir (trusted systems): translate HTTP to FhirRequest and back, in JSON or XML.
import express, { type Request, type Response, type Router } from 'express';
import { BODY_LIMIT, internalUserFromHeaders } from '../../core/http.js';
import { FhirFormatError } from '../fhirxml.js';
import type { FhirService } from '../service.js';
import { CONTENT_TYPE, formatOfMime, negotiate, NotAcceptable, parseBody, serialise, type FhirFormat } from './format.js';

const FHIR_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'application/fhir+xml', 'application/xml', 'application/xml+fhir', 'text/xml'];

const outcome = (code: string, diagnostics: string, expression?: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) }] });

function send(res: Response, status: number, body: unknown, format: FhirFormat): void {
  res.status(status).setHeader('content-type', CONTENT_TYPE[format]);
  res.send(serialise(body, format));
}

export function fhirRouter(service: FhirService, surface: 'public' | 'internal', baseUrl: () => string): Router {
  const r = express.Router();
  r.use(express.text({ limit: BODY_LIMIT, type: [...FHIR_TYPES, 'application/x-www-form-urlencoded'] }));
  r.use(async (req: Request, res, next) => {
    try {
      const qIndex = req.originalUrl.indexOf('?');
      const query = qIndex < 0 ? '' : req.originalUrl.slice(qIndex + 1);
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
        send(res, 406, outcome('not-supported', e.message), 'json');
        return;
      }
      if (hasBody && !bodyFormat && !(isForm && req.path.endsWith('/_search'))) {
        send(res, 415, outcome('not-supported', `send the body as application/fhir+json or application/fhir+xml (got ${contentType ?? 'no content type'})`), format);
        return;
      }
      let body: unknown;
      if (bodyFormat && typeof req.body === 'string') {
        try {
          body = parseBody(req.body, bodyFormat);
        } catch (e) {
          if (!(e instanceof FhirFormatError)) throw e;
          send(res, 400, outcome('structure', e.message, e.path || undefined), format);
          return;
        }
      } else if (isForm) body = typeof req.body === 'string' ? req.body : '';
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
        },
        surface,
      );
      for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
      if (out.body === undefined) res.status(out.status).end();
      else send(res, out.status, out.body, format);
    } catch (e) {
      next(e);
    }
  });
  return r;
}
