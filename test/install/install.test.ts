// The clean-machine path a supplier's CI takes (README "CI"): pack the package, install the tarball into an empty
// project (no tsx, no devDependencies, no clone), start the network on other ports and a public host name, import a
// data folder with one new client, run the ECD and a conformance profile against it, each with its documented exit code.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'nll-install-'));
const project = path.join(work, 'project');
let up: ChildProcess | undefined;
let upOutput = '';
const ports = { vvtPublic: 0, vvtInternal: 0, lspPublic: 0, lspInternal: 0, dashboard: 0, tvs: 0, portal: 0 };
let host = '127.0.0.1';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd ?? project, timeout: opts.timeout ?? 60_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', NLL_CLI_MAIN: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
/** `npx nuts-lsp-lab …` in the project, as a supplier's CI calls it */
const lab = (...args: string[]) => run('npx', ['--no-install', 'nuts-lsp-lab', ...args], { timeout: 90_000 });

beforeAll(async () => {
  // a host name other than localhost that reaches this machine (its own name when that resolves to loopback)
  try {
    const { address } = await lookup(hostname());
    if (address.startsWith('127.')) host = hostname();
  } catch {
    // keep 127.0.0.1
  }
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();

  const pack = await run('npm', ['pack', '--pack-destination', work], { cwd: root, timeout: 180_000 });
  expect(pack.code, pack.stderr).toBe(0);
  const tgz = readdirSync(work).find((f) => /^nuts-lsp-lab-.*\.tgz$/.test(f));
  expect(tgz).toBeDefined();

  mkdirSync(project);
  // npm 11 runs dependency install scripts by policy: better-sqlite3 builds its binding; the others need none
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'supplier-ci', version: '1.0.0', private: true, allowScripts: { 'better-sqlite3': true, '@sphereon/pex': false, fhirpath: false } }, null, 2));
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, tgz!)], { timeout: 540_000 });
  expect(install.code, install.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  if (up && up.exitCode === null) {
    up.kill('SIGTERM');
    await new Promise((r) => up!.once('exit', r));
  }
  rmSync(work, { recursive: true, force: true });
});

