// PKI v1 internal API: bind a UZI server certificate to a subject, inspect it, and list the trusted did:x509 roots.
import express, { type Router } from 'express';
import { jsonBody } from '../../core/http.js';
import type { PkiService } from '../service.js';
import type { TrustAnchors } from '../trust.js';

/** What the API serves: the engine's bindings and trusted roots (typed by part, so this file does not import the engine). */
export function pkiInternalRouter(pki: { service: PkiService; trust: TrustAnchors }): Router {
  const r = express.Router();
  r.use(jsonBody());
  r.post('/v1/subjects/:subjectID/certificate', async (req, res) => {
    res.json(await pki.service.bind(req.params.subjectID as string, req.body));
  });
  r.get('/v1/subjects/:subjectID/certificate', async (req, res) => {
    res.json(await pki.service.get(req.params.subjectID as string));
  });
  r.delete('/v1/subjects/:subjectID/certificate', async (req, res) => {
    await pki.service.unbind(req.params.subjectID as string);
    res.status(204).end();
  });
  r.get('/v1/trusted-roots', (_req, res) => {
    res.json(pki.trust.describe());
  });
  return r;
}
