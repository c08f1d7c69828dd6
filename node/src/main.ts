// The one composition root: builds every engine with its dependencies, then mounts the HTTP routers last.
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import { EngineSet, type Engine } from './core/engine.js';
import { HttpEngine } from './core/index.js';
import { createLogger, type Logger } from './core/logger.js';
import { nodeDataDir, publicBaseUrl, type NodeConfig } from './core/config.js';
import type { ErrorDialect } from './core/errors.js';
import { StoreEngine } from './store/index.js';
import { CryptoEngine, cryptoRouter } from './crypto/index.js';
import { VdrEngine, vdrInternalRouter, vdrPublicRouter } from './vdr/index.js';
import { DEZI_MAX_RESPONSE_BYTES, VcrEngine } from './vcr/index.js';
import { FhirAuthoriser, FhirEngine, fhirInternalRouter, fhirPublicRouter, SqlFhirRepository, UZI_ROLE_SYSTEM, type FhirCaller, type FhirEngineOptions, type FhirRepository, type AccessTokenVerifier, type ConsentHook, type FhirAuditHook } from './fhir/index.js';
import { actorOf, AuditEngine, auditRouter, CHECKPOINT_KEY_FILE, fhirAuditHook, IN_MEMORY_KEY, type AuditActor } from './audit/index.js';
import { PolicyEngine } from './policy/index.js';
import { AUTH_PROTOCOL, AuthEngine, authInternalRouter, oauth2Router, openid4vpInternalRouter, openid4vpPublicRouter, openidConfigurationRouter, wellKnownRouter } from './auth/index.js';
import { DiscoveryEngine, discoveryClientRouter, discoveryServerRouter } from './discovery/index.js';
import { PkiEngine, TrustAnchors, X509DidMethod, defaultPkiDir } from './pki/index.js';
import { OutgoingHttp } from './core/outgoing.js';

export const VERSION = '0.1.0';
// the package's public face ('.') names the port error its callers catch
export { PortInUseError } from './core/index.js';

export interface NodeDeps {
  clock?: () => number;
  fetch?: typeof fetch;
  logger?: Logger;
  /** /fhir token check; default refuses every token until the auth module's introspection is wired */
  fhirTokenVerifier?: AccessTokenVerifier;
  /** replaces the FHIR backend (the mock LSP's broker) */
  fhirBackend?: FhirEngineOptions['backend'];
  /** audit sink for every FHIR interaction; default none */
  fhirAudit?: FhirAuditHook;
  /** plug-ins built into the node (the mock LSP is one): what they add is added while the node is built, never after */
  plugins?: NodePlugin[];
}

/** The engines every node has, built in this order by createNode. */
export interface CoreEngines {
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly store: StoreEngine;
  readonly crypto: CryptoEngine;
  readonly vdr: VdrEngine;
  readonly vcr: VcrEngine;
  readonly audit: AuditEngine;
  readonly policy: PolicyEngine;
  readonly auth: AuthEngine;
  readonly discovery: DiscoveryEngine;
  readonly pki: PkiEngine;
  /** every outgoing request of this node goes through this (address policy, byte limits, timeouts) */
  readonly outgoing: OutgoingHttp;
}

/** The node as a plug-in sees it while it is built: every core engine, nothing started, no router mounted yet. */
export interface NodeParts extends CoreEngines {
  readonly clock: () => number;
  /** the embedded FHIR store: the node's own resources, whichever backend serves /fhir */
  readonly fhirRepository: FhirRepository;
  /** public base URL (known once the node listens) */
  url(): string;
  /** base URL of the internal API (known once the node listens) */
  internalUrl(): string;
}

interface RouteMount {
  prefix: string;
  router: Router;
  /** error dialect of the family (default problem+json) */
  dialect?: ErrorDialect;
}

/** What a plug-in adds to the node it is built into. */
export interface NodeContribution {
  /** replaces the FHIR backend; one plug-in at most, and not together with NodeDeps.fhirBackend */
  fhirBackend?: FhirEngineOptions['backend'];
  /** THE consent hook of /fhir (default allow-all), one plug-in at most: the pipeline asks it, and so may a backend per holder it fetches from (the LSP's broker, Mitz) */
  fhirConsent?: ConsentHook;
  /** the consent profile the hook applies, named in each FHIR access record (NEN 7513 7.4.8) */
  fhirConsentProfile?: string;
  /** started after the node's own engines and before it listens; stopped in reverse order */
  engines?: Engine[];
  /** started once the node listens (e.g. what calls the node's own internal API); stopped first */
  afterListening?: Engine[];
  internalRoutes?: RouteMount[];
  publicRoutes?: RouteMount[];
  /** in front of every public response, monitoring and errors included (the mock LSP's AORTA headers) */
  publicMiddleware?: RequestHandler[];
}

