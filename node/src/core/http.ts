// The node's two HTTP surfaces (public and internal): request context, body limits, monitoring routes, listen/close.
import express, { type Express, type RequestHandler, type Response, type Router } from 'express';
import type { Server } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { contextFromHeaders, currentContext, formatTraceparent, runWithContext } from './context.js';
import type { EngineSet } from './engine.js';
import { NodeError, errorHandler, unknownRoute, writeError, type ErrorDialect } from './errors.js';
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
export function internalUserFromHeaders(header: (name: string) => string | undefined): { id: string; name?: string; role?: string; ura?: string } | undefined {
  const id = header('x-user-id');
  if (!id || !/^[\w.:@-]{1,128}$/.test(id)) return undefined;
  const ura = header('x-organisation-ura');
  return { id, name: header('x-user-name')?.slice(0, 200) || undefined, role: header('x-user-role')?.slice(0, 64) || undefined, ura: ura && /^\d{1,12}$/.test(ura) ? ura : undefined };
}

/** Other internal APIs' records fall back to the person named in these headers (the FHIR pipeline takes them as a parameter instead). */
export const internalUser: RequestHandler = (req, _res, next) => {
  const user = internalUserFromHeaders((n) => req.header(n));
  const ctx = currentContext();
  if (ctx && user) ctx.actor = { type: 'user', ...user };
  next();
};

/**
 * Why a browser request from another site is refused, or undefined when it may pass. A page the developer has open in
 * another tab can make the browser send requests here (form posts, `fetch` in no-cors mode) without reading answers;
 * on APIs that change state that is enough. The browser says where a request comes from (`Sec-Fetch-Site`, `Origin`);
 * programs (the ECD, curl, other nodes) send neither. A top-level navigation (the user opening a link) may pass: GET only.
 */
export function crossSiteRefusal(req: { method: string; header(name: string): string | undefined }): string | undefined {
  const site = req.header('sec-fetch-site');
  const origin = req.header('origin');
  // DNS rebinding: a page of evil.example re-resolved to 127.0.0.1 is "same origin" with itself; a browser may reach
  // these loopback services only by a loopback name or an address, never by a name someone else's DNS controls
  if ((origin !== undefined || site !== undefined) && !isLocalHostHeader(req.header('host'))) return `a browser request for host '${String(req.header('host')).slice(0, 200)}' is refused here; open it as localhost or by its address`;
  const navigation = (req.method === 'GET' || req.method === 'HEAD') && req.header('sec-fetch-mode') === 'navigate';
  if ((site === 'cross-site' || site === 'same-site') && !navigation) return `a ${site} browser request is refused here (Sec-Fetch-Site: ${site})`;
  if (origin === undefined || navigation) return undefined;
  let host: string | undefined;
  try {
    host = origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    host = undefined;
  }
  // same origin = the page was served by this very server (the dashboard's own page calling its API)
  if (!host || host !== req.header('host')) return `requests from origin '${origin.slice(0, 200)}' are refused here; only this server's own pages may call it from a browser`;
  return undefined;
}

function isLocalHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname.endsWith('.localhost') || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0;
}

/** The cross-site refusal as middleware: 403 in the problem dialect, before any route reads the request. */
export const refuseCrossSite: RequestHandler = (req, res, next) => {
  const why = crossSiteRefusal(req);
  if (why) return writeError(res, 'problem', 403, why);
  next();
};

export function createApp(logger: Logger, kind: 'public' | 'internal' = 'public'): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.use(requestContext);
  // the internal API changes state (audit records, credentials, keys) and trusts its caller: never a browser's other tab
  if (kind === 'internal') app.use(refuseCrossSite, internalUser);
  app.use((req, res, next) => {
    // a listener and a clock read per request only when the line would be written
    if (!logger.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // the full path with the mount prefix, never the query string (it carries BSNs and other patient identifiers)
      const path = req.originalUrl.split('?')[0];
      logger.info({ api: kind, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, requestId: res.getHeader('x-request-id') }, 'http');
    });
    next();
  });
  return app;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * JSON body parser with the node-wide 1 MB limit. A body of any other type is refused (415): text/plain and form
 * bodies are what a web page can send cross-site without asking, so reading them as JSON would let any page write.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: BODY_LIMIT, type: JSON_TYPES, strict: false });
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (hasBody && !req.is(JSON_TYPES)) return next(new NodeError('unsupported_media_type', `send the body as application/json (got ${req.headers['content-type']?.slice(0, 100) ?? 'no content type'})`));
    parse(req, res, next);
  };
}

/**
 * A JSON answer written straight to the socket: express's res.json (content-type negotiation, freshness, ETag
 * logic) costs more than the rest of a request's HTTP handling on the token endpoint's hot path.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** Mounts a route family with its error dialect and an unknown-route fallback in that dialect; `before` runs first (e.g. a rate limit). */
export function mountFamily(app: Express, prefix: string, router: Router, dialect: ErrorDialect, logger: Logger, before: RequestHandler[] = []): void {
  app.use(prefix, ...before, router, unknownRoute(dialect), errorHandler(dialect, logger));
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