describe('installed from the tarball', () => {
  it('ships what runs and nothing to build: no tsx, no TypeScript sources, no devDependencies', () => {
    const pkg = path.join(project, 'node_modules', 'nuts-lsp-lab');
    expect(existsSync(path.join(pkg, 'dist', 'simulators', 'network', 'cli.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'simulators', 'network', 'cli.ts'))).toBe(false);
    for (const dev of ['tsx', 'typescript', 'vitest', 'esbuild']) expect(existsSync(path.join(project, 'node_modules', dev)), dev).toBe(false);
    for (const data of ['credentials/roles.json', 'fhir-profiles/rules/mp9-3.0.json', 'node/api/auth-v2.yaml', 'simulators/lsp/config/sources.json', 'simulators/network/dashboard/public/index.html', 'data/demo/vvt-clients.json', 'examples/network.yaml', 'node/src/fhir/model/r4-types.json']) {
      expect(existsSync(path.join(pkg, data)), data).toBe(true);
    }
  });

  it('is a library too: the node and the network import from the package', async () => {
    const r = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('nuts-lsp-lab'); const n = await import('nuts-lsp-lab/network'); console.log(typeof m.createNode, typeof n.startNetwork)"]);
    expect(r.stdout.trim(), r.stderr).toBe('function function');
  });

  it('up: the network on other ports and a public host name', async () => {
    // the command itself (npx in front would have to pass Ctrl-C on)
    up = spawn(
      path.join(project, 'node_modules', '.bin', 'nuts-lsp-lab'),
      [
        'up',
        `--host=${host}`,
        `--ports.vvt.public=${ports.vvtPublic}`, `--ports.vvt.internal=${ports.vvtInternal}`,
        `--ports.lsp.public=${ports.lspPublic}`, `--ports.lsp.internal=${ports.lspInternal}`,
        `--ports.dashboard=${ports.dashboard}`, `--ports.tvs=${ports.tvs}`, `--ports.portal=${ports.portal}`,
      ],
      { cwd: project, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: false },
    );
    up.stdout!.on('data', (d) => (upOutput += String(d)));
    up.stderr!.on('data', (d) => (upOutput += String(d)));
    const deadline = Date.now() + 90_000;
    while (!upOutput.includes('nuts-lsp-lab is running') && up.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(upOutput).toContain('nuts-lsp-lab is running');
    expect(upOutput).toContain(`DID did:web:${host}%3A${ports.vvtPublic}:iam:vvt`);
    // state and the request log live in the supplier's project, not in the package
    expect(existsSync(path.join(project, '.data', 'network.log'))).toBe(true);
    const status = await lab('status', '--node', `http://127.0.0.1:${ports.vvtInternal}`, '--lsp', `http://127.0.0.1:${ports.lspInternal}`, '--dashboard', `http://127.0.0.1:${ports.dashboard}`);
    expect(status.code, status.stdout + status.stderr).toBe(0);
  });

  it('data import: a folder with one new client (exit 0), checked before anything is sent (exit 2)', async () => {
    const data = path.join(project, 'my-clients');
    cpSync(path.join(project, 'node_modules', 'nuts-lsp-lab', 'examples', 'data'), data, { recursive: true });
    const bad = await lab('data', 'import', data, '--lsp', `http://127.0.0.1:${ports.lspInternal}`, '--source', 'no-such-source');
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain("unknown source 'no-such-source'");
    const r = await lab('data', 'import', data, '--lsp', `http://127.0.0.1:${ports.lspInternal}`, '--consent', 'ja');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('999911065 (Albertus de Boer)');
    const list = await lab('data', 'list', '--lsp', `http://127.0.0.1:${ports.lspInternal}`, '--json');
    expect(list.code).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain('"bsn":"999911065"');
  });

  it('ecd toedienlijst for the new client: exit 0 with its medication; a BSN failing the 11-check is exit 2', async () => {
    const r = await lab('ecd', 'toedienlijst', '--node', `http://127.0.0.1:${ports.vvtInternal}`, '--bsn', '999911065', '--role', '30.000', '--name', 'Chris Jansen', '--json', '-q');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('AMLODIPINE TABLET 5MG');
    const bad = await lab('ecd', 'toedienlijst', '--node', `http://127.0.0.1:${ports.vvtInternal}`, '--bsn', '999911066', '--role', '30.000');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('11-check');
  });

  it('conformance, fhir and node profiles against the network (exit 0, JUnit written); an unreachable target is exit 3', async () => {
    const vvt = `http://${host}:${ports.vvtPublic}`;
    const internal = `http://127.0.0.1:${ports.vvtInternal}`;
    const fhir = await lab('conformance', '--profile', 'fhir', '--target', `${vvt}/fhir`, '--node', internal, '--subject', 'vvt', '--authorization-server', `${vvt}/oauth2/vvt`, '--load-qa-data', '--load-url', `${internal}/internal/fhir`, '--expect-auth', '--junit', 'reports/conformance-fhir.xml');
    expect(fhir.code, fhir.stdout + fhir.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'reports', 'conformance-fhir.xml'), 'utf8')).toContain('<testsuite');
    const node = await lab('conformance', '--profile', 'node', '--target', vvt, '--internal', internal, '--junit', 'reports/conformance-node.xml');
    expect(node.code, node.stdout + node.stderr).toBe(0);
    const closed = await freePort();
    const down = await lab('conformance', '--profile', 'node', '--target', `http://127.0.0.1:${closed}`, '--internal', `http://127.0.0.1:${closed}`);
    expect(down.code).toBe(3);
  });

  it('Ctrl-C (SIGTERM) stops the network cleanly with exit 0', async () => {
    up!.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => up!.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(upOutput).toContain('stopped.');
  });
});
