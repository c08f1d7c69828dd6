// Bench case r (issue 16.3): the token endpoint of one LSP process vs two replicas on one PostgreSQL, each replica a
// `nuts-lsp-lab lsp` child process. Needs a PostgreSQL: NLL_BENCH_PG=<admin URL>; without it the case is skipped.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildSubmission, matchDefinition, type PresentationDefinition } from '../../../node/src/pe/index.js';
import { completeSelfAttested } from '../../../node/src/auth/index.js';
import { DISCOVERY_SERVICE } from '../../../simulators/lsp/main.js';
import { pointDefinitionsAt, SHIPPED_DEFINITIONS } from '../../../simulators/network/discovery-definitions.js';
import { seedNetwork, vvtOrganisation } from '../../../simulators/network/seed.js';
import { LspApi, NodeApi } from '../../../simulators/shared/node-api.js';
import { startTestNode } from '../../helpers/node.js';
import { freePort } from '../../helpers/ports.js';
import { roundRobin, startLspReplica, type LspReplica } from '../../helpers/replicas.js';
import { load, median, type LoadRequest } from '../load.js';
import type { BenchCase } from '../case.js';

const SCOPE = 'medicatieoverdracht-employee';
/** connections per replica: as case d, a few saturate a token endpoint */
const PER_REPLICA = 4;
/** a presentation is valid for 5 s: each round is signed just before it and ends well inside that */
const MAX_ROUND_MS = 3000;

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
function cpuMsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime (fields 14 and 15 of stat, in clock ticks of 10 ms)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export const replicasCase: BenchCase = {
  id: 'r',
  title: 'token endpoint: one LSP process vs two replicas on PostgreSQL',
  async run(ctx) {
    const admin = process.env.NLL_BENCH_PG;
    if (!admin) {
      process.stderr.write(' skipped: NLL_BENCH_PG (a PostgreSQL URL) is not set;');
      return [];
    }
    const dbName = `bench_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE ${dbName}`);
    await client.end();
    const databaseUrl = admin.replace(/\/[^/]*$/, `/${dbName}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'nll-bench-replicas-'));
    const replicas: LspReplica[] = [];
    const proxyPort = await freePort();
    const lspUrl = `http://localhost:${proxyPort}`;
    // DID documents and status lists are fetched through the one public URL; the load goes to each replica directly
    const proxy = await roundRobin(() => replicas.map((r) => Number(new URL(r.publicUrl).port)), undefined, proxyPort);
    const internalProxy = await roundRobin(() => replicas.map((r) => Number(new URL(r.internalUrl).port)));
    const discoveryDir = path.join(dir, 'discovery');
    pointDefinitionsAt({ from: SHIPPED_DEFINITIONS, to: discoveryDir, serverUrl: lspUrl, ids: [DISCOVERY_SERVICE] });
    const config = { discovery: { directory: discoveryDir }, http: { rateLimit: { requestsPerSecond: 0 } }, log: { level: 'error' } };
    const startReplica = async () => replicas.push(await startLspReplica({ databaseUrl, url: lspUrl, datadir: dir, config }, replicas.length));
    const org = vvtOrganisation();
    const vvt = await startTestNode('bench-vvt', { organization: { ura: org.ura, name: org.name }, discovery: { directory: discoveryDir } });
    try {
      await startReplica();
      await seedNetwork({ node: new NodeApi(vvt.internalUrl, 'vvt'), lsp: new LspApi(internalProxy.url, 'lsp'), serviceId: DISCOVERY_SERVICE, vvtOrg: org });
      const [did] = await vvt.vdr.subjects.dids('vvt');
      const [ura] = await vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' });
      const aud = `${lspUrl}/oauth2/lsp`;
      const pd = (await (await fetch(`${aud}/presentation_definition?scope=${SCOPE}`)).json()) as PresentationDefinition;
      const employee = completeSelfAttested({ '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: 'J. Bench', roleName: 'Verpleegkundige', identifier: '1' } }, did!, 0, Date.now());
      const m = matchDefinition(pd, [ura!, employee]);
      if (!m.ok) throw new Error('bench credentials do not match the LSP policy');
      const { submission, credentials } = buildSubmission(pd, m.chosen, 'bench');
      const key = await vvt.vdr.subjects.signingKey('vvt');
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const sign = (now: number) => vvt.crypto.service.signJwt({ iss: did, sub: did, jti: `${did}#${randomUUID()}`, nbf: now, iat: now, exp: now + 5, nonce: randomUUID(), aud, vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials } }, key.kid, { headerKid: key.kid });
      const body = (vp: string) => new URLSearchParams({ grant_type: 'vp_token-bearer', assertion: vp, presentation_submission: JSON.stringify(submission), scope: SCOPE, client_id: `${vvt.url}/oauth2/vvt` }).toString();
      // requests spread round-robin over the replicas by absolute URL (the generator's base is then empty)
      const requests = async (n: number): Promise<{ list: LoadRequest[]; validUntil: number }> => {
        const now = Math.floor(Date.now() / 1000);
        const vps = await Promise.all(Array.from({ length: n }, () => sign(now)));
        return { list: vps.map((vp, i) => ({ method: 'POST', path: `${replicas[i % replicas.length]!.publicUrl}/oauth2/lsp/token`, headers: form, body: body(vp) })), validUntil: (now + 5) * 1000 };
      };
      const perReplica = ctx.dry ? 30 : ctx.quick ? 600 : 1000;
      const round = async () => {
        // warm: each replica resolves the VVT's DID and fetches the status list once
        await load({ base: '', requests: (await requests(replicas.length * 2)).list, once: true, concurrency: 1, durMs: 3000 });
        const { list, validUntil } = await requests(perReplica * replicas.length);
        // the round ends a second before the presentations do (signing them took part of their 5 s)
        const durMs = Math.max(200, Math.min(ctx.durMs, MAX_ROUND_MS, validUntil - Date.now() - 1000));
        const cpuBefore = replicas.map((r) => cpuMsOf(r.child.pid!));
        const res = await load({ base: '', requests: list, once: true, concurrency: PER_REPLICA * replicas.length, durMs, label: `r-${replicas.length}` });
        const cpuAfter = replicas.map((r) => cpuMsOf(r.child.pid!));
        const used = cpuAfter.map((c, i) => (c === undefined || cpuBefore[i] === undefined ? NaN : c - cpuBefore[i]!));
        const cpu = used.some(Number.isNaN) ? undefined : used.reduce((a, c) => a + c, 0) / res.done;
        return { rate: res.rate, cpu, durMs };
      };
      const one: Array<{ rate: number; cpu?: number; durMs: number }> = [];
      for (let r = 0; r < ctx.rounds; r++) one.push(await round());
      await startReplica();
      const two: Array<{ rate: number; cpu?: number; durMs: number }> = [];
      for (let r = 0; r < ctx.rounds; r++) two.push(await round());
      const [r1, r2] = [median(one.map((x) => x.rate)), median(two.map((x) => x.rate))];
      const cpu = (xs: Array<{ cpu?: number }>) => (xs.every((x) => x.cpu !== undefined) ? `${median(xs.map((x) => x.cpu!)).toFixed(2)} ms` : 'n/a');
      const note = `LSP CPU per token: one process ${cpu(one)}, two replicas ${cpu(two)} (both together); ${PER_REPLICA} conn per replica; rounds of ${median([...one, ...two].map((x) => x.durMs)).toFixed(0)} ms (presentations live 5 s)`;
      return [{ case: 'r', figure: 'token endpoint, two LSP replicas on one PostgreSQL', value: r2, unit: 'req/s', baseline: { name: 'one LSP process', value: r1 }, ratio: r2 / r1, goal: 'reported', pass: null, note }];
    } finally {
      await vvt.stop();
      await Promise.all(replicas.map((r) => r.stop()));
      await proxy.close();
      await internalProxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
