// Bench cases c and g on the local network: the LSP's brokered search (token, DPoP, consent, sources, merge, audit)
// with its CPU per search and its latency over the slowest source; and a cold start of the network to all-healthy.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNetwork } from '../../../simulators/network/network.js';
import { EcdClient, mp9SearchPath } from '../../../simulators/ecd/client.js';
import { networkPorts } from '../../helpers/ports.js';
import { load, median } from '../load.js';
import { startFanOutFloor } from '../floor.js';
import type { BenchCase, Row } from '../case.js';

const WORKER = { name: 'Anna de Vries', roleName: 'Verzorgende IG', roleCode: 'VVT.001', identifier: 'anna' };

export const lspSearch: BenchCase = {
  id: 'c',
  title: 'LSP brokered search: CPU per search at 0 ms sources, p50 at default latencies',
  async run(ctx) {
    const dir = mkdtempSync(path.join(tmpdir(), 'nll-bench-net-'));
    // the bench measures the search path, not the per-client rate limit (all load comes from one loopback client)
    const net = await startNetwork({ datadir: dir, inMemory: true, ports: await networkPorts(), dashboard: false, portal: false, log: () => {}, logLevel: 'silent', env: { NLL_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND: '0' } });
    try {
      const ecd = new EcdClient({ nodeUrl: net.vvt.internalUrl, subject: 'vvt', serviceId: 'mp9-medicatieoverdracht' });
      const lsp = await ecd.discoverLsp();
      const token = await ecd.requestToken(lsp.authServerURL, WORKER);
      const url = `${lsp.fhirBaseURL}/${mp9SearchPath('MA', net.seeded.clients[0]!.bsn)}`;
      const u = new URL(url);
      // each request carries its own DPoP proof (a proof is single-use), made by the VVT node before the run
      const proofs = async (n: number) => {
        const out = [];
        for (let i = 0; i < n; i++) out.push({ path: u.pathname + u.search, headers: { accept: 'application/fhir+json', authorization: `DPoP ${token.access_token}`, dpop: await ecd.dpopProof(token.dpop_kid!, 'GET', url, token.access_token) } });
        return out;
      };
      const perRound = ctx.dry ? 30 : ctx.quick ? 600 : 2000;
      const slowest = Math.max(...net.lsp.sources.map((s) => s.defaultLatencyMs));
      const defaults = [];
      for (let r = 0; r < ctx.rounds; r++) defaults.push(await load({ base: u.origin, requests: await proofs(perRound), once: true, concurrency: 4, durMs: ctx.durMs }));
      for (const s of net.lsp.sources) await s.setLatency(0);
      const zero = [];
      const cpu = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const requests = await proofs(perRound);
        const before = process.cpuUsage();
        const res = await load({ base: u.origin, requests, once: true, concurrency: ctx.concurrency, durMs: ctx.durMs, label: 'c-lsp-search' });
        const used = process.cpuUsage(before);
        zero.push(res);
        cpu.push((used.user + used.system) / 1000 / res.done);
      }
      // the floor: the same merged answer through one inbound and four outbound HTTP exchanges, with nothing checked,
      // stored or recorded (test/bench/floor.ts); its sources run in a process of their own as the LSP's do
      const [probe] = await proofs(1);
      const answer = await fetch(u.origin + probe!.path, { headers: probe!.headers });
      if (answer.status !== 200) throw new Error(`LSP search for the floor's answer: HTTP ${answer.status}`);
      const floor = await startFanOutFloor((await answer.json()) as Parameters<typeof startFanOutFloor>[0]);
      const floorCpu = [];
      try {
        for (let r = 0; r < ctx.rounds; r++) {
          const before = process.cpuUsage();
          const res = await load({ base: floor.url, requests: [{ path: '/fhir/MedicationRequest' }], concurrency: ctx.concurrency, durMs: ctx.durMs, label: 'c-floor' });
          const used = process.cpuUsage(before);
          floorCpu.push((used.user + used.system) / 1000 / res.done);
        }
      } finally {
        await floor.close();
      }
      const p50 = median(defaults.map((r) => r.p50));
      const cpuPerSearch = median(cpu);
      const floorPerSearch = median(floorCpu);
      return [
        // the sources run in their own process (the network's default), so this CPU is the LSP's (and the idle VVT node's)
        { case: 'c', figure: 'LSP CPU per brokered search, 0 ms sources', value: cpuPerSearch, unit: 'ms', baseline: { name: 'fan-out floor', value: floorPerSearch }, ratio: cpuPerSearch / floorPerSearch, goal: '≤ 1 ms', pass: cpuPerSearch <= 1, note: `${median(zero.map((r) => r.rate)).toFixed(0)} req/s at ${ctx.concurrency} conn; sources in their own process; the fan-out floor (the same answer through 1 inbound + 4 outbound HTTP exchanges and JSON, nothing checked or recorded) costs ${floorPerSearch.toFixed(2)} ms` },
        { case: 'c', figure: 'LSP brokered search p50, default latencies', value: p50, unit: 'ms', baseline: { name: 'slowest source', value: slowest }, goal: `≤ ${slowest + 10} ms`, pass: p50 <= slowest + 10, note: `${median(defaults.map((r) => r.rate)).toFixed(0)} req/s at 4 conn` },
      ] satisfies Row[];
    } finally {
      await net.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const coldStart: BenchCase = {
  id: 'g',
  title: 'network cold start to all-healthy',
  async run() {
    // a fresh process (module loading included), fresh data directory: what `npm start` on a warm install does
    const script = path.join(import.meta.dirname, 'cold-start.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`cold start child exited with ${code}: ${out}`);
    const { healthyMs } = JSON.parse(out) as { healthyMs: number };
    const wall = healthyMs;
    return [{ case: 'g', figure: 'network cold start to all-healthy', value: wall, unit: 'ms', goal: '≤ 2000 ms', pass: wall <= 2000, note: 'process start to both /health 200' }];
  },
};
