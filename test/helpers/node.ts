// Test helper: a real node on ephemeral loopback ports with an in-memory SQLite store (or PostgreSQL when given).
import { readBody } from '../../node/src/core/http.js';
import { createNode, type LabNode, type NodeDeps } from '../../node/src/main.js';
import { loadConfig, type NodeConfig, type NodeConfigInput } from '../../node/src/core/config.js';

/**
 * The lab hosts test nodes trust: every test node listens on an ephemeral loopback port, so peers are listed by host.
 * The address policy itself stays on (https and public addresses for everyone else); security tests list less.
 */
export const TEST_TRUSTED_HOSTS = ['127.0.0.1', 'localhost'];

/** Configuration of a test node: ephemeral loopback ports, in-memory SQLite, quiet logs, a test organisation. */
export function testNodeConfig(name = 'test', overrides: NodeConfigInput = {}): NodeConfig {
  return loadConfig({
    env: {},
    // under the overrides, so a test that configures vdr (or lists fewer trusted hosts) keeps the rest
    defaults: { vdr: { httpHosts: TEST_TRUSTED_HOSTS } },
    overrides: {
      name,
      organization: { ura: '90009999', name: `Test organisation ${name}` },
      database: { sqlite: ':memory:' },
      log: { level: (process.env.NLL_TEST_LOG as 'info' | undefined) ?? 'silent' },
      ...overrides,
      // a test that sets other http keys (a rate limit, say) still listens on ephemeral ports, never on 8080/8081
      http: { public: { address: '127.0.0.1', port: 0 }, internal: { address: '127.0.0.1', port: 0 }, ...overrides.http },
    },
  });
}

/** `setup` runs before the node starts, e.g. to mount a test-only router. */
export async function startTestNode(name = 'test', overrides: NodeConfigInput = {}, deps: NodeDeps = {}, setup?: (node: LabNode) => void): Promise<LabNode> {
  const node = createNode(testNodeConfig(name, overrides), deps);
  setup?.(node);
  await node.start();
  return node;
}

/** JSON request against a node's internal API. */
export async function internal(node: LabNode, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(node.internalUrl + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const { text, json } = await readBody(res);
  return { status: res.status, headers: res.headers, text, json: json as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
