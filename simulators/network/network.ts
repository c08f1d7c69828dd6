// The local network `npm start` runs: the VVT organisation's reference node, the mock LSP with its sources, and the
// dashboard; seeded with subjects, test PKI, credentials, discovery registrations, MP9 data and consent.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createNode, type LabNode } from '../../node/src/main.js';
import { loadConfig, type NodeConfigInput } from '../../node/src/core/config.js';
import { createLspNode, DISCOVERY_SERVICE, LSP_CONFIG_DEFAULTS, type LspNode } from '../lsp/main.js';
import { initPki } from '../../node/src/pki/index.js';
import { issuePilotCredentials } from '../lsp/pilot-seed.js';

/** the ECD vendor's subject (service provider) in the LSPxNuts pilot */
export const PILOT_VENDOR_SUBJECT = 'ecd-vendor';
import { seedNetwork, vvtOrganisation, type Seeded } from './seed.js';
import { wireDashboard, type RunningDashboard } from './dashboard-wiring.js';
import { LspApi, NodeApi } from './node-api.js';
import { pointDefinitionsAt, SHIPPED_DEFINITIONS } from './discovery-definitions.js';
import { wirePortal, type RunningPortal } from './portal/index.js';

export { DISCOVERY_SERVICE };

export interface NetworkPorts {
  vvt: { public: number; internal: number };
  lsp: { public: number; internal: number };
  dashboard: number;
  /** the simulated TVS (DigiD / Machtigen / eIDAS) and the client portal; 0 or absent in a caller's ports: a free port */
  tvs?: number;
  portal?: number;
}

export const DEFAULT_PORTS: NetworkPorts = { vvt: { public: 8080, internal: 8081 }, lsp: { public: 9080, internal: 9081 }, dashboard: 8000, tvs: 8400, portal: 8001 };

export interface NetworkOptions {
  datadir?: string;
  reset?: boolean;
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
  log?: (line: string) => void;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export interface Network {
  vvt: LabNode;
  lsp: LspNode;
  seeded: Seeded;
  dashboard?: RunningDashboard;
  portal?: RunningPortal;
  ports: NetworkPorts;
  stop(): Promise<void>;
}

export async function startNetwork(opts: NetworkOptions = {}): Promise<Network> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const datadir = path.resolve(opts.datadir ?? '.data');
  const ports = opts.ports ?? DEFAULT_PORTS;
  const env = opts.env ?? process.env;
  if (opts.reset) {
    rmSync(datadir, { recursive: true, force: true });
    log(`• reset: removed ${datadir}`);
  }
  const started = performance.now();
  const step = (s: string) => log(`• ${s}`);

  step('test PKI (TEST UZI-register CA, UZI server certificates)…');
  const vvtOrg = vvtOrganisation();
  const pki = await initPki({ dir: path.join(datadir, 'pki'), organisations: [{ name: vvtOrg.name, city: 'Utrecht', ura: vvtOrg.ura, agb: '03030303' }] });

  const lspUrl = `http://localhost:${ports.lsp.public}`;
  const vvtUrl = `http://localhost:${ports.vvt.public}`;
  const discoveryDir = path.join(datadir, 'network', 'discovery');
  pointDefinitionsAt({ from: SHIPPED_DEFINITIONS, to: discoveryDir, serverUrl: lspUrl, ids: [DISCOVERY_SERVICE] });

  // the network's own public hosts are the only ones its nodes fetch over http or on loopback (see vdr.httpHosts)
  const labHosts = [new URL(lspUrl).host, new URL(vvtUrl).host, ...(opts.trustedHosts ?? [])];
  const base = (name: string, url: string, p: { public: number; internal: number }): NodeConfigInput => ({
    name,
    url,
    datadir,
    vdr: { httpHosts: labHosts },
    http: { public: { address: '127.0.0.1', port: p.public }, internal: { address: '127.0.0.1', port: p.internal } },
    discovery: { directory: discoveryDir, refreshIntervalSeconds: 10 },
    vcr: { x509: { trustedRoots: [pki.root.file] } },
    log: { level: opts.logLevel ?? 'warn' },
    ...(opts.inMemory ? { database: { sqlite: ':memory:' } } : {}),
    // on one PostgreSQL database (DATABASE_URL) each node keeps its tables in its own schema, unless one is set
    ...(!opts.inMemory && (env.DATABASE_URL || env.NLL_DATABASE_URL) && !env.NLL_DATABASE_SCHEMA ? { database: { schema: name } } : {}),
  });

