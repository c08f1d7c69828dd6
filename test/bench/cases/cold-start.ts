// Child process of bench case g: starts the network on a fresh data directory, waits until every node answers /health
// with 200, prints the time since this process started, and stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNetwork } from '../../../simulators/network/network.js';
import { networkPorts } from '../../helpers/ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-bench-cold-'));
const net = await startNetwork({ datadir: dir, ports: await networkPorts(), log: () => {}, logLevel: 'silent' });
try {
  for (const base of [net.vvt.internalUrl, net.lsp.node.internalUrl]) {
    while ((await fetch(`${base}/health`)).status !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  // performance.now() counts from this process's start, so module loading is included
  process.stdout.write(JSON.stringify({ healthyMs: performance.now() }));
} finally {
  await net.stop();
  rmSync(dir, { recursive: true, force: true });
}
