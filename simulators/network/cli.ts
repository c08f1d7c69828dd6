// The `nuts-lsp-lab` command line: run the network or a single node.
import { Command } from 'commander';
import { createNode } from '../../node/src/main.js';
import { loadConfig } from '../../node/src/core/config.js';
import { startNetwork, summary } from './network.js';
import { addAuditCommands } from './audit-cli.js';
import { initPki, parseOrganisationArg, type OrganisationInput, type PkiKeyType } from '../../node/src/pki/index.js';
import { credentialCommands } from './credential-cli.js';

export function buildCli(): Command {
  const program = new Command('nuts-lsp-lab')
    .description('Reference Nuts node and mock LSP for MP9 medication exchange')
    .version('0.1.0')
    .showHelpAfterError()
    // usage errors throw instead of exiting, so they map to exit code 2 below
    .exitOverride();

  program
    .command('up')
    .description('start the local network (same as npm start)')
    .option('--reset', 'remove the state under .data first')
    .option('--datadir <dir>', 'state directory', '.data')
    .action(async (opts: { reset?: boolean; datadir: string }) => {
      const net = await startNetwork({ reset: opts.reset, datadir: opts.datadir });
      process.stdout.write(summary(net) + '\n');
      await waitForSignal();
      await net.stop();
    });

  program
    .command('node')
    .description('run one node; configuration from --config, NLL_* environment and --key=value flags (e.g. --http.public.port=9090)')
    .option('-c, --config <file>', 'YAML configuration file')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (opts: { config?: string }, cmd: Command) => {
      const config = loadConfig({ file: opts.config, env: process.env, argv: cmd.args });
      const node = createNode(config);
      await node.start();
      process.stdout.write(`node '${config.name}' listening: public ${node.url}  internal ${node.internalUrl}\n`);
      await waitForSignal();
      await node.stop();
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
      if (opts.keyType !== 'RSA' && opts.keyType !== 'P-256') throw new Error(`--key-type must be RSA or P-256, got '${opts.keyType}'`);
      const r = await initPki({ dir: opts.dir, organisations: opts.org, keyType: opts.keyType as PkiKeyType, force: opts.force });
      if (opts.json) return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      const mark = (created: boolean) => (created ? 'created' : 'kept   ');
      const lines = [`test PKI in ${r.dir}`, `  ${mark(r.root.created)} root          ${r.root.subject}  sha256 ${r.root.sha256}`, `  ${mark(r.intermediate.created)} intermediate  ${r.intermediate.subject}`];
      for (const o of r.organisations) lines.push(`  ${mark(o.created)} ${o.id}: ${o.name} (${o.city}) URA ${o.ura}  valid until ${o.notAfter}`, `      did   ${o.did}`, `      chain ${o.files.chain}`, `      key   ${o.files.key}`);
      lines.push(`trust it on a node with --vcr.x509.trustedRoots=${r.root.file}`);
      process.stdout.write(lines.join('\n') + '\n');
    });

  credentialCommands(program);
  return program;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

if (import.meta.url === `file://${process.argv[1]}` || process.env.NLL_CLI_MAIN === '1') {
  buildCli()
    .parseAsync(process.argv)
    .catch((e: Error & { code?: string; exitCode?: number }) => {
      if (e.name === 'CommanderError') process.exit(e.exitCode === 0 ? 0 : 2); // commander already printed it
      process.stderr.write(`nuts-lsp-lab: ${e.message}\n`);
      process.exit(e.name === 'NodeError' ? 2 : 1);
    });
}
