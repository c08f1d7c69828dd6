// Routes of the OpenID4VP user flow: public /oauth2/{subject}/… (OAuth dialect), the OpenID entity configuration, and the internal request-user-access-token / accesstoken/{sessionID}.
import express, { Router, type Request, type Response } from 'express';
import { BODY_LIMIT, jsonBody, sendJson } from '../../core/http.js';
import { invalidInput } from '../../core/errors.js';
import type { CryptoService } from '../../crypto/index.js';
import type { SubjectService } from '../../vdr/index.js';
import { oauthError } from '../errors.js';
import type { AuthorizationServer } from '../server.js';
import { SESSION_COOKIE, clientMetadata, type OpenId4Vp } from './index.js';
import { JAR_TYPE } from './jar.js';

const DISABLED = 'the authorization endpoint is disabled on this node (auth.authorizationEndpoint.enabled; nuts.yaml auth.authorizationendpoint.enabled)';
const form = express.urlencoded({ extended: false, limit: BODY_LIMIT });
const subjectOf = (req: Request) => req.params.subject as string;

function cookieSid(req: Request): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=') || undefined;
  }
  return undefined;
}

function redirect(res: Response, location: string): void {
  // a bare 302 as upstream answers (no HTML body)
  res.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': '0' }).end();
}

/** Mounted at /oauth2 beside the token routes. `flow` is absent when the authorization endpoint is disabled. */
export function openid4vpPublicRouter(flow: OpenId4Vp | undefined, server: AuthorizationServer): Router {
  const r = Router();
  const need = (): OpenId4Vp => {
    if (!flow) throw oauthError('invalid_request', DISABLED);
    return flow;
  };
  r.get('/:subject/oauth-client', async (req, res) => {
    res.json(clientMetadata(await server.metadata(subjectOf(req))));
  });
  r.get('/:subject/user', async (req, res) => {
    const subject = subjectOf(req);
    const { location, sid } = await need().client.userLanding(subject, req.query.token, cookieSid(req));
    const secure = new URL(server.issuerUrl(subject)).protocol === 'https:';
    res.append('set-cookie', `${SESSION_COOKIE}=${sid}; Path=/oauth2/${encodeURIComponent(subject)}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
    redirect(res, location);
  });
  r.get('/:subject/authorize', async (req, res) => {
    redirect(res, await need().authorize(subjectOf(req), req.query as Record<string, unknown>, cookieSid(req)));
  });
  const requestObject = (method: 'get' | 'post') => async (req: Request, res: Response) => {
    const nonce = method === 'post' ? (req.body as Record<string, unknown> | undefined)?.wallet_nonce : undefined;
    const jwt = await need().jar.serve(subjectOf(req), req.params.id as string, method, typeof nonce === 'string' ? nonce : undefined);
    res.setHeader('cache-control', 'no-store');
    res.type(`application/${JAR_TYPE}`).send(jwt);
  };
  r.get('/:subject/request.jwt/:id', requestObject('get'));
  r.post('/:subject/request.jwt/:id', form, requestObject('post'));
  r.post('/:subject/response', (req, _res, next) => {
    if (req.is('application/x-www-form-urlencoded') !== 'application/x-www-form-urlencoded') return next(oauthError('invalid_request', 'the authorization response must be application/x-www-form-urlencoded (direct_post)'));
    next();
  }, form, async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 200, await need().verifier.response(subjectOf(req), (req.body ?? {}) as Record<string, unknown>));
  });
  r.get('/:subject/callback', async (req, res) => {
    redirect(res, await need().client.callback(subjectOf(req), req.query as Record<string, unknown>, cookieSid(req)));
  });
  return r;
}

/**
 * Mounted at /.well-known/openid-configuration: the OpenID Federation entity statement OpenID4VP's entity_id scheme
 * refers to, signed by the subject's key (application/entity-statement+jwt).
 */
export function openidConfigurationRouter(server: AuthorizationServer, subjects: SubjectService, crypto: CryptoService, clock: () => number): Router {
  const r = Router();
  r.get('/oauth2/:subject', async (req, res) => {
    const subject = subjectOf(req);
    const provider = await server.metadata(subject);
    const key = await subjects.signingKey(subject);
    const { publicJwk } = await crypto.publicKey(key.kid);
    const issuer = server.issuerUrl(subject);
    const now = Math.floor(clock() / 1000);
    const claims = { iss: issuer, sub: issuer, iat: now, exp: now + 3600, jwks: { keys: [{ ...publicJwk, kid: key.kid }] }, metadata: { openid_provider: provider, openid_relying_party: clientMetadata(provider) } };
    res.type('application/entity-statement+jwt').send(await crypto.signJwt(claims, key.kid, { headerKid: key.kid, header: { typ: 'entity-statement+jwt' } }));
  });
  return r;
}

/** Internal: request-user-access-token, request-credential and accesstoken/{sessionID} (problem dialect). */
export function openid4vpInternalRouter(flow: OpenId4Vp | undefined): Router {
  const r = Router();
  r.post('/v2/:subject/request-user-access-token', jsonBody(), async (req, res) => {
    if (!flow) throw invalidInput(DISABLED);
    res.json(await flow.client.requestUserAccessToken(subjectOf(req), req.body));
  });
  r.post('/v2/:subject/request-credential', jsonBody(), async (req, res) => {
    if (!flow) throw invalidInput(DISABLED);
    res.json(await flow.issuance.requestCredential(subjectOf(req), req.body));
  });
  r.get('/v2/accesstoken/:sessionID', async (req, res) => {
    if (!flow) throw invalidInput(DISABLED);
    res.setHeader('cache-control', 'no-store');
    res.json(await flow.client.retrieveAccessToken(req.params.sessionID as string));
  });
  return r;
}
