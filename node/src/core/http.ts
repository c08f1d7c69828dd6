// The node's two HTTP surfaces (public and internal): request context, body limits, monitoring routes, listen/close.
import express, { type Express, type RequestHandler, type Response, type Router } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contextFromHeaders, currentContext, formatTraceparent, runWithContext } from './context.js';
import type { EngineSet } from './engine.js';
import { errorHandler, unknownRoute, type ErrorDialect } from './errors.js';
import type { Logger } from './logger.js';

export const BODY_LIMIT = '1mb';

/** Request id + traceparent: accepted from the caller or created, returned on the response, kept in the async context. */
export const requestContext: RequestHandler = (req, res, next) => {
  const ctx = contextFromHeaders(req.header('traceparent'), req.header('x-request-id'));
  if (req.socket.remoteAddress) ctx.clientAddress = req.socket.remoteAddress;
  res.setHeader('x-request-id', ctx.requestId);
  res.setHeader('traceparent', formatTraceparent(ctx));
  runWithContext(ctx, () => next());
};

/** On the internal port the organisation's own system may say which person acts (X-User-Id/-Name/-Role, X-Organisation-Ura). */
export const internalUser: RequestHandler = (req, _res, next) => {
  const id = req.header('x-user-id');
  const ctx = currentContext();
  if (ctx && id && /^[\w.:@-]{1,128}$/.test(id)) ctx.actor = { type: 'user', id, name: req.header('x-user-name')?.slice(0, 200), role: req.header('x-user-role')?.slice(0, 64), ura: req.header('x-organisation-ura')?.slice(0, 12) };
  next();
};

export function createApp(logger: Logger, kind: 'public' | 'internal' = 'public'): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.use(requestContext);
  if (kind === 'internal') app.use(internalUser);
  app.use((req, res, next) => {
    // a listener and a clock read per request only when the line would be written
    if (!logger.isLevelEnabled('debug')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'http');
    });
    next();
  });
  return app;
}

/**
 * JSON body parser with the node-wide 1 MB limit. By default any content type is read as JSON, so that
 * `curl -d '{…}'` (which sends application/x-www-form-urlencoded) works against the internal API.
 */
export function jsonBody(types?: string[]): RequestHandler {
  return express.json({ limit: BODY_LIMIT, type: types ?? (() => true), strict: false });
}

/**
 * A JSON answer written straight to the socket: express's res.json (content-type negotiation, freshness, ETag
 * logic) costs more than the rest of a request's HTTP handling on the token endpoint's hot path.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** Mounts a route family with its error dialect and an unknown-route fallback in that dialect. */
export function mountFamily(app: Express, prefix: string, router: Router, dialect: ErrorDialect, logger: Logger): void {
  app.use(prefix, router, unknownRoute(dialect), errorHandler(dialect, logger));
}

/** GET /health (aggregated engine health, 503 when any is down) and GET /status, as nuts-node has them. */
export function monitoringRoutes(engines: EngineSet, info: () => Record<string, unknown>): Router {
  const r = express.Router();
  r.get('/health', async (_req, res) => {
    const h = await engines.health();
    res.status(h.status === 'UP' ? 200 : 503).json(h);
  });
  r.get('/status', (_req, res) => {
    res.type('text/plain').send('OK');
  });
  r.get('/status/diagnostics', async (_req, res) => {
    const h = await engines.health();
    res.json({ ...info(), health: h });
  });
  return r;
}

export async function listen(app: Express, address: string, port: number): Promise<{ server: Server; port: number }> {
  return await new Promise((resolve, reject) => {
    const server = app.listen(port, address, (err?: Error) => {
      if (err) return reject(err);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
    server.on('error', reject);
  });
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

/**
 * Reads a response body as text and, when it is JSON, parsed; `json` is undefined for an empty or non-JSON body, so
 * each caller decides what an unparseable answer means.
 */
export async function readBody(res: globalThis.Response): Promise<{ text: string; json: unknown }> {
  const text = await res.text();
  if (!text) return { text, json: undefined };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: undefined };
  }
}
