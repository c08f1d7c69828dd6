// The mock LSP node: the node library wired with a broker backend, simulated sources, Mitz consent and scenarios.
import { createNode, type LabNode, type NodeContribution, type NodeDeps, type NodeParts, type NodePlugin } from '../../node/src/main.js';
import { type NodeConfig, type NodeConfigInput, OutgoingHttp } from '../../node/src/core/index.js';
import { aortaHeaders } from './aorta.js';
import { BrokerBackend, DEFAULT_SOURCE_TIMEOUT_MS, type SourceAnswer } from './broker.js';
import { MITZ_CONSENT_PROFILE, MitzConsent, loadCatalogue, mitzMigrations } from './mitz.js';
import { MitzConsentHook } from './mitz-hook.js';
import { ReferenceIndex } from './reference-index.js';
import { ScenarioControl, type ScenarioContext } from './scenarios.js';
import { loadSourcesFile, type SourceSystem, type SourcesFile } from './sources.js';
import { sourceHost, type SourceHost, type SourceHostKind } from './source-host.js';
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
  /**
   * where the source systems run: 'process' (default) a child process of their own, as separate systems are;
   * 'in-process' inside this one, for a test that injects a clock the sources must share; or a host made (and perhaps
   * started) beforehand for `sources`, as the network does to boot the source process while it sets up the rest
   */
  sourceHost?: SourceHostKind | SourceHost;
}

export interface LspNode {
  node: LabNode;
  sources: SourceSystem[];
  mitz: MitzConsent;
  index: ReferenceIndex;
  scenarios: ScenarioControl;
  scenarioContext: ScenarioContext;
  organisations: OrganisationRegistry;
  data: LspData;
}

export function createLspNode(config: NodeConfig, opts: LspOptions = {}): LspNode {
  const plugin = new LspPlugin(opts);
  const node = createNode(config, { ...opts.deps, plugins: [plugin] });
  return { node, ...plugin.built() };
}

/**
 * The mock LSP as a plug-in of the node, built from the node's parts inside createNode: the broker as FHIR backend,
 * Mitz as THE consent hook (the broker asks the same hook per source), the organisation registry, the sources.
 */
class LspPlugin implements NodePlugin {
  readonly name = 'lsp';
  private parts?: Omit<LspNode, 'node'>;

  constructor(private readonly opts: LspOptions) {}

  /** What build() made, for the LspNode handle; createNode has run build() before it returns. */
  built(): Omit<LspNode, 'node'> {
    if (!this.parts) throw new Error('the LSP plug-in is built by createNode');
    return this.parts;
  }

  build(node: NodeParts): NodeContribution {
    const opts = this.opts;
    const file = opts.sources ?? loadSourcesFile();
    const { clock, store } = node;
    const host = typeof opts.sourceHost === 'object' ? opts.sourceHost : sourceHost(opts.sourceHost ?? 'process', file.sources, { clock });
    const sources = host.sources;
    store.register(mitzMigrations);
    store.register(organisationMigrations);
    store.register(dataMigrations);
    const mitz = new MitzConsent(store, loadCatalogue(), clock);
    const consent = new MitzConsentHook(mitz, () => file.organizations);
    const index = new ReferenceIndex(node.fhirRepository);
    const organisations = new OrganisationRegistry(store, node, { issuerSubject: LSP_SUBJECT, clock });
    const data = new LspData(store, () => sources, () => index, () => mitz, clock);
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
    this.parts = { sources, mitz, index, scenarios, scenarioContext, organisations, data };

    // the broker reaches its sources through the same outgoing policy as every other fetch; the sources (on loopback,
    // on ports known once they listen) are its trusted hosts, so the policy is built on first use; connections stay
    // open between searches (a few configured hosts, asked on every search)
    let sourceOutgoing: OutgoingHttp | undefined;
    let sourceFetch: typeof fetch | undefined;
    const fetchSources = () => {
      sourceOutgoing ??= new OutgoingHttp({ trustedHosts: sources.map((s) => new URL(s.fhirBase).host), fetch: opts.deps?.fetch, logger: node.logger, keepAliveTrusted: true });
      return (sourceFetch ??= sourceOutgoing.fetcher({ purpose: 'source system', maxBytes: 32 * 1024 * 1024, timeoutMs: 60_000 }));
    };

    return {
      fhirConsent: consent,
      fhirConsentProfile: MITZ_CONSENT_PROFILE,
      fhirBackend: (local) =>
        new BrokerBackend({
          local,
          sources: () => sources,
          index,
          consent,
          baseUrl: () => `${node.url()}/fhir`,
          sourceSecret: host.secret,
          timeoutMs: () => opts.sourceTimeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
          fetch: fetchSources,
          onFanOut: opts.onFanOut,
        }),
      // AORTA-ID and AORTA-Version on every public response, errors included
      publicMiddleware: [aortaHeaders],
      internalRoutes: [{ prefix: '/internal/lsp', router: lspInternalRouter({ scenarios, sources: () => sources, mitz, index, addressBook: () => file.organizations, organisations, audit: node.audit.recorder, data }) }],
      engines: [
        {
          name: 'lsp',
          // before any engine starts: the source process boots while the node's own engines start
          configure() {
            host.start().catch(() => {}); // awaited (and its failure raised) in start()
          },
          async start() {
            await host.start();
            // the data folders (the demo clients unless configured otherwise), then what was imported over the API before
            const today = opts.today ?? new Date(clock());
            for (const dir of opts.data ?? [DEMO_DATA_DIR]) for (const batch of readData(dir, { sources: sources.map((s) => s.config), today })) await data.import(batch);
            await data.replay();
            await scenarios.apply('normal');
          },
          async stop() {
            sourceOutgoing?.close();
            // a source process started again listens on other ports: the policy is built anew for them
            sourceOutgoing = undefined;
            sourceFetch = undefined;
            await host.stop();
          },
          health() {
            const down = sources.filter((s) => !s.state.available).map((s) => s.config.name);
            return { status: 'UP', details: { scenario: scenarios.current, sources: sources.length, down } };
          },
        },
      ],
      // once the node listens: from here on the registry can reach the LSP's own wallet over its internal API
      afterListening: [{ name: 'lsp-organisations', start: () => organisations.setListening(true), stop: () => organisations.setListening(false) }],
    };
  }
}

function deziHooks(url: string): Pick<NonNullable<ScenarioContext['hooks']>, 'revokeDeziDeclaration' | 'restoreDeziDeclarations'> {
  const dezi = deziControl(url);
  return { revokeDeziDeclaration: () => dezi.revoke(REVOKED_SCENARIO_WORKER), restoreDeziDeclarations: () => dezi.restore() };
}
