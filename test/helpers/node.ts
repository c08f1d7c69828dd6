// Test helper: a real node on ephemeral loopback ports with an in-memory SQLite store (or PostgreSQL when given).
import { createNode, type LabNode, type NodeDeps } from '../../node/src/main.js';
import { loadConfig, type NodeConfigInput } from '../../node/src/core/config.js';

export async function startTestNode(name = 'test', overrides: NodeConfigInput = {}, deps: NodeDeps = {}, beforeStart?: (node: LabNode) => void): Promise<LabNode> {
  const config = loadConfig({
    env: {},
    overrides: {
      name,
      http: { public: { address: '127.0.0.1', port: 0 }, internal: { address: '127.0.0.1', port: 0 } },
      database: { sqlite: ':memory:' },
      log: { level: (process.env.NLL_TEST_LOG as 'info' | undefined) ?? 'silent' },
      ...overrides,
    },
  });
  const node = createNode(config, deps);
  beforeStart?.(node);
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
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
