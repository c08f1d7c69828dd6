// Public did:web endpoints: GET /iam/{id}/did.json (and the unsupported root /.well-known/did.json).
import { Router } from 'express';
import { SUBJECT_ID } from '../didweb.js';
import { notFound } from '../../core/errors.js';
import type { SubjectService } from '../service.js';

export function vdrPublicRouter(subjects: SubjectService): Router {
  const r = Router();
  r.get('/iam/:id/did.json', async (req, res) => {
    const id = req.params.id as string;
    if (!SUBJECT_ID.test(id)) throw notFound(`DID document '${id}' not found`);
    const doc = await subjects.document(id).catch((e: { code?: string }) => {
      if (e.code === 'not_found') throw notFound(`DID document '${id}' not found`);
      throw e;
    });
    res.type('application/json').send(JSON.stringify(doc));
  });
  // as nuts-node's getRootWebDID declares it: a bare 404 ("DID does not exist"), no body
  r.get('/.well-known/did.json', (_req, res) => {
    res.status(404).end();
  });
  return r;
}
