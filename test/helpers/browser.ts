// Test helper: headless Debian chromium through playwright-core, with the flags the environment reference asks for.
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules` to give a test's made-up host name a loopback server. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** The real network in-process plus a browser, for the browser suites; `stop()` closes both and removes the data. */
export interface BrowserLab {
  net: import('../../simulators/network/network.js').Network;
  browser: Browser;
  stop(): Promise<void>;
}

export async function startBrowserLab(prefix: string): Promise<BrowserLab> {
  const { mkdirSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { startNetwork } = await import('../../simulators/network/network.js');
  const { networkPorts } = await import('./ports.js');
  mkdirSync(path.resolve(import.meta.dirname, '..', 'artifacts'), { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  // the dashboard on a port the OS picks at bind time: no race with the sources binding theirs
  const net = await startNetwork({ datadir: dir, ports: { ...(await networkPorts()), dashboard: 0 }, inMemory: true, log: () => {}, logLevel: 'silent' });
  const browser = await launchChromium();
  return {
    net,
    browser,
    async stop() {
      await browser.close();
      await net.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
