// Public status-list routes: StatusList2021Credential (JSON-LD) and BitstringStatusListCredential (JWT) per issuer and page.
import express, { type Router } from 'express';
import type { RevocationService } from '../revocation.js';

export function statusListRouter(revocation: RevocationService): Router {
  const r = express.Router();
  r.get('/bitstring/:did/:page', async (req, res) => {
    const vc = await revocation.hostedList('BitstringStatusList', req.params.did as string, Number(req.params.page));
    res.type('application/vc+jwt').send(vc as string);
  });
  r.get('/:did/:page', async (req, res) => {
    res.json(await revocation.hostedList('StatusList2021', req.params.did as string, Number(req.params.page)));
  });
  return r;
}
