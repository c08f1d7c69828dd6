// The `nuts-lsp-lab` command line: run the network or a node, check health, switch LSP scenarios, act as the ECD.
// Exit codes scripts can use: 0 ok, 1 a check failed or the network refused, 2 usage error, 3 something unreachable.
import { PACKAGE_VERSION } from '../../node/src/core/index.js';
import { Command, CommanderError, Option } from 'commander';
import { addAuditCommands } from './audit-cli.js';
import { initPki, parseOrganisationArg, type OrganisationInput, type PkiKeyType } from '../../node/src/pki/index.js';
import { roleCatalogue } from '../../node/src/vcr/index.js';
import { credentialCommands } from './credential-cli.js';
import { addConformanceCommand } from '../conformance/cli.js';
import { LSP_URA } from '../shared/identity.js';
import { networkConfigHelp } from './config.js';
import { addDataCommands } from './data-cli.js';
import { CliError, EXIT, checkBsn, cliCall, exitCodeOf, usageError } from './exit.js';
import type { Io } from '../shared/io.js';
import { nodeClient, NodeApiError } from '../../node/src/api-client/index.js';
import { LspApi, NodeApi } from '../shared/node-api.js';

export { CliError, EXIT } from './exit.js';

const stdio: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

export function buildCli(io: Io = stdio): Command {
  const program = new Command('nuts-lsp-lab')
    .description('Reference Nuts node and mock LSP for MP9 medication exchange')
    .version(PACKAGE_VERSION)
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 ok, 1 check failed or refused, 2 usage error, 3 unreachable.');

  program
    .command('up')
    .description('start the local network (same as npm start): reference node, mock LSP with its sources, dashboard')
    .option('-c, --config <file>', 'YAML configuration file (see examples/network.yaml)')
    .option('--reset', 'remove the state under the data directory first')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .addHelpText('after', () => `\n${networkConfigHelp()}`)
    .action(async (opts: { config?: string; reset?: boolean }, cmd: Command) => {
      const { startNetwork, summary } = await import('./network.js');
      const { loadNetworkConfig } = await import('./config.js');
      const config = loadNetworkConfig({ file: opts.config, env: process.env, argv: cmd.args });
      let net;
      try {
        net = await startNetwork({ config, reset: opts.reset, log: io.out });
      } catch (e) {
        if ((e as Error).name === 'PortInUseError') throw new CliError((e as Error).message, EXIT.usage);
        throw e;
      }
      io.out(summary(net));
      await waitForSignal();
      io.out('stopping…');
      await net.stop();
      io.out('stopped.');
    });

  // `node` and `lsp`: one node each, configured exactly alike (file < NLL_* environment < --key=value flags)
  const nodeCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .option('-c, --config <file>', 'YAML configuration file')
      .allowUnknownOption(true)
      .allowExcessArguments(true);

  nodeCommand('node', 'run one node; configuration from --config, NLL_* environment and --key=value flags (e.g. --http.public.port=9090)')
    .option('--discovery-server <url>', "public URL of the discovery server (the LSP): the node's discovery service definitions are pointed at it")
    .action(async (opts: { config?: string; discoveryServer?: string }, cmd: Command) => {
      const { createNode } = await import('../../node/src/main.js');
      const { loadConfig } = await import('../../node/src/core/index.js');
      const { LAB_TRUSTED_HOSTS } = await import('../lsp/main.js');
      const config = loadConfig({ file: opts.config, env: process.env, argv: cmd.args, defaults: { vdr: { httpHosts: LAB_TRUSTED_HOSTS } } });
      if (opts.discoveryServer) {
        const { pointNodeAt } = await import('./discovery-definitions.js');
        const ids = pointNodeAt(config, opts.discoveryServer);
        // the discovery server the operator names on the command line is a lab host this node talks to
        const host = new URL(opts.discoveryServer).host;
        if (!config.vdr.httpHosts.includes(host)) config.vdr.httpHosts.push(host);
        io.out(`discovery: ${ids.join(', ')} at ${opts.discoveryServer}`);
      }
      const node = createNode(config);
      await node.start();
      io.out(`node '${config.name}' listening: public ${node.url}  internal ${node.internalUrl}`);
      await waitForSignal();
      await node.stop();
    });

  nodeCommand(
    'lsp',
    'run the mock LSP node (sources, Mitz consent, scenarios); configured like `node`, with LSP defaults: name lsp, ports 9080/9081, URA 90000999, discovery server for mp9-medicatieoverdracht, trusted URA issuers only',
  )
    .option('--dezi-url <url>', 'the simulated Dezi (nuts-lsp-lab dezi), for scenario revoked-dezi-declaration; its key set is allowed separately (vcr.dezi.allowedjku)')
    .action(async (opts: { config?: string; deziUrl?: string }, cmd: Command) => {
      const { createLspNode, LSP_CONFIG_DEFAULTS } = await import('../lsp/main.js');
      const { loadConfig, publicBaseUrl } = await import('../../node/src/core/index.js');
      const { pointNodeAt } = await import('./discovery-definitions.js');
      const config = loadConfig({ file: opts.config, env: process.env, argv: cmd.args, defaults: LSP_CONFIG_DEFAULTS });
      // the LSP is the discovery server of its services: their definitions point at its own public URL
      const ids = pointNodeAt(config, publicBaseUrl(config), config.discovery.serverIds);
      const lsp = createLspNode(config, { ...(opts.deziUrl ? { deziUrl: opts.deziUrl } : {}) });
      await lsp.node.start();
      io.out(`lsp '${config.name}' listening: public ${lsp.node.url}  internal ${lsp.node.internalUrl}  discovery server for ${ids.join(', ')}  sources: ${lsp.sources.map((x) => x.config.name).join(', ')}`);
      await waitForSignal();
      await lsp.node.stop();
    });

  program
    .command('dezi')
    .description('run the simulated Dezi alone (care-worker login, verklaringen); give the LSP its key set with NLL_VCR_DEZI_ALLOWEDJKU')
    .option('--port <port>', 'port to listen on', parseIntOption, 8090)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--url <url>', 'public base URL (issuer, jku), when it is reached under another name than host:port')
    .action(async (opts: { port: number; host: string; url?: string }) => {
      const { DeziSimulator } = await import('../dezi/server.js');
      const dezi = new DeziSimulator({ ...(opts.url ? { baseUrl: opts.url } : {}) });
      await dezi.listen(opts.port, opts.host);
      io.out(`simulated Dezi listening: ${dezi.url}  key set ${dezi.jwksUri}\n  LSP: NLL_VCR_DEZI_ALLOWEDJKU=${dezi.jwksUri} nuts-lsp-lab lsp`);
      await waitForSignal();
      await dezi.close();
    });

  program
    .command('seed')
    .description('seed running nodes over their internal APIs, as npm start does (idempotent): subjects, URA and care-worker credentials, discovery registrations')
    .option('--node <url>', "the reference node's internal API", 'http://127.0.0.1:8081')
    .option('--lsp <url>', "the mock LSP's internal API", 'http://127.0.0.1:9081')
    .option('--node-for-lsp <url>', "the reference node's internal API as the LSP reaches it, to deliver URA credentials (default: --node)")
    .option('--wait <seconds>', 'wait this long for both nodes to be healthy', parseSecondsOption, 30)
    .option('--json', 'print what was seeded as JSON (progress on stderr)')
    .action(async (opts: SeedCliOptions) => {
      const seeded = await seedFromCli(opts, opts.json ? io.err : io.out);
      if (opts.json) io.out(JSON.stringify(seeded, null, 2));
      else io.out(`seeded: ${seeded.vvtOrg.name} ${seeded.vvtDid}; ${seeded.careWorkers.length} care workers; ${seeded.clients.length} clients`);
    });

  program
    .command('dashboard')
    .description('serve the dashboard against running nodes; it seeds them first (idempotent), so it is the one step after the nodes are up')
    .option('--port <port>', 'port to listen on', parseIntOption, 8000)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--node <url>', "the reference node's internal API", 'http://127.0.0.1:8081')
    .option('--lsp <url>', "the mock LSP's internal API", 'http://127.0.0.1:9081')
    .option('--node-for-lsp <url>', "the reference node's internal API as the LSP reaches it, to deliver URA credentials (default: --node)")
    .option('--wait <seconds>', 'wait this long for both nodes to be healthy', parseSecondsOption, 60)
    .action(async (opts: SeedCliOptions & { port: number; host: string }) => {
      const seeded = await seedFromCli(opts, io.out);
      const { wireDashboard } = await import('./dashboard-wiring.js');
      const { DISCOVERY_SERVICE } = await import('../lsp/main.js');
      const { node, lsp } = await apis(opts);
      const dashboard = await wireDashboard({ node, lsp, seeded, serviceId: DISCOVERY_SERVICE, port: opts.port, host: opts.host });
      io.out(`dashboard listening: ${dashboard.url}  (node ${opts.node}, lsp ${opts.lsp})`);
      await waitForSignal();
      await dashboard.close();
    });

  addAuditCommands(program);
  const pki = program.command('pki').description('the local test PKI (TEST UZI-register CA and UZI-style server certificates)');
  pki
    .command('init')
    .description('create (or keep) the test CA and a server certificate per organisation; re-running keeps existing certificates')
    .option('--dir <dir>', 'PKI directory', '.data/pki')
    .option('--org <spec>', 'organisation "Name,City,URA,AGB[,UZI]" (repeatable)', (v: string, all: OrganisationInput[]) => [...all, parseOrganisationArg(v)], [] as OrganisationInput[])
    .option('--key-type <type>', 'key type of the server certificates: RSA (as UZI) or P-256', 'RSA')
    .option('--force', 'regenerate everything, CA included')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dir: string; org: OrganisationInput[]; keyType: string; force?: boolean; json?: boolean }) => {
      if (opts.keyType !== 'RSA' && opts.keyType !== 'P-256') throw usageError(`--key-type must be RSA or P-256, got '${opts.keyType}'`);
      const r = await initPki({ dir: opts.dir, organisations: opts.org, keyType: opts.keyType as PkiKeyType, force: opts.force });
      if (opts.json) return void io.out(JSON.stringify(r, null, 2));
      const mark = (created: boolean) => (created ? 'created' : 'kept   ');
      const lines = [`test PKI in ${r.dir}`, `  ${mark(r.root.created)} root          ${r.root.subject}  sha256 ${r.root.sha256}`, `  ${mark(r.intermediate.created)} intermediate  ${r.intermediate.subject}`];
      for (const o of r.organisations) lines.push(`  ${mark(o.created)} ${o.id}: ${o.name} (${o.city}) URA ${o.ura}  valid until ${o.notAfter}`, `      did   ${o.did}`, `      chain ${o.files.chain}`, `      key   ${o.files.key}`);
      lines.push(`trust it on a node with --vcr.x509.trustedRoots=${r.root.file}`);
      io.out(lines.join('\n'));
    });

  credentialCommands(program);
  addDataCommands(program, io);
  addConformanceCommand(program, io);

  program
    .command('status')
    .description("health of the network's nodes and dashboard (GET <url>/health)")
    .option('--node <url>', "the reference node's internal API", 'http://127.0.0.1:8081')
    .option('--lsp <url>', "the mock LSP's internal API", 'http://127.0.0.1:9081')
    .option('--dashboard <url>', 'the dashboard', 'http://127.0.0.1:8000')
    .option('--timeout <ms>', 'per check', parseIntOption, 3000)
    .option('--json', 'print JSON')
    .action(async (opts: { node: string; lsp: string; dashboard: string; timeout: number; json?: boolean }) => {
      const targets = [
        ['node', opts.node],
        ['lsp', opts.lsp],
        ['dashboard', opts.dashboard],
      ] as const;
      const results = await Promise.all(targets.map(([name, url]) => checkHealth(name, url, opts.timeout)));
      if (opts.json) io.out(JSON.stringify({ ok: results.every((r) => r.status === 'up'), services: results }, null, 2));
      else for (const r of results) io.out(`${r.status === 'up' ? '✓' : '✗'} ${r.name.padEnd(10)} ${r.url.padEnd(28)} ${r.status}${r.detail ? ` — ${r.detail}` : ''}`);
      if (results.some((r) => r.status === 'unreachable')) throw new CliError('', EXIT.unreachable);
      if (results.some((r) => r.status !== 'up')) throw new CliError('', EXIT.failed);
    });

  const scenario = program.command('scenario').description("the mock LSP's failure scenarios (consent, sources down, latency, a revoked organisation credential)");
  scenario
    .command('list')
    .description('list the scenarios and which one is active')
    .option('--lsp <url>', "the mock LSP's internal API", 'http://127.0.0.1:9081')
    .option('--json', 'print JSON')
    .action(async (opts: { lsp: string; json?: boolean }) => {
      const list = await cliCall(lspApi(opts.lsp).scenarios(), 'listing scenarios failed');
      if (opts.json) return io.out(JSON.stringify(list, null, 2));
      for (const s of list) io.out(`${s.active ? '*' : ' '} ${s.name.padEnd(22)} ${s.title}`.trimEnd());
    });
  scenario
    .command('apply')
    .description('switch a scenario on (e.g. no-consent, source-down, normal)')
    .argument('<name>', 'scenario name, see `scenario list`')
    .option('--lsp <url>', "the mock LSP's internal API", 'http://127.0.0.1:9081')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { lsp: string; json?: boolean }) => {
      if (!/^[\w-]{1,64}$/.test(name)) throw new CliError(`scenario name '${name}' must be letters, digits, - or _`, EXIT.usage);
      const applied = await cliCall(lspApi(opts.lsp).applyScenario(name), `scenario '${name}' not applied`);
      io.out(opts.json ? JSON.stringify(applied, null, 2) : `scenario '${name}' applied`);
    });

  const ecd = program.command('ecd').description('act as a VVT record system (ECD) against the own node, as a supplier would');
  ecd
    .command('toedienlijst')
    .description("today's administration list (toedienlijst) of a client: token via the own node, LSP from discovery, MP9 MA/TA/WDS/MTD searches")
    .requiredOption('--bsn <bsn>', "the client's BSN (9 digits)")
    .option('--role <code>', "the care worker's role code, e.g. 30.000 (nurse) or VVT.001 (self-declared; not with --dezi)")
    .option('--dezi <care worker>', 'log the care worker in with Dezi first (PKCE, login page driven headlessly): handle or Dezi number, e.g. chris; the token then carries the verklaring')
    .option('--dezi-role <code>', "which of the care worker's Dezi roles to log in with (one verklaring per role; default the first)")
    .option('--dezi-url <url>', 'the Dezi authority (the simulated Dezi of npm start)', 'http://127.0.0.1:8090')
    .option('--name <name>', "the care worker's name", 'ECD user')
    .option('--identifier <id>', "the care worker's user id in the ECD", 'ecd-cli')
    .option('--node <url>', "the own node's internal API", 'http://127.0.0.1:8081')
    .option('--subject <subject>', "the care organisation's subject at the node", 'vvt')
    .option('--service <id>', 'discovery service that lists the LSP', 'mp9-medicatieoverdracht')
    .option('--lsp-ura <ura>', 'URA of the LSP: discovery lists it by its trusted URA credential, never by name', LSP_URA)
    .option('--scope <scope>', 'OAuth scope to ask for (default medicatieoverdracht-employee for a self-declared --role, medicatieoverdracht with --dezi)')
    .addOption(new Option('--token-type <type>', 'token type to ask for').choices(['DPoP', 'Bearer']).default('DPoP'))
    .option('--date <yyyy-mm-dd>', 'the day of the list (default today)')
    .option('--tz <zone>', 'time zone of the list', 'Europe/Amsterdam')
    .option('--access-log <file>', "the ECD's own access log, used when the node has no NEN 7513 audit API (a production nuts-node)", '.data/ecd/access-log.ndjson')
    .option('--json', 'print the list as JSON (progress still on stderr)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: ToedienlijstOptions) => {
      await toedienlijst(opts, io);
    });
  return program;
}

