// Benchmark: RFC021 token endpoint throughput over HTTP (VP with an org credential and a self-attested employee credential)
// next to the signature limit from the same run: raw jose ES256 verifications per second ÷ signatures per request.
// Run: npx tsx test/bench/token.bench.ts   (DUR_MS, ROUNDS, CONCURRENCY tune it)
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { jwtVerify } from 'jose';
import { buildSubmission, matchDefinition } from '../../node/src/pe/index.js';
import { completeSelfAttested } from '../../node/src/auth/index.js';
import { internal, startTestNode } from '../helpers/node.js';

const DUR_MS = Number(process.env.DUR_MS ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
/** the VP signature and the organisation credential's signature; the employee credential is self-attested */
const SIGNATURES_PER_REQUEST = 2;

// both nodes run on one frozen clock, so pre-signed 5-second presentations stay valid for the whole run
const T = Date.now();
const clock = () => T;
const LOAD_GENERATOR = `
// node:http with keep-alive rather than fetch: undici's fetch costs the load generator several times what the
// request costs to send, and on a 2-core machine that CPU is taken from the server being measured
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, concurrency, durMs, expectError } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let next = 0, done = 0, failed = 0, error;
const post = (body) => new Promise((resolve, reject) => {
  const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => { try { resolve(JSON.parse(Buffer.concat(chunks).toString())); } catch (e) { reject(e); } });
  });
  req.on('error', reject);
  req.end(body);
});
const start = performance.now();
async function run() {
  while (performance.now() - start < durMs && next < bodies.length) {
    const json = await post(bodies[next++]);
    if (expectError ? json.error === expectError : json.access_token) done++; else { failed++; error = json.error_description; }
  }
}
Promise.all(Array.from({ length: concurrency }, run)).then(() => { agent.destroy(); parentPort.postMessage({ done, failed, ms: performance.now() - start, error }); });
`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// the benchmark measures the token endpoint itself: the per-client rate limit (one loopback client here) is off
const a = await startTestNode('bench-as', { log: { level: 'silent' }, http: { rateLimit: { requestsPerSecond: 0 } } }, { clock });
const b = await startTestNode('bench-client', { log: { level: 'silent' } }, { clock });
try {
  await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'lsp' });
  const did = (await internal(b, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' })).json.documents[0].id as string;
  // the organisation vouches for itself; the AS trusts it for that (a self-attested employee needs a trusted organisation)
  await internal(a, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: did, credentialType: 'NutsUraCredential' });
  const org = (await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: did, format: 'jwt_vc', withStatusList2021Revocation: true, credentialSubject: { id: did, organization: { ura: '12345678', name: 'Bench Zorg', city: 'Utrecht' } } })).json as string;
  const employee = completeSelfAttested({ '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: 'J. Bench', roleName: 'Verpleegkundige', identifier: '1' } }, did, 0, T);
  const pd = a.policy.policies.definition('medicatieoverdracht');
  const m = matchDefinition(pd, [org, employee]);
  if (!m.ok) throw new Error('bench credentials do not match the policy');
  const { submission, credentials } = buildSubmission(pd, m.chosen, 'bench');
  const key = await b.vdr.subjects.signingKey('vvt');
  const aud = `${a.url}/oauth2/lsp`;
  const url = `${aud}/token`;
  const now = Math.floor(T / 1000);
  const sign = () => b.crypto.service.signJwt({ iss: did, sub: did, jti: `${did}#${randomUUID()}`, nbf: now, iat: now, exp: now + 5, nonce: randomUUID(), aud, vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials } }, key.kid, { headerKid: key.kid });
  const body = (vp: string) => new URLSearchParams({ grant_type: 'vp_token-bearer', assertion: vp, presentation_submission: JSON.stringify(submission), scope: 'medicatieoverdracht', client_id: `${b.url}/oauth2/vvt` }).toString();
  const warm = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(await sign()) });
  if (!((await warm.json()) as { access_token?: string }).access_token) throw new Error('warm-up token request failed'); // caches: DID documents, status list

  const sample = await sign();
  const { key: publicKey } = await a.vdr.resolver.resolveKey(key.kid, 'assertionMethod');
  async function joseRate(): Promise<number> {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < DUR_MS) {
      await jwtVerify(sample, publicKey, { currentDate: new Date(T) });
      n++;
    }
    return (n / (performance.now() - start)) * 1000;
  }
  async function tokenRate(ceiling = false): Promise<number> {
    // pre-sign more presentations than the run can use, so signing is not measured; the load comes from a worker
    // thread (another core), as it would from another node, so the HTTP client does not share the server's event loop.
    // The ceiling run sends requests the endpoint rejects before any check: what HTTP alone allows here.
    const bodies = ceiling ? Array.from({ length: 20000 }, () => 'grant_type=none') : (await Promise.all(Array.from({ length: 6000 }, sign))).map(body);
    const worker = new Worker(LOAD_GENERATOR, { eval: true, workerData: { url, bodies, concurrency: CONCURRENCY, durMs: DUR_MS, expectError: ceiling ? 'unsupported_grant_type' : undefined } });
    const result = await new Promise<{ done: number; failed: number; ms: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    if (result.failed) throw new Error(`${result.failed} token requests failed during the run: ${result.error}`);
    return (result.done / result.ms) * 1000;
  }
  /** the same checks without HTTP: the authorization server's token() on pre-signed presentations */
  async function directRate(): Promise<number> {
    const pool = await Promise.all(Array.from({ length: 6000 }, sign));
    const sub = JSON.stringify(submission);
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < DUR_MS && n < pool.length) {
      await a.auth.server.token('lsp', { grant_type: 'vp_token-bearer', assertion: pool[n++]!, presentation_submission: sub, scope: 'medicatieoverdracht', client_id: 'bench' }, {});
    }
    return (n / (performance.now() - start)) * 1000;
  }
  const jose: number[] = [];
  const token: number[] = [];
  const direct: number[] = [];
  const ceiling: number[] = [];
  await directRate(); // JIT warm-up
  for (let r = 0; r < ROUNDS; r++) {
    jose.push(await joseRate());
    direct.push(await directRate());
    token.push(await tokenRate());
    ceiling.push(await tokenRate(true));
  }
  const limit = median(jose) / SIGNATURES_PER_REQUEST;
  const ours = median(token);
  console.log(`RFC021 token endpoint, ES256, ${ROUNDS} rounds × ${DUR_MS} ms, concurrency ${CONCURRENCY}, median:`);
  console.log(`  raw jose jwtVerify                          ${median(jose).toFixed(0).padStart(7)} ops/s`);
  console.log(`  signature limit (÷ ${SIGNATURES_PER_REQUEST} signatures per request)     ${limit.toFixed(0).padStart(7)} req/s`);
  console.log(`  token checks without HTTP (server.token)    ${median(direct).toFixed(0).padStart(7)} req/s  (${(median(direct) / limit).toFixed(2)} × limit)`);
  console.log(`  token endpoint over HTTP                    ${ours.toFixed(0).padStart(7)} req/s  (${(ours / limit).toFixed(2)} × limit)`);
  console.log(`  HTTP ceiling (request rejected at once)     ${median(ceiling).toFixed(0).padStart(7)} req/s  (${(median(ceiling) / limit).toFixed(2)} × limit)`);
  console.log(ours >= 0.5 * limit ? 'target met over HTTP: ≥ 0.5 × signature limit' : 'target NOT met over HTTP: < 0.5 × signature limit');
} finally {
  await a.stop();
  await b.stop();
}