  step(`mock LSP node on ${lspUrl} with its source systems…`);
  // the same LSP defaults as `nuts-lsp-lab lsp`: organisation, discovery server, trusted URA issuers only
  const lspConfig = loadConfig({ env, defaults: LSP_CONFIG_DEFAULTS, overrides: base('lsp', lspUrl, ports.lsp) });
  const lsp = createLspNode(lspConfig, { sourceTimeoutMs: opts.sourceTimeoutMs });
  await lsp.node.start();
  log(`  ✓ lsp    public ${lsp.node.url}  internal ${lsp.node.internalUrl}  sources: ${lsp.sources.map((s) => s.config.name).join(', ')}`);

  step(`reference node of ${vvtOrg.name} on ${vvtUrl}…`);
  const vvt = createNode(loadConfig({ env, overrides: { ...base('vvt', vvtUrl, ports.vvt), organization: { ura: vvtOrg.ura, name: vvtOrg.name } } }));
  await vvt.start();
  log(`  ✓ vvt    public ${vvt.url}  internal ${vvt.internalUrl}  store ${vvt.store.db.location}`);

  step('subjects, credentials, discovery registrations, consent…');
  // over the internal APIs, exactly as `nuts-lsp-lab seed` and the dashboard do against separate processes
  const nodeApi = new NodeApi(vvt.internalUrl, 'vvt');
  const lspApi = new LspApi(lsp.node.internalUrl, 'lsp');
  const seeded = await seedNetwork({ node: nodeApi, lsp: lspApi, vvtOrg, serviceId: DISCOVERY_SERVICE, log });

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
  if (opts.dashboard !== false) {
    step(`dashboard on http://localhost:${ports.dashboard}…`);
    dashboard = await wireDashboard({ node: nodeApi, lsp: lspApi, seeded, serviceId: DISCOVERY_SERVICE, port: ports.dashboard });
    log(`  ✓ dashboard ${dashboard.url}`);
  }
  let portal: RunningPortal | undefined;
  if (opts.portal !== false) {
    step('simulated TVS (DigiD, DigiD Machtigen, eIDAS) and the client portal…');
    portal = await wirePortal({ node: nodeApi, lsp: lspApi, seeded, ports: { tvs: ports.tvs ?? 0, portal: ports.portal ?? 0 } });
    log(`  ✓ client portal ${portal.url}  (TVS ${portal.tvsUrl})`);
  }
  log(`• ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    vvt,
    lsp,
    seeded,
    dashboard,
    portal,
    ports,
    async stop() {
      await portal?.close();
      await dashboard?.close();
      await vvt.stop();
      await lsp.node.stop();
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
    ...(net.dashboard ? [`  dashboard       ${net.dashboard.url}`] : []),
    ...(net.portal ? [`  client portal   ${net.portal.url}   (log in through the simulated TVS at ${net.portal.tvsUrl})`] : []),
    '',
    '  care workers (subject "vvt"):',
    ...s.careWorkers.map((c) => `    ${c.id.padEnd(6)} ${c.name.padEnd(18)} ${c.roleCode.padEnd(8)} ${c.roleName}${c.big ? ' (BIG)' : ' (no BIG registration)'}`),
    '  clients (BSN):',
    ...s.clients.map((c) => `    ${c.bsn}  ${c.name}`),
    '',
    'Try (copy-paste in a shell):',
    ...curlCommands(net).map((c) => `  ${c}`),
    `  npx nuts-lsp-lab ecd toedienlijst --bsn ${client.bsn} --role ${worker.roleCode} --name "${worker.name}"`,
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
  const body = JSON.stringify({ authorization_server: `${l.url}/oauth2/lsp`, scope: 'medicatieoverdracht', token_type: 'Bearer', credentials: [employee] });
  return [
    `TOKEN=$(curl -s -X POST ${v.internalUrl}/internal/auth/v2/vvt/request-service-access-token -H 'content-type: application/json' -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).access_token')`,
    `curl -s -H "Authorization: Bearer $TOKEN" "${l.url}/fhir/MedicationDispense?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${client.bsn}&category=http://snomed.info/sct|422037009"`,
    `curl -s -X POST ${l.internalUrl}/internal/lsp/v1/scenarios/pharmacy-down`,
  ];
}
