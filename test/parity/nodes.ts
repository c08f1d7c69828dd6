// Starts a lab node from one of upstream's e2e nuts.yaml files, as an operator would: the file read through the
// node's own config loader (nuts.yaml mapping), only hosts, ports and container paths adapted to loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { nutsEnvToYaml } from '../../node/src/core/nuts-yaml.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../node/src/core/config.js';
import { createNode, type LabNode, type NodeDeps } from '../../node/src/main.js';
import { freePort } from '../helpers/ports.js';
import { TEST_TRUSTED_HOSTS } from '../helpers/node.js';

export interface UpstreamNodeOptions {
  /** replaces the container path of policy.directory */
  policyDirectory?: string;
  /** replaces the container path of discovery.definitions.directory; gets the node's public URL */
  discovery?: (publicUrl: string) => string;
  deps?: NodeDeps;
  /** warnings the loader printed for this file */
  warnings?: string[];
}

/** `nutsYaml`: a nuts.yaml file, or the NUTS_* environment of a compose service (read through the same mapping). */
export async function startUpstreamConfiguredNode(name: string, nutsYaml: string | Record<string, string>, o: UpstreamNodeOptions & { x509Roots?: string[] } = {}): Promise<LabNode> {
  const [pub, int] = await Promise.all([freePort(), freePort()]);
  const url = `http://localhost:${pub}`;
  let file = nutsYaml as string;
  if (typeof nutsYaml !== 'string') {
    file = path.join(mkdtempSync(path.join(tmpdir(), `parity-env-${name}-`)), 'nuts.yaml');
    writeFileSync(file, stringify(nutsEnvToYaml(nutsYaml)));
  }
  const config = loadConfig({
    file,
    env: {},
    onWarning: (m) => o.warnings?.push(m),
    // upstream's nodes reach each other over https://nodeA etc.; here over http on loopback, so those are the trusted hosts
    defaults: { vdr: { httpHosts: TEST_TRUSTED_HOSTS } },
    overrides: {
      name,
      // upstream: https://nodeA behind nginx; here the node's own loopback address
      url,
      datadir: mkdtempSync(path.join(tmpdir(), `parity-${name}-`)),
      database: { sqlite: ':memory:' },
      http: { public: { address: '127.0.0.1', port: pub }, internal: { address: '127.0.0.1', port: int } },
      log: { level: 'silent' },
      ...(o.policyDirectory ? { policy: { directory: o.policyDirectory } } : {}),
      ...(o.discovery ? { discovery: { directory: o.discovery(url) } } : {}),
      ...(o.x509Roots ? { vcr: { x509: { trustedRoots: o.x509Roots } } } : {}),
    },
  });
  const node = createNode(config, o.deps);
  await node.start();
  return node;
}

/** Trusts an issuer for a credential type at a node (POST /internal/vcr/v2/verifier/trust, an upstream route). */
export async function trustAt(node: LabNode, issuer: string, credentialType: string): Promise<Response> {
  return fetch(`${node.internalUrl}/internal/vcr/v2/verifier/trust`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ issuer, credentialType }) });
}
