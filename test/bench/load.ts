// Bench load generator: node:http keep-alive clients in a child process, bounded in time, with latency percentiles.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

// node:http with keep-alive rather than fetch: undici's fetch costs the load generator several times what the request
// costs to send. A child process rather than a worker thread, so the server process's CPU (process.cpuUsage) counts
// the server only, and on a 2-core machine the generator does not share the server's event loop.
const GENERATOR = `
const http = require('node:http');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const { base, requests, concurrency, durMs, expectStatus } = JSON.parse(input);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const lat = [];
  let next = 0, done = 0, failed = 0, error;
  const send = (r) => new Promise((resolve) => {
    const t = performance.now();
    const req = http.request(base + r.path, { method: r.method, agent, headers: { ...(r.headers || {}), ...(r.body !== undefined ? { 'content-length': Buffer.byteLength(r.body) } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        lat.push(performance.now() - t);
        if (res.statusCode === expectStatus) done++; else { failed++; error = res.statusCode + ' ' + Buffer.concat(chunks).toString().slice(0, 300); }
        resolve();
      });
    });
    req.on('error', (e) => { failed++; error = e.message; resolve(); });
    req.end(r.body);
  });
  const start = performance.now();
  // requests are used in order and each at most once when 'once' (DPoP proofs, pre-signed presentations), else cycled
  const run = async () => {
    while (performance.now() - start < durMs) {
      if (next >= requests.list.length) { if (requests.once) break; next = 0; }
      await send(requests.list[next++]);
    }
  };
  Promise.all(Array.from({ length: concurrency }, run)).then(() => {
    const ms = performance.now() - start;
    agent.destroy();
    lat.sort((a, b) => a - b);
    const pct = (p) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] : NaN;
    process.stdout.write(JSON.stringify({ done, failed, ms, rate: (done / ms) * 1000, p50: pct(0.5), p99: pct(0.99), error }));
  });
});
`;

export interface LoadRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
export interface LoadResult {
  done: number;
  failed: number;
  ms: number;
  /** successful requests per second */
  rate: number;
  p50: number;
  p99: number;
  error?: string;
}

/**
 * Sends the requests from `concurrency` keep-alive connections for `durMs`. With `once`, each request is sent at most
 * once (single-use proofs): the run ends early when they run out. Throws when any answer is not `expectStatus`.
 */
export async function load(opts: { base: string; requests: LoadRequest[]; once?: boolean; concurrency: number; durMs: number; expectStatus?: number; label?: string }): Promise<LoadResult> {
  const profiler = await startProfile();
  const child = spawn(process.execPath, ['-e', GENERATOR], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.end(JSON.stringify({ base: opts.base, requests: { list: opts.requests.map((r) => ({ method: 'GET', ...r })), once: opts.once ?? false }, concurrency: opts.concurrency, durMs: opts.durMs, expectStatus: opts.expectStatus ?? 200 }));
  const code = await exited;
  await profiler?.stop(opts.label ?? 'load');
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const r = JSON.parse(out) as LoadResult;
  if (r.failed) throw new Error(`${r.failed} of ${r.done + r.failed} requests to ${opts.base}${opts.requests[0]?.path ?? ''} failed: ${r.error}`);
  return r;
}

/** Calls `fn` back to back for `durMs`; operations per second. */
export async function loop(durMs: number, fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < durMs) {
    await fn();
    n++;
  }
  return (n / (performance.now() - start)) * 1000;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * With BENCH_CPU_PROF=<dir>, a CPU profile of this (server) process during each load window only, without the set-up
 * around it: <dir>/<label>-<n>.cpuprofile, for Chrome DevTools or `--cpu-prof`-style analysis.
 */
async function startProfile(): Promise<{ stop(label: string): Promise<void> } | undefined> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(label) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${label}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    },
  };
}
