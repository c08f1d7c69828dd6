// Public OAuth routes of the authorization server: metadata (problem dialect), presentation definition and token (OAuth dialect).
import express, { Router, type Request } from 'express';
import { BODY_LIMIT, sendJson } from '../../core/http.js';
import { oauthError } from '../errors.js';
import type { AuthorizationServer } from '../server.js';

const isForm = (req: Request) => req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
const one = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Mounted at /.well-known/oauth-authorization-server (RFC 8414 "insert" placement). */
export function wellKnownRouter(server: AuthorizationServer): Router {
  const r = Router();
  r.get('/oauth2/:subject', async (req, res) => {
    res.json(await server.metadata(req.params.subject as string));
  });
  return r;
}

/** Mounted at /oauth2. */
export function oauth2Router(server: AuthorizationServer): Router {
  const r = Router();
  r.get('/:subject/presentation_definition', async (req, res) => {
    res.json(await server.presentationDefinition(req.params.subject as string, one(req.query.scope), one(req.query.wallet_owner_type)));
  });
  r.post('/:subject/token', (req, _res, next) => {
    if (!isForm(req)) return next(oauthError('invalid_request', 'token request must be application/x-www-form-urlencoded'));
    next();
  }, express.urlencoded({ extended: false, limit: BODY_LIMIT }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await server.token(
      req.params.subject as string,
      {
        grant_type: one(body.grant_type),
        assertion: one(body.assertion),
        presentation_submission: one(body.presentation_submission),
        scope: one(body.scope),
        client_id: one(body.client_id),
        client_assertion_type: one(body.client_assertion_type),
        client_assertion: one(body.client_assertion),
        code: one(body.code),
        code_verifier: one(body.code_verifier),
        redirect_uri: one(body.redirect_uri),
      },
      { proof: req.header('dpop') },
    );
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 200, result);
  });
  return r;
}
