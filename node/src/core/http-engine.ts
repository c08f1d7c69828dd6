// The HTTP engine: the public and internal Express apps, their route families, and the two listeners.
import type { Server } from 'node:http';
import type { Express, RequestHandler, Router } from 'express';
import { closeServer, createApp, listen, monitoringRoutes, mountFamily } from './http.js';
import { TokenBuckets, rateLimiter } from './ratelimit.js';
import type { Engine, EngineSet } from './engine.js';
import type { Logger } from './logger.js';
import { envNameFor, publicBaseUrl, type NodeConfig } from './config.js';
import { errorHandler, unknownRoute, type ErrorDialect } from './errors.js';

interface Mount {
  prefix: string;
  router: Router;
  dialect: ErrorDialect;
}

/** HTTP engine: listens on the public and internal ports once every other engine has started. */
export class HttpEngine implements Engine {
  readonly name = 'http';
  readonly publicApp: Express;
  readonly internalApp: Express;
  private readonly publicMounts: Mount[] = [];
  private readonly internalMounts: Mount[] = [];
  private servers: Server[] = [];
  publicPort?: number;
  internalPort?: number;

  constructor(
    private readonly config: NodeConfig,
    private readonly logger: Logger,
    private readonly engines: () => EngineSet,
    /** the node's version, shown by the monitoring routes */
    private readonly version: string,
  ) {
    this.publicApp = createApp(logger);
    this.internalApp = createApp(logger, 'internal');
  }

  mountPublic(prefix: string, router: Router, dialect: ErrorDialect): void {
    this.publicMounts.push({ prefix, router, dialect });
  }

  mountInternal(prefix: string, router: Router, dialect: ErrorDialect = 'problem'): void {
    this.internalMounts.push({ prefix, router, dialect });
  }

  private mountAll(app: Express, mounts: Mount[], before: RequestHandler[] = []): void {
    app.use(monitoringRoutes(this.engines(), () => ({ name: this.config.name, url: publicBaseUrl(this.config, this.publicPort), organization: this.config.organization, version: this.version, uptimeSeconds: Math.round(process.uptime()) })));
    // most specific prefix first, so a family's unknown-route fallback never hides another family
    for (const m of [...mounts].sort((a, b) => b.prefix.length - a.prefix.length)) mountFamily(app, m.prefix, m.router, m.dialect, this.logger, before);
    app.use(unknownRoute('problem'), errorHandler('problem', this.logger));
  }

  async start(): Promise<void> {
    // one bucket per client for the whole public port, answered in the dialect of the family it asked (monitoring
    // exempt); wall-clock time, not the node's injectable domain clock: a test's frozen clock must not freeze refills
    this.mountAll(this.publicApp, this.publicMounts, [rateLimiter(new TokenBuckets(this.config.http.rateLimit))]);
    this.mountAll(this.internalApp, this.internalMounts);
    const pub = await listenAs(this.publicApp, this.config.http.public, 'http.public.port');
    this.servers.push(pub.server);
    this.publicPort = pub.port;
    const int = await listenAs(this.internalApp, this.config.http.internal, 'http.internal.port');
    this.servers.push(int.server);
    this.internalPort = int.port;
    this.logger.info({ public: pub.port, internal: int.port }, 'listening');
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map(closeServer));
    this.servers = [];
  }
}

/**
 * A port in use is a configuration problem: the error names the key (flag and environment variable) that moves it.
 * A plain Error, not a NodeError: its `code` is the errno 'EADDRINUSE' callers test for, not one of the node's
 * HTTP error codes, and it never reaches an HTTP answer.
 */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(
    readonly address: string,
    readonly port: number,
    readonly key: string,
  ) {
    super(`port ${port} on ${address} is in use (EADDRINUSE): choose another with --${key}=<port> (or ${envNameFor(key)})`);
    this.name = 'PortInUseError';
  }
}

async function listenAs(app: Express, at: { address: string; port: number }, key: string) {
  try {
    return await listen(app, at.address, at.port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(at.address, at.port, key);
    throw e;
  }
}
