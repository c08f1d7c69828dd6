// The local network `npm start` runs: the VVT organisation's reference node, the mock LSP with its sources, and the
// dashboard; seeded with subjects, test PKI, credentials, discovery registrations, MP9 data and consent.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createNode, type LabNode } from '../../node/src/main.js';
import { loadConfig, PortInUseError, type NodeConfigInput } from '../../node/src/core/index.js';
import { createLspNode, DISCOVERY_SERVICE, LSP_CONFIG_DEFAULTS, type LspNode } from '../lsp/main.js';
import { loadSourcesFile } from '../lsp/sources.js';
import { sourceHost } from '../lsp/source-host.js';
import { initPki } from '../../node/src/pki/index.js';
import { issuePilotCredentials } from '../lsp/pilot-seed.js';
import { DeziSimulator } from '../dezi/server.js';

/** the ECD vendor's subject (service provider) in the LSPxNuts pilot */
export const PILOT_VENDOR_SUBJECT = 'ecd-vendor';
import { seedNetwork, vvtOrganisation, type Seeded } from './seed.js';
import { wireDashboard, type RunningDashboard } from './dashboard-wiring.js';
import { LspApi, NodeApi } from '../shared/node-api.js';
import { pointDefinitionsAt, SHIPPED_DEFINITIONS } from './discovery-definitions.js';
import { wirePortal, type RunningPortal } from './portal/index.js';
import { dataDirsOf, loadNetworkConfig, logFileOf, NetworkConfigSchema, publicUrlOf, type NetworkConfig, type NetworkConfigInput } from './config.js';

export { DISCOVERY_SERVICE };

/** the simulated TVS (DigiD / Machtigen / eIDAS), the client portal and the simulated Dezi: 0 is a free port */
export type NetworkPorts = Omit<NetworkConfig['ports'], 'tvs' | 'portal' | 'dezi'> & Partial<Pick<NetworkConfig['ports'], 'tvs' | 'portal' | 'dezi'>>;

export const DEFAULT_PORTS: NetworkPorts = NetworkConfigSchema.parse({}).ports;

export interface NetworkOptions {
  /** the network configuration (`loadNetworkConfig` reads file, environment and flags); the fields below override it */
  config?: NetworkConfigInput;
  datadir?: string;
  reset?: boolean;
  /** environment the nodes read their own NLL_* keys from (database, …); default process.env */
  env?: Record<string, string | undefined>;
  ports?: NetworkPorts;
  /** ':memory:' stores (tests); default SQLite files under datadir */
  inMemory?: boolean;
  /** start the dashboard (default true) */
  dashboard?: boolean;
  /** hosts (`host:port`) the nodes trust besides their own, e.g. a test's stand-in for a public https host */
  trustedHosts?: string[];
  /** start the simulated TVS and the client portal (default true) */
  portal?: boolean;
  /** timeout of the LSP's calls to its sources (default 2 s) */
  sourceTimeoutMs?: number;
  /** progress lines (default stdout) */
  log?: (line: string) => void;
  logLevel?: NetworkConfig['log']['level'];
}

/** A port of the network in use: names the network key (flag, environment variable) that moves it. */
function portInUse(e: unknown, config: NetworkConfig): unknown {
  if (!(e instanceof PortInUseError)) return e;
  const keys: Array<[string, number]> = [
    ['ports.vvt.public', config.ports.vvt.public],
    ['ports.vvt.internal', config.ports.vvt.internal],
    ['ports.lsp.public', config.ports.lsp.public],
    ['ports.lsp.internal', config.ports.lsp.internal],
  ];
  const key = keys.find(([, p]) => p === e.port)?.[0];
  return key ? new PortInUseError(e.address, e.port, key) : e;
}

export interface Network {
  vvt: LabNode;
  lsp: LspNode;
  /** the simulated Dezi: care-worker login and verklaringen */
  dezi: DeziSimulator;
  seeded: Seeded;
  dashboard?: RunningDashboard;
  portal?: RunningPortal;
  ports: NetworkPorts;
  config: NetworkConfig;
  stop(): Promise<void>;
}

