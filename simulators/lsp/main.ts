// The mock LSP node: the node library wired with a broker backend, simulated sources, Mitz consent and scenarios.
import { randomBytes } from 'node:crypto';
import { createNode, type LabNode, type NodeDeps } from '../../node/src/main.js';
import { type NodeConfig, type NodeConfigInput, type Engine, OutgoingHttp } from '../../node/src/core/index.js';
import { aortaHeaders } from './aorta.js';
import { BrokerBackend, DEFAULT_SOURCE_TIMEOUT_MS, type SourceAnswer } from './broker.js';
import { MITZ_CONSENT_PROFILE, MitzConsent, loadCatalogue, mitzMigrations } from './mitz.js';
import { ReferenceIndex } from './reference-index.js';
import { ScenarioControl, type ScenarioContext } from './scenarios.js';
import { SimulatedSource, loadSourcesFile, type SourcesFile } from './sources.js';
import { lspInternalRouter } from './api/internal.js';
import { OrganisationRegistry, organisationMigrations } from './organisations.js';
import { LSP_URA } from '../shared/identity.js';

export { LSP_URA };
import { DEMO_DATA_DIR, LspData, dataMigrations } from './data.js';
import { readData } from './data-folder.js';
import { REVOKED_SCENARIO_WORKER, deziControl } from '../dezi/control.js';

/** The LSP's own subject: it issues the lab's URA credentials and registers on discovery with it. */
export const LSP_SUBJECT = 'lsp';
/** The discovery service the LSP serves (who serves MP9 where). */
export const DISCOVERY_SERVICE = 'mp9-medicatieoverdracht';

/**
 * The lab's own hosts at their default ports (reference node 8080, LSP 9080): the `node` and `lsp` commands trust them
 * by default (plain http, loopback), and nothing else; other layouts list theirs in vdr.httpHosts.
 */
export const LAB_TRUSTED_HOSTS = ['localhost:8080', 'localhost:9080'];

/**
 * What makes a node the mock LSP, as defaults under file, environment and flags: its organisation (URA 90000999), the
 * discovery server for MP9, and URA credentials accepted only from issuers it trusts (itself, the lab's URA authority).
 */
export const LSP_CONFIG_DEFAULTS = {
  name: 'lsp',
  http: { public: { port: 9080 }, internal: { port: 9081 } },
  organization: { ura: LSP_URA, name: 'LSP (Landelijk Schakelpunt, mock)' },
  discovery: { serverIds: [DISCOVERY_SERVICE], refreshIntervalSeconds: 10 },
  auth: { requireTrustedIssuers: true },
  vdr: { httpHosts: LAB_TRUSTED_HOSTS },
} satisfies NodeConfigInput;

export interface LspOptions {
  sources?: SourcesFile;
  today?: Date;
  sourceTimeoutMs?: number;
  deps?: NodeDeps;
  onFanOut?: (answers: SourceAnswer[]) => void;
  /** data folders loaded into the sources at start (default: the demo clients, data/demo) */
  data?: string[];
  /** the simulated Dezi (its base URL), for the revoked-dezi-declaration scenario */
  deziUrl?: string;
}

export interface LspNode {
  node: LabNode;
  sources: SimulatedSource[];
  mitz: MitzConsent;
  index: ReferenceIndex;
  scenarios: ScenarioControl;
  scenarioContext: ScenarioContext;
  organisations: OrganisationRegistry;
  data: LspData;
}

