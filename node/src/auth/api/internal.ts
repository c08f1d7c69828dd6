// Internal Auth v2 API (nuts-node docs/_static/auth/v2.yaml): request-service-access-token, introspection, DPoP helpers.
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { BODY_LIMIT, jsonBody } from '../../core/http.js';
import { invalidInput } from '../../core/errors.js';
import { parseBody } from '../../core/validation.js';
import type { CryptoService } from '../../crypto/index.js';
import type { AuthClient } from '../client.js';
import { createDpopProof, validateDpopProof } from '../dpop.js';
import type { AuthorizationServer } from '../server.js';
import type { SessionStore } from '../store.js';

const DpopRequest = z.object({ htm: z.string().min(1), htu: z.string().url(), token: z.string().min(1) });
const DpopValidateRequest = z.object({ dpop_proof: z.string().min(1), method: z.string().min(1), thumbprint: z.string().min(1), token: z.string().min(1), url: z.string().min(1) });

/** A kid path segment: `did:web:host%3A8080:iam:x%2523k`-style (whole DID encoded) or `did:web:host%3A8080:iam:x%23k`. */
function kidFromPath(req: Request): string {
  const raw = req.path.split('/').pop() ?? '';
  try {
    if (raw.startsWith('did:')) return raw.replace(/%23/gi, '#');
    return decodeURIComponent(raw);
  } catch {
    throw invalidInput('malformed URL-encoding in kid');
  }
}

export interface AuthInternalDeps {
  server: AuthorizationServer;
  client: AuthClient;
  crypto: CryptoService;
  sessions: SessionStore;
  clock: () => number;
}

export function authInternalRouter(d: AuthInternalDeps): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: BODY_LIMIT });
  // RFC 7662 takes a form; as nuts-node, anything without a readable token (empty, another content type) is simply
  // not an active token: 200 {"active": false}, never an error that tells the caller more
  for (const [path, extended] of [['/v2/accesstoken/introspect', false], ['/v2/accesstoken/introspect_extended', true]] as const) {
    r.post(path, form, async (req, res) => {
      const isForm = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
      const token = isForm ? (req.body as Record<string, unknown> | undefined)?.token : undefined;
      if (typeof token !== 'string' || !token) return void res.json({ active: false });
      const { reason: _reason, ...result } = await d.server.introspect(token, extended);
      res.json(result);
    });
  }

  r.post('/v2/dpop/validate', jsonBody(), async (req, res) => {
    const b = parseBody(DpopValidateRequest, req.body);
    const r2 = await validateDpopProof(b.dpop_proof, { method: b.method, url: b.url, token: b.token, thumbprint: b.thumbprint }, d.sessions, d.clock);
    res.json(r2.valid ? { valid: true } : { valid: false, reason: r2.reason });
  });

  r.post('/v2/dpop/:kid', jsonBody(), async (req, res) => {
    const kid = kidFromPath(req);
    const b = parseBody(DpopRequest, req.body);
    await d.crypto.publicKey(kid);
    res.json({ dpop: await createDpopProof(d.crypto, kid, b, d.clock) });
  });

  r.post('/v2/:subject/request-service-access-token', jsonBody(), async (req, res) => {
    const noCache = /no-cache/i.test(req.header('cache-control') ?? '');
    res.json(await d.client.requestServiceAccessToken(req.params.subject as string, req.body, { noCache }));
  });
  return r;
}
