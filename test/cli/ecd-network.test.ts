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

  // Issue 15: no path renders an unknown or partial answer as "nothing to give"; each scenario in text and --json.
  describe('what each scenario looks like to the care worker (text and --json)', () => {
    const list = (bsn: string) => ['ecd', 'toedienlijst', '--bsn', bsn, '--role', 'VVT.001', '--name', 'Anna de Vries', '--node', net.vvt.internalUrl, '-q'];
    const both = async (bsn: string) => {
      const [text, json] = await Promise.all([cli(list(bsn)), cli([...list(bsn), '--json'])]);
      return { text, json, body: JSON.parse(json.stdout) };
    };
    const NOTHING = /nothing to give/i;

    it('normal: complete, and no row warnings', async () => {
      const { text, body } = await both(net.seeded.clients[0]!.bsn);
      expect(text.stdout).toContain('Complete: all 3 sources the LSP knows for this client answered fully.');
      expect(text.stdout).not.toContain('⚠');
      expect(body.list).toMatchObject({ state: 'complete', complete: true, nothingToGive: false });
    });

    it('slow-gp: acenocoumarol from the pharmacy carries its own row warning naming the GP', async () => {
      await net.lsp.scenarios.apply('slow-gp');
      try {
        const { text, body } = await both(net.seeded.clients[0]!.bsn);
        expect(text.stdout).toMatch(/^⚠ INCOMPLETE — Huisartsenpraktijk De Linde: did not answer in time \(timeout after 2 s\)/m);
        expect(text.stdout).toMatch(/^\S+ +ACENOCOUMAROL TABLET 1MG +1 stuk +oraal +⚠ DOSE UNKNOWN$/m);
        expect(text.stdout).toContain("⚠ Dose unknown: today's dose is set by a variable dosing regimen (WDS), not received from Huisartsenpraktijk De Linde (timeout after 2 s).");
        const aceno = body.list.rows.find((r: { medication: { name: string } }) => r.medication.name.startsWith('ACENOCOUMAROL'));
        expect(aceno.warnings[0]).toMatchObject({ code: 'wds-missing', severity: 'dose-unknown', missing: ['WDS'], from: [{ name: 'Huisartsenpraktijk De Linde', status: 'timeout' }] });
        expect(body.list).toMatchObject({ state: 'timeout', nothingToGive: false });
      } finally {
        await net.lsp.scenarios.apply('normal');
      }
    });

    it.each([
      ['unregistered-patient', 0, 'not-registered', '(not registered at the LSP — this does not mean the client takes no medication)'],
      ['no-consent', 1, 'no-consent', '(no medication can be shown — this does not mean the client takes none; see the sources below)'],
    ] as const)('%s: an empty list says why and never "nothing to give"', async (scenario, client, state, line) => {
      await net.lsp.scenarios.apply(scenario);
      try {
        const { text, body } = await both(net.seeded.clients[client]!.bsn);
        expect(text.code).toBe(0);
        expect(text.stdout).toContain(line);
        expect(text.stdout).not.toMatch(NOTHING);
        expect(body.list).toMatchObject({ rows: [], state, complete: false, nothingToGive: false });
      } finally {
        await net.lsp.scenarios.apply('normal');
      }
    });

    it('an unknown BSN that passes the 11-check: not registered at the LSP', async () => {
      const { text, body } = await both('999911120');
      expect(text.stdout).toContain('⚠ Not registered at the LSP: no source system has registered data for this client. This does not mean the client takes no medication.');
      expect(text.stdout).not.toMatch(NOTHING);
      expect(body.list).toMatchObject({ state: 'not-registered', nothingToGive: false });
    });

    it('revoked-organisation: refused, with no list and the state in --json', async () => {
      await net.lsp.scenarios.apply('revoked-organisation');
      try {
        const { text, json, body } = await both(net.seeded.clients[0]!.bsn);
        expect(text.code).toBe(1);
        expect(text.stdout).toBe('');
        // refused by the LSP ("revoked"), or not offered any more by the own node once its status list copy aged out
        expect(text.stderr).toMatch(/token failed: .*(revoked|id_organization_ura_credential)/);
        expect(json.code).toBe(1);
        expect(body).toMatchObject({ ok: false, state: 'refused', step: 'token' });
        expect(['token_refused', 'wallet_incomplete']).toContain(body.code);
      } finally {
        await net.lsp.scenarios.apply('normal');
      }
    });
  });

  it('--dezi logs the care worker in at the simulated Dezi and fetches the list on the verklaring; an expired one exits 1', async () => {
    const client = net.seeded.clients[2]!;
    const ok = await cli(['ecd', 'toedienlijst', '--bsn', client.bsn, '--dezi', 'chris', '--dezi-url', net.dezi.url, '--name', 'Chris Jansen', '--node', net.vvt.internalUrl]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/^✓ Log in with Dezi: .* — C\. Jansen, Dezi 900010001, role 30\.000: verklaring [0-9a-f-]{36}$/m);
    expect(ok.stderr).toMatch(/✓ Access token: .* on the Dezi verklaring/);
    expect(ok.stdout).toContain(client.name);
    const expired = await cli(['ecd', 'toedienlijst', '--bsn', client.bsn, '--dezi', 'pieter', '--dezi-url', net.dezi.url, '--node', net.vvt.internalUrl, '-q']);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/invalid_grant: .*expired/);
    const both = await cli(['ecd', 'toedienlijst', '--bsn', client.bsn, '--dezi', 'chris', '--role', '30.000']);
    expect(both.code).toBe(2);
  });

  it('exits 1 with the reason when the role is refused, 2 on bad usage', async () => {
    const refused = await cli(['ecd', 'toedienlijst', '--bsn', net.seeded.clients[0]!.bsn, '--role', 'VVT.005', '--node', net.vvt.internalUrl, '-q']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/VVT\.005/);
    const usage = await cli(['ecd', 'toedienlijst', '--bsn', '12', '--role', 'VVT.001']);
    expect(usage.code).toBe(2);
  });
});
