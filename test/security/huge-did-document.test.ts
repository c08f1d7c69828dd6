// Attack: token requests "signed by" did:web DIDs whose server answers with a huge, a never-ending or a trickling
// document. Without limits each resolution buffers the whole body and a dozen requests exhaust the node's heap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { startTestNode } from '../helpers/node.js';
import { didWebAt, hostileServer, signerFor, strangerTokenRequest, type HostileServer } from './attacker.js';

const MB = 1024 * 1024;
/** what a huge answer would send if nobody stopped reading (each request its own document) */
const HUGE_BYTES = 32 * MB;
const REQUESTS = 50;

let node: LabNode;
let huge: HostileServer;
let endless: HostileServer;
let slow: HostileServer;

beforeAll(async () => {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  // a syntactically plausible DID document whose one string never seems to end
  huge = await hostileServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/did+json' });
    res.write(`{"id":"did:web:x","padding":"`);
    let sent = 0;
    const pump = () => {
      while (sent < HUGE_BYTES) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end('"}');
    };
    res.on('close', () => (sent = HUGE_BYTES));
    pump();
  });
  // a body that keeps coming, slowly enough to hold the connection open
  endless = await hostileServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/did+json' });
    const t = setInterval(() => res.write(Buffer.alloc(16 * 1024, 'b')), 20);
    res.on('close', () => clearInterval(t));
  });
  // headers, then nothing (slowloris in reverse)
  slow = await hostileServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/did+json' });
    res.write('{');
  });
  // the hostile hosts stand in for public https hosts: listed, so the fetch itself is what is tested
  node = await startTestNode('victim', { vdr: { httpHosts: ['127.0.0.1'], fetchTimeoutMs: 1000 } });
  await node.vdr.subjects.create('lsp');
}, 30_000);

afterAll(async () => {
  await node?.stop();
  for (const s of [huge, endless, slow]) await s?.close();
});

const rssMb = () => process.memoryUsage().rss / MB;

describe('did:web documents of unbounded size', () => {
  it(`${REQUESTS} token requests signed by huge, endless and slow did:web documents: clean refusals, memory stays bounded, the node keeps serving`, async () => {
    const targets = Array.from({ length: REQUESTS }, (_, i) => (i % 10 === 8 ? endless : i % 10 === 9 ? slow : huge));
    // warm up (JIT, first connections) so the baseline is the node at work, not the node cold
    await strangerTokenRequest(node, 'lsp', await signerFor(didWebAt(huge.hostPort, 'iam', 'warmup')));
    global.gc?.();
    const baseline = rssMb();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 10);
    const answers: Array<{ status: number; error?: string; description?: string }> = [];
    try {
      // ten at a time, as a small botnet would: each with its own DID, so no cache answers for the next
      for (let i = 0; i < targets.length; i += 10) {
        const batch = await Promise.all(
          targets.slice(i, i + 10).map(async (server, j) => {
            const r = await strangerTokenRequest(node, 'lsp', await signerFor(didWebAt(server.hostPort, 'iam', `victim-${i + j}`)));
            return { status: r.status, error: r.json.error, description: r.json.error_description };
          }),
        );
        answers.push(...batch);
      }
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssMb());

    // the attack reached the resolver (the servers were asked), and every request got an OAuth refusal, never a 5xx
    expect(huge.requests.length).toBeGreaterThanOrEqual(40);
    expect(endless.requests.length).toBeGreaterThanOrEqual(5);
    expect(slow.requests.length).toBeGreaterThanOrEqual(5);
    for (const a of answers) {
      expect(a.status, JSON.stringify(a)).toBe(400);
      expect(a.description).toMatch(/could not be resolved/);
      // what answered (size, timeout) is for the node's log, not for the caller
      expect(a.description).not.toMatch(/bytes|larger|timeout|within|answer/);
    }
    expect(peak - baseline, `RSS grew from ${baseline.toFixed(0)} MB to a peak of ${peak.toFixed(0)} MB`).toBeLessThan(50);

    // and the node still works
    const health = await fetch(`${node.url}/health`);
    expect(health.status).toBe(200);
    expect(node.vdr.resolver.stats.misses).toBeGreaterThanOrEqual(REQUESTS);
  }, 60_000);
});
