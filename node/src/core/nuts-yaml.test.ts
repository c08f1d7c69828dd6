// A nuts-node nuts.yaml starts a lab node: meaningful keys mapped, the rest named in warnings, never refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { looksLikeNutsYaml, mapNutsYaml, nutsEnvToYaml } from './nuts-yaml.js';

const NUTS_YAML = `url: https://nodeA
verbosity: debug
strictmode: false
internalratelimiter: false
http:
  log: metadata-and-body
  internal:
    address: :8081
auth:
  accesstokenlifespan: 900
  contractvalidators:
    - dummy
policy:
  directory: ./policies
discovery:
  definitions:
    directory: /nuts/discovery
  server:
    ids: e2e-test
  client:
    refreshinterval: 10m
tls:
  certfile: /opt/nuts/certificate-and-key.pem
`;

describe('nuts.yaml (nuts-node v6) as node configuration', () => {
  it('maps what has a meaning here and warns, by key, about the rest', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nuts-yaml-'));
    const file = path.join(dir, 'nuts.yaml');
    writeFileSync(file, NUTS_YAML);
    const warnings: string[] = [];
    const c = loadConfig({ file, env: {}, onWarning: (w) => warnings.push(w) });
    expect(c).toMatchObject({
      url: 'https://nodeA',
      log: { level: 'debug' },
      http: { internal: { address: '0.0.0.0', port: 8081 } },
      auth: { accessTokenValiditySeconds: 900 },
      policy: { directory: path.join(dir, 'policies') },
      discovery: { directory: '/nuts/discovery', serverIds: ['e2e-test'], refreshIntervalSeconds: 600 },
    });
    expect(warnings.map((w) => w.replace(/^nuts\.yaml: /, ''))).toEqual([
      "nuts.yaml key 'strictmode' has no meaning in nuts-lsp-lab and is ignored",
      "nuts.yaml key 'internalratelimiter' has no meaning in nuts-lsp-lab and is ignored",
      "nuts.yaml key 'http.log' has no meaning in nuts-lsp-lab and is ignored",
      "nuts.yaml key 'auth.contractvalidators' has no meaning in nuts-lsp-lab and is ignored",
      "nuts.yaml key 'tls.certfile' has no meaning in nuts-lsp-lab and is ignored",
    ]);
  });

  it('tells a nuts-node file from a lab file; a lab file keeps its strict unknown-key errors', () => {
    expect(looksLikeNutsYaml({ verbosity: 'info' })).toBe(true);
    expect(looksLikeNutsYaml({ http: { internal: { address: ':8081' } } })).toBe(true);
    expect(looksLikeNutsYaml({ name: 'vvt', http: { internal: { address: '127.0.0.1', port: 8081 } } })).toBe(false);
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-yaml-'));
    const file = path.join(dir, 'node.yaml');
    writeFileSync(file, 'name: vvt\nbogus: 1\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key 'bogus'/);
  });

  it('reads the NUTS_* environment convention of a compose service', () => {
    const doc = nutsEnvToYaml({ NUTS_URL: 'https://nodeA', NUTS_HTTP_INTERNAL_ADDRESS: ':8081', NUTS_STRICTMODE: 'false', NUTS_DISCOVERY_SERVER_IDS: 'e2e-test', PATH: '/usr/bin' });
    expect(doc).toEqual({ url: 'https://nodeA', http: { internal: { address: ':8081' } }, strictmode: false, discovery: { server: { ids: 'e2e-test' } } });
    expect(mapNutsYaml(doc).config).toMatchObject({ url: 'https://nodeA', discovery: { serverIds: ['e2e-test'] } });
  });
});
