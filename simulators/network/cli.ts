// The `nuts-lsp-lab` command line: run the network or a single node.
import { Command } from 'commander';
import { createNode } from '../../node/src/main.js';
import { loadConfig } from '../../node/src/core/config.js';
import { startNetwork, summary } from './network.js';
import { addAuditCommands } from './audit-cli.js';

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