export async function startNetwork(opts: NetworkOptions = {}): Promise<Network> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const config = loadNetworkConfig({
    env: {},
    overrides: {
      ...opts.config,
      ...(opts.datadir ? { datadir: opts.datadir } : {}),
      // a caller's ports without the TVS and portal ones: those on free ports
      ...(opts.ports ? { ports: { tvs: 0, portal: 0, dezi: 0, ...opts.ports } } : {}),
      ...(opts.logLevel ? { log: { ...opts.config?.log, level: opts.logLevel } } : {}),
      ...(opts.dashboard !== undefined ? { dashboard: opts.dashboard } : {}),
      ...(opts.portal !== undefined ? { portal: opts.portal } : {}),
    },
  });
  const datadir = path.resolve(config.datadir);
  const ports = config.ports;
  const env = opts.env ?? process.env;
  const logFile = logFileOf(config);
  if (opts.reset) {
    rmSync(datadir, { recursive: true, force: true });
    log(`• reset: removed ${datadir}`);
  }
  const started = performance.now();
  const step = (s: string) => log(`• ${s}`);

  // the source systems' own process boots first, while the PKI, Dezi and the LSP's engines are set up
  const sourcesFile = loadSourcesFile();
  const sources = sourceHost('process', sourcesFile.sources);
  sources.start().catch(() => {}); // awaited (and a failure raised) when the LSP starts
  step('test PKI (TEST UZI-register CA, UZI server certificates)…');
  const vvtOrg = vvtOrganisation();
  const dezi = new DeziSimulator();
  let pki: Awaited<ReturnType<typeof initPki>>;
  try {
    // independent of each other: made at once
    [pki] = await Promise.all([initPki({ dir: path.join(datadir, 'pki'), organisations: [{ name: vvtOrg.name, city: 'Utrecht', ura: vvtOrg.ura, agb: '03030303' }] }), dezi.listen(ports.dezi ?? 0)]);
  } catch (e) {
    await sources.stop();
    await dezi.close().catch(() => {});
    throw e;
  }

  const lspUrl = publicUrlOf(config, 'lsp');
  const vvtUrl = publicUrlOf(config, 'vvt');
  const discoveryDir = path.join(datadir, 'network', 'discovery');
  pointDefinitionsAt({ from: SHIPPED_DEFINITIONS, to: discoveryDir, serverUrl: lspUrl, ids: [DISCOVERY_SERVICE] });

  // the network's own public hosts are the only ones its nodes fetch over http or on loopback (see vdr.httpHosts)
  const labHosts = [new URL(lspUrl).host, new URL(vvtUrl).host, ...(opts.trustedHosts ?? [])];
  const base = (name: string, url: string, p: { public: number; internal: number }): NodeConfigInput => ({
    name,
    url,
    datadir,
    vdr: { httpHosts: labHosts },
    http: { public: { address: config.address.public, port: p.public }, internal: { address: config.address.internal, port: p.internal } },
    discovery: { directory: discoveryDir, refreshIntervalSeconds: 10 },
    vcr: { x509: { trustedRoots: [pki.root.file] } },
    log: { level: config.log.level, ...(logFile === '-' ? {} : { file: path.resolve(logFile) }) },
    ...(opts.inMemory ? { database: { sqlite: ':memory:' } } : {}),
    // on one PostgreSQL database (DATABASE_URL) each node keeps its tables in its own schema, unless one is set
    ...(!opts.inMemory && (env.DATABASE_URL || env.NLL_DATABASE_URL) && !env.NLL_DATABASE_SCHEMA ? { database: { schema: name } } : {}),
  });

  step('simulated Dezi (care-worker login, verklaringen)…');
  log(`  ✓ dezi   ${dezi.url}  key set ${dezi.jwksUri}`);

  step(`mock LSP node on ${lspUrl} with its source systems…`);
  // the same LSP defaults as `nuts-lsp-lab lsp`: organisation, discovery server, trusted URA issuers only; the
  // simulated Dezi's key set is allowed by configuration, exactly as a production node lists Dezi's own jku; its host
  // (plain http on loopback) is listed like the lab's other hosts, so the outgoing policy is not loosened for it
  const lspConfig = loadConfig({
    env,
    defaults: LSP_CONFIG_DEFAULTS,
    overrides: { ...base('lsp', lspUrl, ports.lsp), vdr: { httpHosts: [...labHosts, new URL(dezi.url).host] }, vcr: { x509: { trustedRoots: [pki.root.file] }, dezi: { allowedjku: [dezi.jwksUri] } } },
  });
  const lsp = createLspNode(lspConfig, { sourceTimeoutMs: opts.sourceTimeoutMs, data: dataDirsOf(config), deziUrl: dezi.url, sources: sourcesFile, sourceHost: sources });
  const vvt = createNode(loadConfig({ env, overrides: { ...base('vvt', vvtUrl, ports.vvt), organization: { ura: vvtOrg.ura, name: vvtOrg.name } } }));
  // the two nodes start side by side (the LSP mostly waits for its sources meanwhile); what did start of either (the
  // source process included) must not hold the process when the other fails
  const [lspStart, vvtStart] = await Promise.allSettled([lsp.node.start(), vvt.start()]);
  if (lspStart.status === 'rejected' || vvtStart.status === 'rejected') {
    await lsp.node.stop().catch(() => {});
    await sources.stop().catch(() => {});
    await vvt.stop().catch(() => {});
    await dezi.close();
    throw portInUse(lspStart.status === 'rejected' ? lspStart.reason : (vvtStart as PromiseRejectedResult).reason, config);
  }
  log(`  ✓ lsp    public ${lsp.node.url}  internal ${lsp.node.internalUrl}  sources: ${lsp.sources.map((s) => s.config.name).join(', ')}`);
  step(`reference node of ${vvtOrg.name} on ${vvtUrl}…`);
  log(`  ✓ vvt    public ${vvt.url}  internal ${vvt.internalUrl}  store ${vvt.store.db.location}`);
  // each node's checkpoints are countersigned by the other (audit verify then catches a cut or re-signed log)
  vvt.audit.addWitness(lsp.node.internalUrl);
  lsp.node.audit.addWitness(vvt.internalUrl);

  step('subjects, credentials, discovery registrations, consent…');
  // over the internal APIs, exactly as `nuts-lsp-lab seed` and the dashboard do against separate processes
  const nodeApi = new NodeApi(vvt.internalUrl, 'vvt');
  const lspApi = new LspApi(lsp.node.internalUrl, 'lsp');
  const seeded = await seedNetwork({ node: nodeApi, lsp: lspApi, vvtOrg, serviceId: DISCOVERY_SERVICE, log });
  // the clients are whoever the data folders brought (the demo's unless configured otherwise)
  const names = new Map<string, string>();
  for (const s of await lsp.data.list()) for (const p of s.patients) if (p.name && !names.has(p.bsn)) names.set(p.bsn, p.name);
  const birthDates = new Map(seeded.clients.map((c) => [c.bsn, c.birthDate]));
  seeded.clients = lsp.data.patients().map((bsn) => ({ bsn, name: names.get(bsn) ?? bsn, ...(birthDates.get(bsn) ? { birthDate: birthDates.get(bsn) } : {}) }));
  log(`  ✓ data: ${config.data.join(', ')} and earlier imports: ${seeded.clients.length} clients`);

  // LSPxNuts pilot: the care provider (subject vvt) and its ECD vendor (subject ecd-vendor) on the VVT node
  if (!(await vvt.vcr.wallet.search('vvt', { type: 'HealthcareProviderCredential' })).length) {
    step('pilot credentials (LSPxNuts jwt-bearer: UZI server certificate, delegations, patient enrolments)…');
    await issuePilotCredentials({
      vendorNode: vvt,
      hcpSubject: 'vvt',
      spSubject: PILOT_VENDOR_SUBJECT,
      lspNode: lsp.node,
      pki: { organisation: pki.organisations[0]!.id },
      vendorName: 'ECD Leverancier B.V.',
      professional: { uzi: '900012345', roleCode: '30.000', facilityType: 'T2' },
      patients: seeded.clients.map((c) => c.bsn),
    });
    log(`  ✓ HealthcareProviderCredential (did:x509), delegations and ${seeded.clients.length} patient enrolments for vvt; ServiceProviderCredential for ${PILOT_VENDOR_SUBJECT}`);
  }

  let dashboard: RunningDashboard | undefined;
  if (config.dashboard) {
    step(`dashboard on port ${ports.dashboard}…`);
    try {
      dashboard = await wireDashboard({ node: nodeApi, lsp: lspApi, seeded, serviceId: DISCOVERY_SERVICE, port: ports.dashboard, host: config.address.public, dezi: { url: dezi.url, workers: dezi.workers } });
    } catch (e) {
      await vvt.stop();
      await lsp.node.stop();
      await dezi.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(config.address.public, ports.dashboard, 'ports.dashboard');
      throw e;
    }
    log(`  ✓ dashboard ${dashboard.url}`);
  }
  let portal: RunningPortal | undefined;
  if (config.portal) {
    step('simulated TVS (DigiD, DigiD Machtigen, eIDAS) and the client portal…');
    portal = await wirePortal({ node: nodeApi, lsp: lspApi, seeded, ports: { tvs: ports.tvs, portal: ports.portal } });
    log(`  ✓ client portal ${portal.url}  (TVS ${portal.tvsUrl})`);
  }
  log(`• logs: ${logFile === '-' ? 'stderr' : path.resolve(logFile)} (level ${config.log.level})`);
  log(`• ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    vvt,
    lsp,
    dezi,
    seeded,
    dashboard,
    portal,
    ports,
    config,
    async stop() {
      await portal?.close();
      await dashboard?.close();
      await vvt.stop();
      await lsp.node.stop();
      await dezi.close();
    },
  };
}

export function summary(net: Network): string {
  const v = net.vvt;
  const l = net.lsp.node;
  const s = net.seeded;
  const worker = s.careWorkers[0]!;
  const client = s.clients[0]!;
  return [
    '',
    'nuts-lsp-lab is running',
    '',
    `  reference node  ${s.vvtOrg.name} (URA ${s.vvtOrg.ura})`,
    `                  public ${v.url}   internal ${v.internalUrl}`,
    `                  DID ${s.vvtDid}`,
    `  mock LSP        public ${l.url}   internal ${l.internalUrl}`,
    `                  DID ${s.lspDid}`,
    `                  sources: ${net.lsp.sources.map((x) => `${x.config.name} (${x.fhirBase})`).join('; ')}`,
    `  simulated Dezi  ${net.dezi.url}   (key set ${net.dezi.jwksUri}, allowed by the LSP's vcr.dezi.allowedjku)`,
    ...(net.dashboard ? [`  dashboard       ${net.dashboard.url}`] : []),
    ...(net.portal ? [`  client portal   ${net.portal.url}   (log in through the simulated TVS at ${net.portal.tvsUrl})`] : []),
    '',
    '  care workers (subject "vvt", self-declared role, scope medicatieoverdracht-employee):',
    ...s.careWorkers.map((c) => `    ${c.id.padEnd(6)} ${c.name.padEnd(18)} ${c.roleCode.padEnd(8)} ${c.roleName}${c.big ? ' (BIG)' : ' (no BIG registration)'}`),
    '  care workers at Dezi (scope medicatieoverdracht: log in with --dezi <id>):',
    ...net.dezi.workers.map((w) => `    ${w.id.padEnd(6)} ${w.name.padEnd(18)} ${w.roles.map((r) => r.code).join(', ').padEnd(16)} Dezi ${w.deziNummer}${w.note ? `  ${w.note}` : ''}`),
    '  clients (BSN):',
    ...s.clients.map((c) => `    ${c.bsn}  ${c.name}`),
    '',
    'Try (copy-paste in a shell):',
    ...curlCommands(net).map((c) => `  ${c}`),
    `  npx nuts-lsp-lab ecd toedienlijst --node ${v.internalUrl} --bsn ${client.bsn} --role ${worker.roleCode} --name "${worker.name}"`,
    `  npx nuts-lsp-lab ecd toedienlijst --node ${v.internalUrl} --bsn ${client.bsn} --dezi ${net.dezi.workers[0]!.id}${net.dezi.url === 'http://127.0.0.1:8090' ? '' : ` --dezi-url ${net.dezi.url}`}`,
    '',
    'Ctrl-C stops the network.',
  ].join('\n');
}