interface SeedCliOptions {
  node: string;
  lsp: string;
  nodeForLsp?: string;
  wait: number;
  json?: boolean;
}

async function apis(opts: { node: string; lsp: string }) {
  return { node: new NodeApi(opts.node, 'node'), lsp: new LspApi(opts.lsp, 'lsp') };
}
const lspApi = (url: string) => new LspApi(url, 'LSP', 10_000);

/** Waits for both nodes to be healthy, then seeds; a node out of reach is exit 3, a refusal exit 1. */
async function seedFromCli(opts: SeedCliOptions, log: (s: string) => void) {
  const { seedNetwork } = await import('./seed.js');
  const { node, lsp } = await apis(opts);
  const deadline = Date.now() + opts.wait * 1000;
  for (;;) {
    const [a, b] = await Promise.all([node.healthy(), lsp.healthy()]);
    if (a && b) break;
    if (Date.now() >= deadline) throw new CliError(`not healthy after ${opts.wait} s: ${[a ? '' : `node ${opts.node}`, b ? '' : `lsp ${opts.lsp}`].filter(Boolean).join(', ')}`, EXIT.unreachable);
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await seedNetwork({ node, lsp, nodeUrlForLsp: opts.nodeForLsp, log });
  } catch (e) {
    if (e instanceof NodeApiError) throw new CliError(`seeding failed: ${e.message}`, exitCodeOf(e));
    throw e;
  }
}

