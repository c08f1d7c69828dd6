// The network as docker compose runs it, without Docker: `nuts-lsp-lab node` and `nuts-lsp-lab lsp` as separate
// processes, seeded by `nuts-lsp-lab seed` over their internal APIs; the ECD CLI and the LSP scenarios against them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoFile } from '../../node/src/fhir/demo.js';
import { LspApi, NodeApi } from '../../simulators/shared/node-api.js';
import { CARE_WORKERS, vvtOrganisation } from '../../simulators/network/seed.js';
import { freePort, networkPorts } from '../helpers/ports.js';
import { startCli, type CliChild } from '../helpers/replicas.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'nll-processes-'));
// no NLL_* from the developer's shell: the children get exactly the flags below
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NLL_') && k !== 'DATABASE_URL'));
const children: CliChild[] = [];
let ports: Awaited<ReturnType<typeof networkPorts>>;
let nodeUrl: string;
let lspUrl: string;

const cli = (args: string[]) =>
  run('node', ['bin/nuts-lsp-lab.mjs', ...args], { cwd: root, env, timeout: 20_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

/** A long-running CLI command, stopped by afterAll even when it never came up. */
const startChild = (args: string[]) => startCli(args, {}, children);

// the two processes trust each other's public host (and nothing else on loopback), as compose lists node:8080,lsp:9080
const labHosts = () => `--vdr.httpHosts=localhost:${ports.vvt.public},localhost:${ports.lsp.public}`;
const common = (p: { public: number; internal: number }) => [`--datadir=${dir}`, labHosts(), '--http.public.address=127.0.0.1', `--http.public.port=${p.public}`, `--http.internal.port=${p.internal}`, '--database.sqlite=:memory:', '--log.level=warn'];

beforeAll(async () => {
  ports = await networkPorts();
  const org = vvtOrganisation();
  await Promise.all([
    startChild(['lsp', ...common(ports.lsp)]),
    startChild(['node', '--name=vvt', ...common(ports.vvt), `--organization.ura=${org.ura}`, `--organization.name=${org.name}`, '--discovery.refreshIntervalSeconds=10', `--discovery-server=http://localhost:${ports.lsp.public}`]),
  ]);
  nodeUrl = `http://127.0.0.1:${ports.vvt.internal}`;
  lspUrl = `http://127.0.0.1:${ports.lsp.internal}`;
}, 30_000);

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('node and lsp as separate processes (the docker compose layout)', () => {
  const client = readDemoFile().clients[0]!;
  const anna = CARE_WORKERS.find((w) => w.id === 'anna')!;
  const toedienlijst = () => cli(['ecd', 'toedienlijst', '--bsn', client.bsn, '--role', anna.roleCode, '--name', anna.name, '--node', nodeUrl, '--json', '-q']);

  it('seed, then the administration list comes back complete; revoked-organisation refuses the token, normal restores it', async () => {
    const seeded = await cli(['seed', '--node', nodeUrl, '--lsp', lspUrl, '--json']);
    expect(seeded.stderr).toMatch(/NutsUraCredential for Thuiszorg De Zonnebloem \(URA 90000303\) issued by the LSP/);
    expect(seeded.code).toBe(0);
    const s = JSON.parse(seeded.stdout);
    expect(s.vvtDid).toBe(`did:web:localhost%3A${ports.vvt.public}:iam:vvt`);
    expect(s.lspDid).toBe(`did:web:localhost%3A${ports.lsp.public}:iam:lsp`);

    const ok = await toedienlijst();
    expect(ok.code, ok.stderr).toBe(0);
    const list = JSON.parse(ok.stdout).list;
    expect(list.complete).toBe(true);
    expect(list.patient.name).toContain(client.family);
    expect(list.rows.length).toBeGreaterThan(0);
    expect(list.sources.map((x: { status: string }) => x.status)).toEqual(list.sources.map(() => 'complete'));

    const revoked = await cli(['scenario', 'apply', 'revoked-organisation', '--lsp', lspUrl, '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout).changes.at(-1)).toBe('revoked 1 NutsUraCredential(s) of Thuiszorg De Zonnebloem');
    // the node's cached token is refused at the LSP's FHIR endpoint; the new token the ECD then asks for is refused too:
    // by the LSP ("revoked"), or, once the own node's copy of the LSP's status list is older than its max-age (5 s), the
    // own node no longer offers the revoked credential (412)
    const refused = await toedienlijst();
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, state: 'refused', step: 'token' });
    expect(refused.stderr).toMatch(/token failed: token request refused .*(revoked|id_organization_ura_credential)/);

    const normal = await cli(['scenario', 'apply', 'normal', '--lsp', lspUrl, '--json']);
    expect(normal.code, normal.stderr).toBe(0);
    expect(JSON.parse(normal.stdout).changes.at(-1)).toBe('LSP (Landelijk Schakelpunt, mock) holds a valid URA credential; re-issued the URA credential of Thuiszorg De Zonnebloem');
    const again = await toedienlijst();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).list.complete).toBe(true);
  }, 40_000);

  it('the dashboard command seeds again without issuing anything, then serves the network it reads over the internal APIs', async () => {
    const node = new NodeApi(nodeUrl, 'vvt');
    const lsp = new LspApi(lspUrl, 'lsp');
    const before = await node.wallet('vvt');
    const port = await freePort();
    const dashboard = await startChild(['dashboard', `--port=${port}`, '--node', nodeUrl, '--lsp', lspUrl]);
    expect(dashboard.output()).toMatch(/care-worker role credentials/);
    expect(dashboard.output()).not.toMatch(/issued by the LSP|removed/);
    expect(await node.wallet('vvt')).toEqual(before);
    // one URA credential in the wallet: the revoked one was taken out when normal re-issued
    const ura = await node.wallet('vvt', 'NutsUraCredential');
    expect(ura).toHaveLength(1);
    expect((await node.verify(ura[0]!)).validity).toBe(true);
    expect((await lsp.organisations()).map((o) => [o.subject, o.walletUrl])).toEqual([
      ['lsp', lspUrl],
      ['vvt', nodeUrl],
    ]);

    const view = (await (await fetch(`http://127.0.0.1:${port}/api/network`)).json()) as { nodes: Array<{ name: string; healthy: boolean; publicUrl: string; organisations: Array<{ did: string; credentials: Array<{ type: string; status: string }> }> }> };
    expect(view.nodes.map((n) => [n.name, n.healthy, n.publicUrl])).toEqual([
      ['vvt', true, `http://localhost:${ports.vvt.public}`],
      ['lsp', true, `http://localhost:${ports.lsp.public}`],
    ]);
    expect(view.nodes[0]!.organisations[0]!.did).toBe(`did:web:localhost%3A${ports.vvt.public}:iam:vvt`);
    expect(view.nodes[0]!.organisations[0]!.credentials.map((c) => `${c.type}:${c.status}`).sort()).toEqual([...Array(4).fill('CareWorkerRoleCredential:valid'), 'NutsUraCredential:valid']);
    const scenarios = (await (await fetch(`http://127.0.0.1:${port}/api/scenarios`)).json()) as Array<{ name: string; active: boolean }>;
    expect(scenarios.find((x) => x.active)?.name).toBe('normal');
  });

  it('seed against a node that is not there exits 3 and names it', async () => {
    const r = await cli(['seed', '--node', `http://127.0.0.1:${ports.dashboard}`, '--lsp', lspUrl, '--wait', '0']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`node http://127.0.0.1:${ports.dashboard}`);
  });
});