/**
 * Three commands a supplier can paste as printed: a token through the own node (as an ECD does), an MP9 search at the
 * LSP with it, and a failure scenario switched on. Tests run exactly these strings.
 */
export function curlCommands(net: Network): string[] {
  const v = net.vvt;
  const l = net.lsp.node;
  const worker = net.seeded.careWorkers[0]!;
  const client = net.seeded.clients[0]!;
  const employee = {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'],
    type: ['VerifiableCredential', 'NutsEmployeeCredential'],
    credentialSubject: { name: worker.name, roleName: worker.roleName, roleCode: worker.roleCode, identifier: worker.id },
  };
  const body = JSON.stringify({ authorization_server: `${l.url}/oauth2/lsp`, scope: 'medicatieoverdracht-employee', token_type: 'Bearer', credentials: [employee] });
  return [
    `TOKEN=$(curl -s -X POST ${v.internalUrl}/internal/auth/v2/vvt/request-service-access-token -H 'content-type: application/json' -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).access_token')`,
    `curl -s -H "Authorization: Bearer $TOKEN" "${l.url}/fhir/MedicationDispense?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${client.bsn}&category=http://snomed.info/sct|422037009"`,
    `curl -s -X POST ${l.internalUrl}/internal/lsp/v1/scenarios/pharmacy-down`,
  ];
}
