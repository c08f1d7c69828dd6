// docker-compose.yml and Dockerfile checked against what the README promises and what the CLI accepts (no Docker engine
// runs here; test/integration/separate-processes.test.ts runs the same commands as processes).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Command } from 'commander';
import { loadConfig, type NodeConfig } from '../../node/src/core/config.js';
import { buildCli } from '../../simulators/network/cli.js';
import { DISCOVERY_SERVICE, LSP_CONFIG_DEFAULTS } from '../../simulators/lsp/main.js';
import { vvtOrganisation } from '../../simulators/network/seed.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: string; command?: string[]; ports?: string[]; profiles?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; healthcheck?: { test: string[] } }>;
};
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

/** Rows of the README's compose table: service → [public port, internal port]. */
function promisedPorts(): Record<string, [string, string]> {
  const section = readme.split('## docker compose')[1]!.split('\n## ')[0]!;
  const rows = [...section.matchAll(/^\| `(\w+)` \| [^|]+\| ([\d—]+) \| ([\d—]+) \|$/gm)];
  return Object.fromEntries(rows.map((m) => [m[1]!, [m[2]!, m[3]!]]));
}

describe('docker-compose.yml', () => {
  const s = compose.services;

  it('has the services the README names, the app ones from one image', () => {
    expect(Object.keys(promisedPorts()).sort()).toEqual(['dashboard', 'lsp', 'node', 'postgres']);
    expect(Object.keys(s).sort()).toEqual(['dashboard', 'lsp', 'node', 'postgres']);
    for (const name of ['node', 'lsp', 'dashboard']) {
      expect(s[name]!.image).toBe('nuts-lsp-lab:latest');
      expect(s[name]!.build).toBe('.');
      expect(s[name]!.profiles).toBeUndefined();
      expect(s[name]!.command!.slice(0, 2)).toEqual(['npx', 'nuts-lsp-lab']);
    }
    expect(s.postgres!.profiles).toEqual(['postgres']);
    expect(s.postgres!.image).toMatch(/^postgres:\d+/);
  });

  it('publishes the ports the README promises; internal APIs and the dashboard on loopback only', () => {
    const promised = promisedPorts();
    const expected = (svc: string) => {
      const [pub, internal] = promised[svc]!;
      return [...(pub !== '—' ? [`${pub}:${pub}`] : []), ...(internal !== '—' ? [`127.0.0.1:${internal}:${internal}`] : [])];
    };
    for (const svc of Object.keys(promised)) expect(s[svc]!.ports, svc).toEqual(expected(svc));
    expect(promised.node).toEqual(['8080', '8081']);
    expect(promised.lsp).toEqual(['9080', '9081']);
    // the dashboard can switch scenarios and read audit logs: like the internal APIs, only for this machine
    expect(promised.dashboard).toEqual(['—', '8000']);
  });

  /** The CLI subcommand a service runs, with its arguments parsed the way `nuts-lsp-lab` parses them. */
  function parsed(svc: string): { cmd: Command; opts: Record<string, unknown>; unknown: string[] } {
    const command = s[svc]!.command!;
    const cmd = buildCli({ out: () => {}, err: () => {} }).commands.find((c) => c.name() === command[2]);
    expect(cmd, `${svc}: nuts-lsp-lab has no command '${command[2]}'`).toBeDefined();
    const { operands, unknown } = cmd!.parseOptions(command.slice(3));
    expect(operands, svc).toEqual([]);
    return { cmd: cmd!, opts: cmd!.opts(), unknown };
  }

  /** The node configuration a `node` or `lsp` service ends up with: its options to the CLI, the rest to the config loader. */
  function configOf(svc: string): { config: NodeConfig; opts: Record<string, unknown> } {
    const { cmd, opts, unknown } = parsed(svc);
    const defaults = cmd.name() === 'lsp' ? LSP_CONFIG_DEFAULTS : undefined;
    return { config: loadConfig({ env: s[svc]!.environment ?? {}, argv: unknown, defaults }), opts };
  }

  it('runs only commands the CLI has, with flags it accepts', () => {
    for (const svc of ['node', 'lsp', 'dashboard']) expect(parsed(svc).cmd.name()).toBe(s[svc]!.command![2]);
    expect(parsed('dashboard').unknown).toEqual([]);
  });

  it('gives node and lsp configuration the node accepts, with did:web hosts of the compose network', () => {
    for (const [svc, cmd] of [['node', 'node'], ['lsp', 'lsp']] as const) {
      const command = s[svc]!.command!;
      expect(command[2]).toBe(cmd);
      const { config } = configOf(svc);
      const [pub, internal] = promisedPorts()[svc]!;
      expect(config.http.public.port).toBe(Number(pub));
      expect(config.http.internal.port).toBe(Number(internal));
      expect(config.http.internal.address).toBe('0.0.0.0'); // reachable from the dashboard container; published on loopback
      expect(config.url).toBe(`http://${svc}:${pub}`);
      expect(config.vdr.httpHosts).toEqual(['node:8080', 'lsp:9080']);
      expect(config.database.schema).toBe(config.name);
      // the healthcheck asks the internal port the node listens on
      expect(s[svc]!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${internal}/health`);
    }
  });

  it('configures the reference node as npm start does: the demo VVT organisation, discovery at the LSP', () => {
    const { config, opts } = configOf('node');
    const org = vvtOrganisation();
    expect(config.organization).toEqual({ ura: org.ura, name: org.name });
    expect(opts.discoveryServer).toBe(`http://lsp:${promisedPorts().lsp![0]}`);
    expect(config.discovery.refreshIntervalSeconds).toBe(10);
  });

  it('gives the LSP its role by the lsp command: URA 90000999, discovery server for MP9, trusted URA issuers only', () => {
    const { config } = configOf('lsp');
    expect(config.organization).toEqual({ ura: '90000999', name: 'LSP (Landelijk Schakelpunt, mock)' });
    expect(config.discovery.serverIds).toEqual([DISCOVERY_SERVICE]);
    expect(config.auth.requireTrustedIssuers).toBe(true);
    // and the defaults stay overridable by flags, as with any node
    expect(loadConfig({ argv: ['--organization.ura=90000111', '--auth.requireTrustedIssuers=false'], defaults: LSP_CONFIG_DEFAULTS })).toMatchObject({ organization: { ura: '90000111' }, auth: { requireTrustedIssuers: false } });
  });

  it('points the dashboard at both internal APIs and starts it after they are healthy', () => {
    const cmd = s.dashboard!.command!;
    expect(cmd[2]).toBe('dashboard');
    const [nodePub, nodeInternal] = promisedPorts().node!;
    const [, lspInternal] = promisedPorts().lsp!;
    expect(parsed('dashboard').opts).toMatchObject({ port: Number(promisedPorts().dashboard![1]), host: '0.0.0.0', node: `http://node:${nodeInternal}`, lsp: `http://lsp:${lspInternal}` });
    expect(nodePub).toBe('8080');
    expect(s.dashboard!.depends_on).toEqual({ node: { condition: 'service_healthy' }, lsp: { condition: 'service_healthy' } });
  });

  it('the Dockerfile exposes every published container port', () => {
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/);
    const published = ['node', 'lsp', 'dashboard'].flatMap((n) => s[n]!.ports!.map((p) => p.split(':').at(-1)!));
    expect(exposed.sort()).toEqual([...new Set(published)].sort());
  });
});
