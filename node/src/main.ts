// The one composition root: builds every engine with its dependencies, then mounts the HTTP routers last.
import path from 'node:path';
import type { Server } from 'node:http';
import type { Express, Router } from 'express';
import { closeServer, createApp, listen, monitoringRoutes, mountFamily } from './core/http.js';
import { EngineSet, type Engine } from './core/engine.js';
import { createLogger, type Logger } from './core/logger.js';
import { nodeDataDir, publicBaseUrl, type NodeConfig } from './core/config.js';
import type { ErrorDialect } from './core/errors.js';
import { errorHandler, unknownRoute } from './core/errors.js';
import { StoreEngine } from './store/index.js';
import { CryptoEngine, cryptoRouter } from './crypto/index.js';
import { VdrEngine, vdrInternalRouter, vdrPublicRouter } from './vdr/index.js';
import { VcrEngine } from './vcr/index.js';
import { PkiEngine, defaultPkiDir } from './pki/index.js';

export const VERSION = '0.1.0';

export interface NodeDeps {
  clock?: () => number;
  fetch?: typeof fetch;
  logger?: Logger;
}

interface Mount {
  prefix: string;
  router: Router;
  dialect: ErrorDialect;
}

/** HTTP engine: listens on the public and internal ports once every other engine has started. */
class HttpEngine implements Engine {
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
  ) {
    this.publicApp = createApp(logger);
    this.internalApp = createApp(logger);
  }

  mountPublic(prefix: string, router: Router, dialect: ErrorDialect): void {
    this.publicMounts.push({ prefix, router, dialect });
  }

  mountInternal(prefix: string, router: Router, dialect: ErrorDialect = 'problem'): void {
    this.internalMounts.push({ prefix, router, dialect });
  }

  private mountAll(app: Express, mounts: Mount[]): void {
    app.use(monitoringRoutes(this.engines(), () => ({ name: this.config.name, version: VERSION, uptimeSeconds: Math.round(process.uptime()) })));
    // most specific prefix first, so a family's unknown-route fallback never hides another family
    for (const m of [...mounts].sort((a, b) => b.prefix.length - a.prefix.length)) mountFamily(app, m.prefix, m.router, m.dialect, this.logger);
    app.use(unknownRoute('problem'), errorHandler('problem', this.logger));
  }

  async start(): Promise<void> {
    this.mountAll(this.publicApp, this.publicMounts);
    this.mountAll(this.internalApp, this.internalMounts);
    const pub = await listen(this.publicApp, this.config.http.public.address, this.config.http.public.port);
    this.servers.push(pub.server);
    this.publicPort = pub.port;
    const int = await listen(this.internalApp, this.config.http.internal.address, this.config.http.internal.port);
    this.servers.push(int.server);
    this.internalPort = int.port;
    this.logger.info({ public: pub.port, internal: int.port }, 'listening');
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map(closeServer));
    this.servers = [];
  }
}

export interface LabNode {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly engines: EngineSet;
  readonly store: StoreEngine;
  readonly crypto: CryptoEngine;
  readonly vdr: VdrEngine;
  readonly vcr: VcrEngine;
  readonly pki: PkiEngine;
  readonly http: HttpEngine;
  /** public base URL (did:web host, OAuth issuer base) */
  readonly url: string;
  /** base URL of the internal API */
  readonly internalUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function sqlitePathFor(config: NodeConfig): string {
  return config.database.sqlite ?? path.join(nodeDataDir(config), 'node.db');
}

/** Builds a node from validated configuration. Nothing listens until `start()`. */
export function createNode(config: NodeConfig, deps: NodeDeps = {}): LabNode {
  const clock = deps.clock ?? Date.now;
  const logger = deps.logger ?? createLogger({ name: config.name, level: config.log.level });
  let engines: EngineSet;
  const http = new HttpEngine(config, logger, () => engines);
  const baseUrl = () => {
    if (!config.url && config.http.public.port === 0 && http.publicPort === undefined) throw new Error('public URL unknown before the node listens');
    return publicBaseUrl(config, http.publicPort);
  };

  const store = new StoreEngine({ url: config.database.url, schema: config.database.schema, sqlite: config.database.url ? undefined : sqlitePathFor(config) });
  const crypto = new CryptoEngine(store, clock);
  const vdr = new VdrEngine(store, crypto, {
    baseUrl,
    clock,
    keyType: config.crypto.keyType,
    resolver: {
      fetch: deps.fetch,
      httpHosts: config.vdr.httpHosts,
      cacheTtlMs: config.vdr.cacheTtlSeconds * 1000,
      negativeCacheTtlMs: config.vdr.negativeCacheTtlSeconds * 1000,
      fetchTimeoutMs: config.vdr.fetchTimeoutMs,
      staticDir: config.vdr.staticDir,
    },
  });

  const vcr = new VcrEngine(store, crypto, vdr, { clock, fetch: deps.fetch, baseUrl });
  const pki = new PkiEngine(store, vdr, vcr, { clock, trustedRoots: config.vcr.x509.trustedRoots, pkiDir: config.pki.dir ?? defaultPkiDir(config.datadir) });

  // routers: each family mounted with its own error dialect
  http.mountInternal('/internal/crypto', cryptoRouter(crypto.service), 'problem');
  http.mountInternal('/internal/vdr', vdrInternalRouter(vdr.subjects, vdr.resolver), 'problem');
  http.mountPublic('/', vdrPublicRouter(vdr.subjects), 'problem');
  http.mountInternal('/internal/vcr', vcr.internalRouter(), 'problem');
  http.mountPublic('/statuslist', vcr.publicRouter(), 'problem');
  http.mountInternal('/internal/pki', pki.internalRouter(), 'problem');

  engines = new EngineSet([store, crypto, vdr, vcr, pki, http]);

  return {
    config,
    logger,
    engines,
    store,
    crypto,
    vdr,
    vcr,
    pki,
    http,
    get url() {
      return baseUrl();
    },
    get internalUrl() {
      const host = config.http.internal.address === '0.0.0.0' ? '127.0.0.1' : config.http.internal.address;
      return `http://${host.includes(':') ? `[${host}]` : host}:${http.internalPort ?? config.http.internal.port}`;
    },
    async start() {
      await engines.configure();
      await engines.start();
    },
    async stop() {
      await engines.stop();
    },
  };
}
