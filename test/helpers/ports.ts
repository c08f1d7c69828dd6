// Free loopback ports for tests that must know a port before a server starts (did:web hosts, discovery endpoints).
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function networkPorts() {
  const [a, b, c, d, e, f] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  return { vvt: { public: a, internal: b }, lsp: { public: c, internal: d }, dashboard: e, dezi: f };
}