interface ToedienlijstOptions {
  bsn: string;
  role?: string;
  dezi?: string;
  deziRole?: string;
  deziUrl: string;
  name: string;
  identifier: string;
  node: string;
  subject: string;
  service: string;
  lspUra: string;
  scope?: string;
  tokenType: 'DPoP' | 'Bearer';
  date?: string;
  tz: string;
  accessLog?: string;
  json?: boolean;
  quiet?: boolean;
}

async function toedienlijst(opts: ToedienlijstOptions, io: Io): Promise<void> {
  checkBsn(opts.bsn);
  if (opts.date && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new CliError(`--date must be YYYY-MM-DD, got '${opts.date}'`, EXIT.usage);
  if (!opts.role && !opts.dezi) throw new CliError("error: required option '--role <code>' not specified (or log in with Dezi: --dezi <care worker>)", EXIT.usage);
  if (opts.role && opts.dezi) throw new CliError('--role and --dezi exclude each other: with Dezi the role is the one in the verklaring (choose it with --dezi-role)', EXIT.usage);
  const { EcdClient, NdjsonAccessLog, DEZI_SCOPE, EMPLOYEE_SCOPE } = await import('../ecd/client.js');
  const { buildAdministrationList, renderAdministrationListText } = await import('../ecd/toedienlijst.js');
  const { stepTitle } = await import('./flow.js');
  const client = new EcdClient({
    nodeUrl: opts.node,
    subject: opts.subject,
    serviceId: opts.service,
    lspUra: opts.lspUra,
    scope: opts.scope ?? EMPLOYEE_SCOPE,
    deziScope: opts.scope ?? DEZI_SCOPE,
    tokenType: opts.tokenType,
    ownLog: new NdjsonAccessLog(opts.accessLog ?? '.data/ecd/access-log.ndjson'),
    onStep: (s) => {
      if (opts.quiet || s.status === 'running') return;
      io.err(`${s.status === 'ok' ? '✓' : '✗'} ${stepTitle(s)}${s.durationMs !== undefined ? ` (${s.durationMs} ms)` : ''}${s.detail ? ` — ${s.detail}` : ''}`);
    },
  });
  const careWorker = opts.dezi
    ? { name: opts.name, roleName: opts.deziRole ? roleLabel(opts.deziRole) : 'Dezi', identifier: opts.dezi, dezi: { deziUrl: opts.deziUrl, careWorker: opts.dezi, ...(opts.deziRole ? { roleCode: opts.deziRole } : {}) } }
    : { name: opts.name, roleName: roleLabel(opts.role!), roleCode: opts.role, identifier: opts.identifier };
  const r = await client.fetchMedicationData({ careWorker, bsn: opts.bsn });
  if (!r.ok) {
    const unreachable = r.code === 'node_unreachable' || r.code === 'lsp_unreachable' || (r.code === 'dezi_login_failed' && /unreachable/.test(r.reason));
    // no list at all: the state says why, so a caller of --json never mistakes it for an empty (complete) list
    const state = unreachable ? 'unreachable' : ['token_refused', 'fhir_refused', 'wallet_incomplete', 'audit_refused', 'dezi_login_failed'].includes(r.code) ? 'refused' : 'error';
    if (opts.json) io.out(JSON.stringify({ ok: false, state, step: r.step, code: r.code, reason: r.reason, status: r.status }, null, 2));
    throw new CliError(`${r.step} failed: ${r.reason}`, unreachable ? EXIT.unreachable : EXIT.failed);
  }
  // Noon of the chosen date in UTC is the same calendar day in every European zone.
  const today = opts.date ? new Date(`${opts.date}T12:00:00Z`) : new Date();
  const list = buildAdministrationList({ bundles: r.bundles, today, tz: opts.tz });
  // against a nuts-node (no audit API, which is lab-only) the ECD kept the NEN 7513 records itself: say where
  if (!opts.quiet && client.auditTarget === 'ecd-log') io.err(`note: the node has no NEN 7513 audit API (as a production nuts-node); outgoing accesses were recorded in ${r.recordedIn}`);
  io.out(opts.json ? JSON.stringify({ ok: true, lsp: r.lsp, trace: r.trace, recordedIn: r.recordedIn, list }, null, 2) : renderAdministrationListText(list));
}

async function checkHealth(name: string, url: string, timeoutMs: number): Promise<{ name: string; url: string; status: 'up' | 'down' | 'unreachable'; detail?: string }> {
  try {
    // a 503 with the engines' health is an answer, not a failure: the body says what is down
    const { data, error, response } = await nodeClient(url, { timeoutMs, refusals: 'return' }).GET('/health');
    const body = (data ?? error) as { status?: string; details?: Record<string, { status?: string }> } | undefined;
    if (response.ok && String(body?.status).toUpperCase() === 'UP') return { name, url, status: 'up' };
    const down = Object.entries(body?.details ?? {})
      .filter(([, v]) => String(v?.status).toUpperCase() !== 'UP')
      .map(([k]) => k);
    return { name, url, status: 'down', detail: down.length ? `down: ${down.join(', ')}` : `HTTP ${response.status}` };
  } catch (e) {
    if (e instanceof NodeApiError) return { name, url, status: 'unreachable', detail: e.detail };
    throw e;
  }
}

function parseIntOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`expected a positive whole number, got '${v}'`, EXIT.usage);
  return n;
}

function parseSecondsOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`expected a whole number of seconds, got '${v}'`, EXIT.usage);
  return n;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Runs the CLI and returns the exit code (help and version are 0, commander usage errors 2). */
export async function runCli(argv: string[], io: Io = stdio): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv);
    // commands that report a verdict (audit verify, credential verify) set process.exitCode
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    // Help asked for (or the version) is success; help shown because a subcommand is missing is a usage error.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof CliError) {
      if (e.message) io.err(`nuts-lsp-lab: ${e.message}`);
      return e.exitCode;
    }
    io.err(`nuts-lsp-lab: ${(e as Error).message}`);
    // invalid configuration or arguments (NodeError invalid_input), a port in use: the caller changes a flag
    return (e as Error).name === 'NodeError' || (e as Error).name === 'PortInUseError' ? EXIT.usage : EXIT.failed;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.env.NLL_CLI_MAIN === '1') {
  // Exit explicitly: long-running commands (up, node) return after a signal and clean stop, and no handle may hold the process.
  process.exit(await runCli(process.argv));
}

/** The Dutch label of a role code from credentials/roles.json, or the code itself when it is not in the catalogue. */
function roleLabel(code: string): string {
  try {
    return roleCatalogue().get(code)?.nl ?? code;
  } catch {
    return code;
  }
}
