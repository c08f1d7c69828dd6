// Crypto v1 internal API (nuts-node compatible subset): sign a JWT or JWS with a key the node holds.
import { Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../../core/http.js';
import { parseBody } from '../../core/validation.js';
import type { CryptoService } from '../service.js';

const SignJwtRequest = z.object({ kid: z.string().min(1), claims: z.record(z.string(), z.unknown()), headers: z.record(z.string(), z.unknown()).optional() });
const SignJwsRequest = z.object({
  kid: z.string().min(1),
  headers: z.record(z.string(), z.unknown()).optional(),
  payload: z.string().describe('base64-encoded payload'),
  detached: z.boolean().optional(),
});

export function cryptoRouter(crypto: CryptoService): Router {
  const r = Router();
  r.use(jsonBody());
  r.post('/v1/sign_jwt', async (req, res) => {
    const body = parseBody(SignJwtRequest, req.body);
    const jwt = await crypto.signJwt(body.claims, body.kid, { header: body.headers as Record<string, string> | undefined });
    res.type('text/plain').send(jwt);
  });
  r.post('/v1/sign_jws', async (req, res) => {
    const body = parseBody(SignJwsRequest, req.body);
    const jws = await crypto.signJws(Buffer.from(body.payload, 'base64'), body.kid, { header: body.headers as Record<string, string> | undefined, detached: body.detached });
    res.type('text/plain').send(jws);
  });
  return r;
}
