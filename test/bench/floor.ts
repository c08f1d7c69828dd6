// The fan-out floor: what one brokered search costs with every check, store and audit record taken out. An express 5
// route (like the node's) asks four plain node:http servers in a child process (like the source systems) over pooled
// keep-alive connections (like the broker's trusted-host agent), parses each answer, merges the entries and sends one
// searchset. Its CPU per request is the part of case c that HTTP and JSON alone cost on this machine.
import { spawn } from 'node:child_process';
import http from 'node:http';
import express from 'express';

const SOURCES = `
const http = require('node:http');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', async () => {
  const bodies = JSON.parse(input);
  const ports = await Promise.all(bodies.map((body) => new Promise((resolve) => {
    const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
    s.keepAliveTimeout = 60000;
    s.listen(0, '127.0.0.1', () => resolve(s.address().port));
  })));
  process.stdout.write(JSON.stringify(ports) + '\\n');
});
process.on('disconnect', () => process.exit(0));
`;

type Bundle = { resourceType: 'Bundle'; type: string; total?: number; entry?: unknown[] };

/** Starts the floor for a merged searchset like `answer`: its entries are spread over four sources. */
export async function startFanOutFloor(answer: Bundle): Promise<{ url: string; close(): Promise<void> }> {
  const entries = answer.entry ?? [];
  const bodies = [0, 1, 2, 3].map((i) => JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: entries.filter((_, j) => j % 4 === i) }));
  const child = spawn(process.execPath, ['-e', SOURCES], { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`fan-out floor sources exited with ${code}`)));
    child.stdin!.end(JSON.stringify(bodies));
  });
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const get = (port: number) =>
    new Promise<Bundle>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/MedicationRequest', agent, headers: { accept: 'application/fhir+json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const app = express();
  // as the node's engine has it (core/http.ts): no ETag hashing of every answer
  app.set('etag', false);
  app.get('/fhir/MedicationRequest', async (_req, res) => {
    const answers = await Promise.all(ports.map(get));
    const entry = answers.flatMap((a) => a.entry ?? []);
    res.type('application/fhir+json').send(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: entry.length, entry }));
  });
  const server: http.Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      child.disconnect();
    },
  };
}