/** An extension of the node, registered like nuts-node's engines: built once by createNode, from the node's parts. */
export interface NodePlugin {
  readonly name: string;
  build(node: NodeParts): NodeContribution;
}

/** The one value of `key` the deps and the plug-ins give; two of them giving it is a wiring error. */
function onlyOne<K extends 'fhirBackend' | 'fhirConsent' | 'fhirConsentProfile'>(key: K, deps: Pick<NodeDeps, 'fhirBackend'>, contributions: Array<[string, NodeContribution]>): NodeContribution[K] {
  const fromDeps = key === 'fhirBackend' ? deps.fhirBackend : undefined;
  const given = [...(fromDeps !== undefined ? [['NodeDeps', fromDeps] as const] : []), ...contributions.filter(([, c]) => c[key] !== undefined).map(([n, c]) => [`plug-in ${n}`, c[key]] as const)];
  if (given.length > 1) throw new TypeError(`${key} is given by ${given.map(([n]) => n).join(' and ')}: give it once`);
  return given[0]?.[1] as NodeContribution[K];
}

export interface LabNode extends CoreEngines {
  readonly engines: EngineSet;
  readonly http: HttpEngine;
  readonly fhir: FhirEngine;
  /** public base URL (did:web host, OAuth issuer base) */
  readonly url: string;
  /** base URL of the internal API */
  readonly internalUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Who acts on the internal API (the organisation's own systems): the person named in X-User-Id / X-User-Name /
 * X-User-Role when the calling system passes them, else the node's operator, on behalf of the configured organisation.
 * Without organization.ura no patient data can be written or read internally, because no record could name it.
 */
function internalActor(config: NodeConfig, caller: FhirCaller): AuditActor | undefined {
  const user = caller.type === 'system' && caller.kind === 'person' && caller.id ? { id: caller.id, name: caller.name, role: caller.role } : undefined;
  const ura = config.organization.ura;
  return actorOf({
    userId: user?.id ?? `${config.name}:internal-api`,
    kind: user ? 'person' : 'process',
    userName: user?.name ? String(user.name) : undefined,
    role: user?.role ? { code: String(user.role), system: UZI_ROLE_SYSTEM } : { code: 'system', system: 'urn:nuts-lsp-lab:actor' },
    ura,
    organisationName: config.organization.name,
    ...(user ? {} : { responsible: { id: `${config.name}:operator`, name: `operator of node ${config.name}` } }),
  });
}

export function sqlitePathFor(config: NodeConfig): string {
  return config.database.sqlite ?? path.join(nodeDataDir(config), 'node.db');
}

/** Builds a node from validated configuration. Nothing listens until `start()`. */
export function createNode(config: NodeConfig, deps: NodeDeps = {}): LabNode {
  const clock = deps.clock ?? Date.now;
  const logger = deps.logger ?? createLogger({ name: config.name, level: config.log.level, file: config.log.file });
  let engines: EngineSet;
  const http = new HttpEngine(config, logger, () => engines, VERSION);
  const baseUrl = () => {
    if (!config.url && config.http.public.port === 0 && http.publicPort === undefined) throw new Error('public URL unknown before the node listens');
    return publicBaseUrl(config, http.publicPort);
  };
  const internalUrl = () => {
    const host = config.http.internal.address === '0.0.0.0' ? '127.0.0.1' : config.http.internal.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${http.internalPort ?? config.http.internal.port}`;
  };

  // one outgoing-HTTP policy for the whole node: remote parties choose the URLs (did:web hosts, status lists)
  const outgoing = new OutgoingHttp({ trustedHosts: config.vdr.httpHosts, fetch: deps.fetch, logger });
  const clientLimits = { maxBytes: config.http.client.maxResponseBytes };
  const store = new StoreEngine({ url: config.database.url, schema: config.database.schema, sqlite: config.database.url ? undefined : sqlitePathFor(config) });
  const crypto = new CryptoEngine(store, clock);
  // did:x509 documents come from the chain presented with a credential: the PKI's method goes into the resolver, uncached
  const x509Dids = new X509DidMethod(new TrustAnchors());
  const vdr = new VdrEngine(store, crypto, {
    baseUrl,
    clock,
    keyType: config.crypto.keyType,
    resolver: {
      outgoing,
      logger,
      cacheTtlMs: config.vdr.cacheTtlSeconds * 1000,
      negativeCacheTtlMs: config.vdr.negativeCacheTtlSeconds * 1000,
      fetchTimeoutMs: config.vdr.fetchTimeoutMs,
      maxDocumentBytes: config.vdr.maxDocumentBytes,
      cacheMaxEntries: config.vdr.cacheMaxEntries,
      cacheMaxBytes: config.vdr.cacheMaxBytes,
      staticDir: config.vdr.staticDir,
      methods: { x509: { driver: x509Dids.driver, cache: false } },
    },
  });

  // the checkpoint key lives next to the database, never in it; an in-memory node keeps it in memory
  const auditKeyFile = config.audit.keyFile ?? (config.database.sqlite === ':memory:' && !config.database.url ? IN_MEMORY_KEY : path.join(nodeDataDir(config), CHECKPOINT_KEY_FILE));
  // witnesses are peers the operator configures (their internal ports), so their host is trusted by that
  // configuration alone; the audit engine calls only configured witnesses, still within byte and time limits
  const witnessFetch = ((input: string | URL | Request, init?: RequestInit) => {
    const host = new URL(input instanceof Request ? input.url : input).host;
    return new OutgoingHttp({ trustedHosts: [host], fetch: deps.fetch, logger }).fetcher({ purpose: 'audit witness', timeoutMs: config.audit.witnessTimeoutMs, maxBytes: 16 * 1024 * 1024 })(input, init);
  }) as typeof fetch;
  const audit = new AuditEngine(store, crypto, vdr, { clock, nodeName: config.name, config: { ...config.audit, keyFile: auditKeyFile }, baseUrl, keyType: config.crypto.keyType, fetch: witnessFetch, logger });
  const pki = new PkiEngine(store, vdr, x509Dids, { clock, trustedRoots: config.vcr.x509.trustedRoots, pkiDir: config.pki.dir ?? defaultPkiDir(config.datadir) });
  const vcr = new VcrEngine(store, crypto, vdr, {
    clock,
    fetch: outgoing.fetcher({ purpose: 'status list', timeoutMs: config.vdr.fetchTimeoutMs, ...clientLimits }),
    baseUrl,
    audit: audit.recorder,
    logger,
    statusListCacheMs: config.vcr.statusList.cacheMaxSeconds * 1000,
    statusListMaxAgeSeconds: config.vcr.statusList.maxAgeSeconds,
    // Dezi key sets and verklaring statuses go through the same outgoing policy: https, or a host listed in vdr.httpHosts
    dezi: { allowedJku: config.vcr.dezi.allowedjku, fetch: outgoing.fetcher({ purpose: 'Dezi key set or verklaring status', timeoutMs: config.vdr.fetchTimeoutMs, maxBytes: DEZI_MAX_RESPONSE_BYTES }) },
    x509: pki.credentials,
  });
  const policy = new PolicyEngine(config.policy.directory);
  // the same role matrix /fhir applies: a verified Dezi role it grants nothing gets no token at all
  const deziMatrix = new FhirAuthoriser();
  const auth = new AuthEngine(store, crypto, vdr, policy, () => vcr, {
    baseUrl,
    clock,
    fetch: outgoing.fetcher({ purpose: 'authorization server', timeoutMs: config.auth.clientTimeoutMs, ...clientLimits }),
    accessTokenValiditySeconds: config.auth.accessTokenValiditySeconds,
    jwtBearerAccessTokenValiditySeconds: config.auth.jwtBearerAccessTokenValiditySeconds,
    defaultTokenType: config.auth.defaultTokenType,
    tokenCacheMarginSeconds: config.auth.tokenCacheMarginSeconds,
    clientTimeoutMs: config.auth.clientTimeoutMs,
    requireTrustedIssuers: config.auth.requireTrustedIssuers,
    sessionPurgeIntervalMs: config.auth.sessionPurgeIntervalSeconds * 1000,
    audit: audit.recorder,
    authorizationEndpoint: config.auth.authorizationEndpoint.enabled,
    deziRoleMayUse: (scope, role) => deziMatrix.roleMayUseScope(scope, role),
  });
  const discovery = new DiscoveryEngine(store, crypto, vdr, () => vcr, {
    directory: config.discovery.directory,
    serverIds: config.discovery.serverIds,
    refreshIntervalMs: config.discovery.refreshIntervalSeconds * 1000,
    baseUrl,
    clock,
    fetch: outgoing.fetcher({ purpose: 'discovery server', timeoutMs: 10_000, maxBytes: config.discovery.maxResponseBytes }),
    logger,
    requireTrustedIssuers: config.auth.requireTrustedIssuers,
  });
  const fhirRepository = new SqlFhirRepository(store, clock);

  // plug-ins are built from the finished core engines, before the FHIR engine (they may bring its backend and consent)
  const parts: NodeParts = { config, logger, clock, store, crypto, vdr, vcr, audit, policy, auth, discovery, pki, outgoing, fhirRepository, url: baseUrl, internalUrl };
  const contributions = (deps.plugins ?? []).map((p): [string, NodeContribution] => [p.name, p.build(parts)]);
  const fhirConsentProfile = onlyOne('fhirConsentProfile', deps, contributions);
  const fhir = new FhirEngine(store, {
    baseUrl,
    clock,
    upstream: config.fhir.upstream,
    timeZone: config.fhir.timeZone,
    profileDirs: config.fhir.profileDirs,
    verifier: deps.fhirTokenVerifier ?? auth.tokenVerifier,
    consent: onlyOne('fhirConsent', deps, contributions),
    audit: deps.fhirAudit ?? fhirAuditHook(audit.recorder, { internalActor: (ev) => internalActor(config, ev.caller), authorisationProtocol: AUTH_PROTOCOL, consentProfile: fhirConsentProfile }),
    repository: fhirRepository,
    backend: onlyOne('fhirBackend', deps, contributions),
    version: VERSION,
    logger,
  });

  // routers: each family mounted with its own error dialect
  http.mountInternal('/internal/crypto', cryptoRouter(crypto.service), 'problem');
  http.mountInternal('/internal/vdr', vdrInternalRouter(vdr.subjects, vdr.resolver), 'problem');
  http.mountInternal('/internal/audit', auditRouter(audit), 'problem');
  http.mountPublic('/', vdrPublicRouter(vdr.subjects), 'problem');
  http.mountInternal('/internal/vcr', vcr.internalRouter(), 'problem');
  http.mountPublic('/statuslist', vcr.publicRouter(), 'problem');
  http.mountInternal('/internal/pki', pki.internalRouter(), 'problem');
  http.mountInternal('/internal/auth', Router().use(authInternalRouter({ server: auth.server, client: auth.client, crypto: crypto.service, sessions: auth.sessions, clock }), openid4vpInternalRouter(auth.openid4vp)), 'problem');
  http.mountPublic('/oauth2', Router().use(oauth2Router(auth.server), openid4vpPublicRouter(auth.openid4vp, auth.server)), 'oauth');
  http.mountPublic('/.well-known/openid-configuration', openidConfigurationRouter(auth.server, vdr.subjects, crypto.service, clock), 'oauth');
  http.mountPublic('/.well-known/oauth-authorization-server', wellKnownRouter(auth.server), 'problem');
  http.mountInternal('/internal/discovery', discoveryClientRouter(discovery), 'problem');
  http.mountPublic('/discovery', discoveryServerRouter(discovery), 'problem');
  http.mountInternal('/internal/fhir', fhirInternalRouter(fhir.service, baseUrl), 'fhir');
  http.mountPublic('/fhir', fhirPublicRouter(fhir.service, baseUrl), 'fhir');
  for (const [, c] of contributions) {
    for (const mw of c.publicMiddleware ?? []) http.publicApp.use(mw);
    for (const m of c.internalRoutes ?? []) http.mountInternal(m.prefix, m.router, m.dialect ?? 'problem');
    for (const m of c.publicRoutes ?? []) http.mountPublic(m.prefix, m.router, m.dialect ?? 'problem');
  }

  const pluginEngines = contributions.flatMap(([, c]) => c.engines ?? []);
  const afterListening = contributions.flatMap(([, c]) => c.afterListening ?? []);
  engines = new EngineSet([store, crypto, vdr, audit, vcr, pki, policy, auth, discovery, fhir, ...pluginEngines, http, ...afterListening]);

  return {
    config,
    logger,
    engines,
    store,
    crypto,
    vdr,
    vcr,
    audit,
    policy,
    auth,
    discovery,
    pki,
    http,
    fhir,
    outgoing,
    get url() {
      return baseUrl();
    },
    get internalUrl() {
      return internalUrl();
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
