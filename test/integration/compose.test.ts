// docker-compose.yml and Dockerfile checked against what the README promises (no Docker engine runs here).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../node/src/core/config.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: string; command?: string[]; ports?: string[]; profiles?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
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

  it('publishes the ports the README promises; internal APIs on loopback only', () => {
    const promised = promisedPorts();
    const expected = (svc: string) => {
      const [pub, internal] = promised[svc]!;
      return [...(pub !== '—' ? [`${pub}:${pub}`] : []), ...(internal !== '—' ? [`127.0.0.1:${internal}:${internal}`] : [])];
    };
    for (const svc of Object.keys(promised)) expect(s[svc]!.ports, svc).toEqual(expected(svc));
    expect(promised.node).toEqual(['8080', '8081']);
    expect(promised.lsp).toEqual(['9080', '9081']);
    expect(promised.dashboard).toEqual(['8000', '—']);
  });

  it('gives node and lsp configuration the node accepts, with did:web hosts of the compose network', () => {
    for (const [svc, cmd] of [['node', 'node'], ['lsp', 'lsp']] as const) {
      const command = s[svc]!.command!;
      expect(command[2]).toBe(cmd);
      const config = loadConfig({ env: s[svc]!.environment ?? {}, argv: command.slice(3) });
      const [pub, internal] = promisedPorts()[svc]!;
      expect(config.http.public.port).toBe(Number(pub));
      expect(config.http.internal.port).toBe(Number(internal));
      expect(config.http.internal.address).toBe('0.0.0.0'); // reachable from the dashboard container; published on loopback
      expect(config.url).toBe(`http://${svc}:${pub}`);
      expect(config.vdr.httpHosts).toEqual(expect.arrayContaining(['node', 'lsp']));
      expect(config.database.schema).toBe(config.name);
    }
  });

  it('points the dashboard at both internal APIs and starts it after they are healthy', () => {
    const cmd = s.dashboard!.command!;
    expect(cmd[2]).toBe('dashboard');
    expect(cmd).toEqual(expect.arrayContaining(['--port=8000', '--host=0.0.0.0', '--node=http://node:8081', '--lsp=http://lsp:9081']));
    expect(s.dashboard!.depends_on).toEqual({ node: { condition: 'service_healthy' }, lsp: { condition: 'service_healthy' } });
  });

  it('the Dockerfile exposes every published container port', () => {
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/);
    const published = ['node', 'lsp', 'dashboard'].flatMap((n) => s[n]!.ports!.map((p) => p.split(':').at(-1)!));
    expect(exposed.sort()).toEqual([...new Set(published)].sort());
  });
});
