// Discovery public API (/discovery): the RFC022 server, where holders register presentations and clients fetch them.
import { Router } from 'express';
import { jsonBody } from '../../core/http.js';
import { invalidInput } from '../../core/errors.js';
import type { DiscoveryEngine } from '../module.js';

export function discoveryServerRouter(d: DiscoveryEngine): Router {
  const r = Router();
  r.get('/:serviceID', async (req, res) => {
    const ts = req.query.timestamp;
    if (ts !== undefined && (typeof ts !== 'string' || !/^\d+$/.test(ts))) throw invalidInput('timestamp must be a non-negative integer');
    res.json(await d.server.presentations(req.params.serviceID as string, ts === undefined ? 0 : Number(ts)));
  });
  r.post('/:serviceID', jsonBody(), async (req, res) => {
    await d.server.register(req.params.serviceID as string, req.body);
    res.status(201).end();
  });
  return r;
}
