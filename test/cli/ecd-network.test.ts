// The ecd CLI as a supplier runs it, against the real local network: the administration list and, under a scenario,
// the reason data is missing; exit codes for refusals and bad usage.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import { networkPorts } from '../helpers/ports.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'nll-ecd-cli-'));
let net: Network;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent' });
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nuts-lsp-lab ecd toedienlijst (the CLI as a supplier runs it)', () => {
  const cli = (args: string[]) => run('node', ['bin/nuts-lsp-lab.mjs', ...args], { timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

  it('prints the administration list and, under a scenario, the reason data is missing', async () => {
    const client = net.seeded.clients[2]!;
    const base = ['ecd', 'toedienlijst', '--bsn', client.bsn, '--role', 'VVT.001', '--name', 'Anna de Vries', '--node', net.vvt.internalUrl, '-q'];
    const ok = await cli(base);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Toedienlijst (administration list)');
    expect(ok.stdout).toContain(client.name);
    expect(ok.stdout).toContain('LEVODOPA/CARBIDOPA TABLET 100/25MG');
    expect(ok.stdout).toMatch(/✓ Apotheek De Vijzel: complete/);

    await net.lsp.scenarios.apply('pharmacy-down');
    try {
      const partial = await cli(base);
      expect(partial.code).toBe(0);
      expect(partial.stdout).toMatch(/✗ Apotheek De Vijzel: unreachable \(source system down\)/);
    } finally {
      await net.lsp.scenarios.apply('normal');
    }
    const json = await cli([...base, '--json']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(true);
    expect(parsed.list.rows.length).toBeGreaterThan(0);
  });

  it('exits 1 with the reason when the role is refused, 2 on bad usage', async () => {
    const refused = await cli(['ecd', 'toedienlijst', '--bsn', net.seeded.clients[0]!.bsn, '--role', 'VVT.005', '--node', net.vvt.internalUrl, '-q']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/VVT\.005/);
    const usage = await cli(['ecd', 'toedienlijst', '--bsn', '12', '--role', 'VVT.001']);
    expect(usage.code).toBe(2);
  });
});
