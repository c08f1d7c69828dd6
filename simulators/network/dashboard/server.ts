// Dashboard HTTP server: static page, browser modules transpiled from TypeScript on request, JSON API over injected functions, SSE flow events.
import express, { type Request, type Response, type NextFunction } from 'express';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { packagePath, crossSiteRefusal } from '../../../node/src/core/index.js';
import type { DashboardOptions, FlowResult, FlowStepEvent } from './types.js';

// Browser modules: compiled .js next to this file in a build (dist/), else the TypeScript sources (a clone, run through tsx).
const UI_DIR = path.join(import.meta.dirname, 'ui');
const PUBLIC_DIR = packagePath('simulators', 'network', 'dashboard', 'public');

export interface Dashboard {
  app: express.Express;
  /** starts listening; port 0 picks a free one */
  listen(port?: number, host?: string): Promise<{ url: string; close(): Promise<void> }>;
  /** sends an event to every open /events stream (e.g. 'audit' after the coordinator's own writes) */
  broadcast(event: string, data: unknown): void;
}

class BadRequest extends Error {}

/** request bodies of the dashboard API are a few fields */
const BODY_LIMIT = '100kb';

/** Builds the dashboard around injected functions, so the same server runs on fakes (dev, tests) and on the real network. */
export function createDashboard(opts: DashboardOptions): Dashboard {
  const app = express();
  app.disable('x-powered-by');
  // the dashboard switches scenarios and shows audit logs: its API answers its own page only, never another site's
  app.use((req, res, next) => {
    const why = crossSiteRefusal(req);
    if (why) return void res.status(403).type('application/problem+json').json({ title: 'Forbidden', status: 403, detail: why });
    next();
  });
  const streams = new Set<Response>();
  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  const moduleCache = new Map<string, string>();
  const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

  app.get('/', wrap(async (_req, res) => {
    const html = await readFile(path.join(PUBLIC_DIR, 'index.html'), 'utf8');
    res.type('html').send(html.replaceAll('{{title}}', escapeHtml(opts.title ?? 'nuts-lsp-lab')));
  }));
  app.get('/styles.css', wrap(async (_req, res) => void res.type('css').send(await readFile(path.join(PUBLIC_DIR, 'styles.css'), 'utf8'))));
  // Browser modules are plain TypeScript next to this file; esbuild strips the types once per file and process.
  app.get(/^\/ui\/([a-z-]+)\.js$/, wrap(async (req, res) => {
    const name = (req.params as unknown as string[])[0]!;
    let code = moduleCache.get(name);
    if (code === undefined) {
      const built = await readFile(path.join(UI_DIR, `${name}.js`), 'utf8').catch(() => undefined);
      if (built !== undefined) code = built;
      else {
        let source: string;
        try {
          source = await readFile(path.join(UI_DIR, `${name}.ts`), 'utf8');
        } catch {
          res.status(404).type('text').send('not found');
          return;
        }
        // esbuild comes with tsx (a devDependency): only a clone transpiles, an installed build serves the .js above
        const { transform } = await import('esbuild');
        code = (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: `${name}.ts` })).code;
      }
      moduleCache.set(name, code);
    }
    res.type('text/javascript').send(code);
  }));
  app.get('/health', (_req, res) => void res.json({ status: 'UP' }));

  app.get('/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      streams.delete(res);
    });
  });

  // every API write is JSON: a text/plain or form post (what a page may send cross-site without asking) is refused
  app.use('/api', (req, res, next) => {
    if (req.method !== 'POST' || req.is('application/json')) return next();
    res.status(415).type('application/problem+json').json({ title: 'Unsupported Media Type', status: 415, detail: `send application/json (got ${req.headers['content-type']?.slice(0, 100) ?? 'no content type'})` });
  });
  app.use('/api', express.json({ limit: BODY_LIMIT }));
  app.get('/api/network', wrap(async (_req, res) => void res.json(await opts.network())));
  app.post('/api/flow', wrap(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.careWorkerId !== 'string' || !body.careWorkerId) throw new BadRequest('careWorkerId is required');
    if (typeof body.bsn !== 'string' || !/^\d{9}$/.test(body.bsn)) throw new BadRequest('bsn must be 9 digits');
    const runId = typeof body.runId === 'string' && /^[\w-]{1,64}$/.test(body.runId) ? body.runId : randomUUID();
    const started = performance.now();
    broadcast('flow-start', { runId, careWorkerId: body.careWorkerId, bsn: body.bsn });
    const emit = (step: Omit<FlowStepEvent, 'runId' | 'at'>) => broadcast('flow-step', { ...step, runId, at: new Date().toISOString() } satisfies FlowStepEvent);
    let result: FlowResult;
    try {
      const r = await opts.runFlow({ careWorkerId: body.careWorkerId, bsn: body.bsn, runId }, emit);
      result = { ...r, runId, durationMs: Math.round(performance.now() - started) };
    } catch (e) {
      // A crash in the wiring is shown as a failed flow, not a dead page.
      result = { runId, ok: false, failure: { step: 'ecd', code: 'internal', reason: (e as Error).message }, durationMs: Math.round(performance.now() - started) };
    }
    broadcast('flow-end', result);
    res.json(result);
  }));
  app.get('/api/scenarios', wrap(async (_req, res) => void res.json(await opts.scenarios.list())));
  app.post('/api/scenarios/:name', wrap(async (req, res) => {
    const name = String(req.params.name);
    if (!/^[\w-]{1,64}$/.test(name)) throw new BadRequest('scenario name must be letters, digits, - or _');
    const r = await opts.scenarios.apply(name);
    broadcast('scenario', { name, ...r });
    res.status(r.ok ? 200 : 404).json(r);
  }));
  app.get('/api/audit', wrap(async (_req, res) => void res.json(await opts.audit.view())));
  app.get('/api/audit/patient/:bsn', wrap(async (req, res) => {
    if (!/^\d{9}$/.test(String(req.params.bsn))) throw new BadRequest('bsn must be 9 digits');
    res.json(await opts.audit.patient(String(req.params.bsn), pageOf(req.query as Record<string, unknown>)));
  }));
  app.use('/api', (_req, res) => void res.status(404).type('application/problem+json').json({ title: 'not found', status: 404 }));
  app.use((err: Error & { status?: number; type?: string; expose?: boolean }, _req: Request, res: Response, _next: NextFunction) => {
    // the body parser's own refusals (too large 413, bad gzip or JSON 400, unknown encoding 415) are the caller's fault
    const parserStatus = err.expose !== false && typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : undefined;
    const status = err instanceof BadRequest ? 400 : parserStatus ?? 502;
    const detail =
      status === 413 ? `request body exceeds the ${BODY_LIMIT} limit` : err.type === 'request.aborted' || err.type === 'stream.encoding.set' ? 'request body could not be read' : status < 500 ? err.message : `the network did not answer: ${err.message}`;
    res.status(status).type('application/problem+json').json({ title: status === 413 ? 'payload too large' : status < 500 ? 'bad request' : 'upstream error', status, detail });
  });

  return {
    app,
    broadcast,
    listen(port = 8000, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        // express 5 also calls back with the error (a busy port): reject then, never read a null address
        const server: Server = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          const addr = server.address() as AddressInfo;
          resolve({
            url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
            close: () =>
              new Promise<void>((r) => {
                for (const s of streams) s.end();
                streams.clear();
                server.close(() => r());
                server.closeAllConnections();
              }),
          });
        });
        server.on('error', reject);
      });
    },
  };
}

/** `?offset=&limit=` of the patient overview (limit 1..100, default 10). */
function pageOf(q: Record<string, unknown>): { offset: number; limit: number } {
  const int = (name: string, min: number, max: number, dflt: number) => {
    if (q[name] === undefined) return dflt;
    const n = Number(q[name]);
    if (typeof q[name] !== 'string' || !Number.isInteger(n) || n < min || n > max) throw new BadRequest(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  return { offset: int('offset', 0, 1_000_000, 0), limit: int('limit', 1, 100, 10) };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