export function createLspNode(config: NodeConfig, opts: LspOptions = {}): LspNode {
  const file = opts.sources ?? loadSourcesFile();
  const clock = opts.deps?.clock ?? Date.now;
  // the sources answer only the broker: a secret made per start, known to the two of them through this wiring alone
  const sourceSecret = randomBytes(32).toString('base64url');
  const sources = file.sources.map((c) => new SimulatedSource(c, sourceSecret, clock));
  let mitz!: MitzConsent;
  let index!: ReferenceIndex;
  // the broker reaches its sources through the same outgoing policy as every other fetch; the sources (on loopback, on
  // ports known once they listen) are its trusted hosts, so the policy is built on first use
  let sourceFetch: typeof fetch | undefined;
  const fetchSources = () =>
    (sourceFetch ??= new OutgoingHttp({ trustedHosts: sources.map((s) => new URL(s.fhirBase).host), fetch: opts.deps?.fetch, logger: node.logger }).fetcher({ purpose: 'source system', maxBytes: 32 * 1024 * 1024, timeoutMs: 60_000 }));
  const node = createNode(config, {
    fhirConsentProfile: MITZ_CONSENT_PROFILE,
    ...opts.deps,
    fhirBackend: (local) =>
      new BrokerBackend({
        local,
        sources: () => sources,
        // built below, once the node's store exists; the broker reads them per request
        get index() {
          return index;
        },
        get mitz() {
          return mitz;
        },
        addressBook: () => file.organizations,
        baseUrl: () => `${node.url}/fhir`,
        sourceSecret,
        timeoutMs: () => opts.sourceTimeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
        fetch: fetchSources,
        onFanOut: opts.onFanOut,
      }),
  });
  node.store.register(mitzMigrations);
  mitz = new MitzConsent(node.store, loadCatalogue(), clock);
  index = new ReferenceIndex(node.fhir.repository);
  node.store.register(organisationMigrations);
  const organisations = new OrganisationRegistry(node.store, node, { issuerSubject: LSP_SUBJECT, clock });
  node.store.register(dataMigrations);
  const data = new LspData(node.store, () => sources, () => index, () => mitz, clock);
  const scenarioContext: ScenarioContext = {
    sources: () => sources,
    mitz,
    index,
    patients: () => data.patients(),
    restoreConsent: () => data.restoreConsent(),
    hooks: {
      revokeOrganisation: () => organisations.revokeAll(),
      restoreOrganisation: () => organisations.restoreAll(),
      ...(opts.deziUrl ? deziHooks(opts.deziUrl) : {}),
    },
  };
  const scenarios = new ScenarioControl(scenarioContext);

  // AORTA-ID and AORTA-Version on every public response, errors included
  node.http.publicApp.use(aortaHeaders);
  node.http.mountInternal('/internal/lsp', lspInternalRouter({ scenarios, sources: () => sources, mitz, index, addressBook: () => file.organizations, organisations, audit: node.audit.recorder, data }), 'problem');

  const engine: Engine = {
    name: 'lsp',
    async start() {
      for (const s of sources) await s.start();
      // the data folders (the demo clients unless configured otherwise), then what was imported over the API before
      const today = opts.today ?? new Date(clock());
      for (const dir of opts.data ?? [DEMO_DATA_DIR]) for (const batch of readData(dir, { sources: sources.map((s) => s.config), today })) await data.import(batch);
      await data.replay();
      await scenarios.apply('normal');
    },
    async stop() {
      for (const s of sources) await s.stop();
    },
    health() {
      const down = sources.filter((s) => !s.state.available).map((s) => s.config.name);
      return { status: 'UP', details: { scenario: scenarios.current, sources: sources.length, down } };
    },
  };
  node.engines.insertBefore('http', engine);
  // last, after http: from here on the registry can reach the LSP's own wallet over its internal API
  node.engines.engines.push({
    name: 'lsp-organisations',
    start: () => organisations.setListening(true),
    stop: () => organisations.setListening(false),
  });
  return { node, sources, mitz, index, scenarios, scenarioContext, organisations, data };
}

function deziHooks(url: string): Pick<NonNullable<ScenarioContext['hooks']>, 'revokeDeziDeclaration' | 'restoreDeziDeclarations'> {
  const dezi = deziControl(url);
  return { revokeDeziDeclaration: () => dezi.revoke(REVOKED_SCENARIO_WORKER), restoreDeziDeclarations: () => dezi.restore() };
}
