// Express adapters for /fhir (public, token) and /internal/fhir (trusted systems): translate HTTP to FhirRequest and back.
import express, { type Request, type Router } from 'express';
import { BODY_LIMIT } from '../../core/http.js';
import type { FhirService } from '../service.js';

const FHIR_JSON = ['application/fhir+json', 'application/json', 'application/json+fhir'];

export function fhirRouter(service: FhirService, surface: 'public' | 'internal', baseUrl: () => string): Router {
  const r = express.Router();
  r.use(express.json({ limit: BODY_LIMIT, type: FHIR_JSON, strict: false }));
  r.use(express.text({ limit: BODY_LIMIT, type: 'application/x-www-form-urlencoded' }));
  r.use(async (req: Request, res, next) => {
    try {
      if (['POST', 'PUT'].includes(req.method) && req.headers['content-length'] !== '0' && req.body === undefined && !req.path.endsWith('/_search')) {
        res.status(415).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: `send the body as application/fhir+json (got ${req.headers['content-type'] ?? 'no content type'})` }] }));
        return;
      }
      const qIndex = req.originalUrl.indexOf('?');
      const out = await service.handle(
        {
          method: req.method,
          path: req.path.replace(/^\/+/, ''),
          query: qIndex < 0 ? '' : req.originalUrl.slice(qIndex + 1),
          body: req.body,
          headers: { authorization: req.header('authorization'), dpop: req.header('dpop'), prefer: req.header('prefer') },
          url: `${baseUrl()}${req.originalUrl.split('?')[0]!.replace(/^\/internal\/fhir/, '/fhir')}`,
        },
        surface,
      );
      for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
      if (out.body === undefined) res.status(out.status).end();
      else res.status(out.status).type('application/fhir+json').send(JSON.stringify(out.body));
    } catch (e) {
      next(e);
    }
  });
  return r;
}
