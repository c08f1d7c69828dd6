// Discovery internal API (/internal/discovery/v1): the client side, searching services and (de)activating subjects on them.
import { Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../../core/http.js';
import { invalidInput } from '../../core/errors.js';
import { parseBody } from '../../core/validation.js';
import type { DiscoveryEngine } from '../module.js';

const ActivationRequest = z.object({ registrationParameters: z.record(z.string(), z.unknown()).optional() }).optional();

export function discoveryClientRouter(d: DiscoveryEngine): Router {
  const r = Router();
  r.use(jsonBody());
  r.get('/v1', (_req, res) => {
    res.json(d.client.services());
  });
  r.get('/v1/:serviceID', async (req, res) => {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query)) {
      if (typeof v !== 'string') throw invalidInput(`query parameter '${k}' must be given once, as a string`);
      query[k] = v;
    }
    res.json(await d.client.search(req.params.serviceID as string, query));
  });
  r.get('/v1/:serviceID/:subjectID', async (req, res) => {
    res.json(await d.client.activationStatus(req.params.serviceID as string, req.params.subjectID as string));
  });
  r.post('/v1/:serviceID/:subjectID', async (req, res) => {
    const body = parseBody(ActivationRequest, req.body && Object.keys(req.body as object).length ? req.body : undefined);
    await d.client.activate(req.params.serviceID as string, req.params.subjectID as string, body?.registrationParameters ?? {});
    // the own registration is findable right away, as after a refresh
    await d.refreshNow();
    res.status(200).end();
  });
  r.delete('/v1/:serviceID/:subjectID', async (req, res) => {
    const r2 = await d.client.deactivate(req.params.serviceID as string, req.params.subjectID as string);
    if (r2.retracted) res.status(200).end();
    else res.status(202).json({ reason: r2.reason });
  });
  return r;
}
