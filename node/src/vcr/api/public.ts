// Public status-list routes: StatusList2021Credential (JSON-LD) and BitstringStatusListCredential (JWT) per issuer and page.
import express, { type Router } from 'express';
import type { RevocationService } from '../revocation.js';

/** `maxAgeSeconds`: the Cache-Control max-age verifiers get, i.e. how late they may learn of a revocation (vcr.statusList.maxAgeSeconds). */
export function statusListRouter(revocation: RevocationService, maxAgeSeconds: number): Router {
  const r = express.Router();
  r.get('/bitstring/:did/:page', async (req, res) => {
    const vc = await revocation.hostedList('BitstringStatusList', req.params.did as string, Number(req.params.page));
    res.set('cache-control', `max-age=${maxAgeSeconds}`).type('application/vc+jwt').send(vc as string);
  });
  r.get('/:did/:page', async (req, res) => {
    const vc = await revocation.hostedList('StatusList2021', req.params.did as string, Number(req.params.page));
    res.set('cache-control', `max-age=${maxAgeSeconds}`).json(vc);
  });
  return r;
}
