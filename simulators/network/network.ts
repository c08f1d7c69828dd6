// The local network `npm start` runs: for now the VVT organisation's reference node; the mock LSP and dashboard join later.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createNode, type LabNode } from '../../node/src/main.js';
import { loadConfig, type NodeConfigInput } from '../../node/src/core/config.js';

export interface NetworkOptions {
  datadir?: string;
  reset?: boolean;
  env?: Record<string, string | undefined>;
  /** overrides per node, e.g. ports 0 in tests */
  vvt?: NodeConfigInput;
  log?: (line: string) => void;
}

export interface Network {
  vvt: LabNode;
  stop(): Promise<void>;
}

export async function startNetwork(opts: NetworkOptions = {}): Promise<Network> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const datadir = opts.datadir ?? '.data';
  if (opts.reset) {
    rmSync(path.resolve(datadir), { recursive: true, force: true });
    log(`• reset: removed ${path.resolve(datadir)}`);
  }
  log('• starting reference node "vvt" (VVT organisation)…');
  const vvtConfig = loadConfig({
    env: opts.env ?? process.env,
    overrides: { name: 'vvt', datadir, log: { level: 'warn' }, ...opts.vvt },
  });
  const vvt = createNode(vvtConfig);
  await vvt.start();
  log(`  ✓ vvt public ${vvt.url}  internal ${vvt.internalUrl}  store ${vvt.store.db.location}`);
  return {
    vvt,
    async stop() {
      await vvt.stop();
    },
  };
}

export function summary(net: Network): string {
  const v = net.vvt;
  return [
    '',
    'nuts-lsp-lab is running',
    `  reference node (VVT organisation)  public ${v.url}   internal ${v.internalUrl}`,
    '',
    'Try:',
    `  curl -s -X POST ${v.internalUrl}/internal/vdr/v2/subject -d '{"subject":"acme"}'`,
    `  curl -s ${v.url}/iam/acme/did.json`,
    `  curl -s ${v.internalUrl}/health`,
    '',
    'Ctrl-C stops the network.',
  ].join('\n');
}
