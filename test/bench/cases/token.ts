// Bench case d: RFC021 token endpoint over HTTP (VP with an org credential and a self-attested employee credential)
// vs the signature limit from the same run: raw jose ES256 verifications per second ÷ signatures per request.
//
// Which signatures one request carries, and so what "the signature limit" is: the VP's (fresh with every request:
// verified every time) and the organisation credential's (the employee credential is self-attested, unsigned). The
// access token is an opaque random string (nothing is signed), and the request is for a Bearer token (no DPoP proof).
// The status list credential is verified once per fetch, not per request. The baseline counts both carried signatures,
// as the figure always has: the rate of an endpoint that did nothing but check them, measured at the
// endpoint's own concurrency (a single sequential loop left the main thread idle during each verification). The authorization server
// remembers a credential's verified signature per JWT string (immutable; revocation, dates and trust are still checked
// every time), so its steady state does one ECDSA verification per request: the note reports that stricter ratio and
// the CPU per token next to the CPU of one jose verification, which a loaded machine disturbs less than req/s.
import { randomUUID } from 'node:crypto';
import { jwtVerify } from 'jose';
import { buildSubmission, matchDefinition } from '../../../node/src/pe/index.js';
import { completeSelfAttested } from '../../../node/src/auth/index.js';
import { internal, startTestNode } from '../../helpers/node.js';
import { load, loop, median } from '../load.js';
import type { BenchCase } from '../case.js';

/** the VP signature and the organisation credential's signature; the employee credential is self-attested */
const SIGNATURES_PER_REQUEST = 2;
/** the endpoint is bound by signature checks, so a few connections saturate it */
const CONCURRENCY = 4;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

export const tokenEndpoint: BenchCase = {
  id: 'd',
  title: 'token endpoint over HTTP vs raw jose signature limit',
  async run(ctx) {
    // both nodes run on one frozen clock, so pre-signed 5-second presentations stay valid for the whole run
    const T = Date.now();
    const clock = () => T;
    // the benchmark measures the token endpoint itself: the per-client rate limit (one loopback client here) is off
    const a = await startTestNode('bench-as', { http: { rateLimit: { requestsPerSecond: 0 } } }, { clock });
    const b = await startTestNode('bench-client', {}, { clock });
    try {
      await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'lsp' });
      const did = (await internal(b, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' })).json.documents[0].id as string;
      // the organisation vouches for itself; the AS trusts it for that (a self-attested employee needs a trusted organisation)
      await internal(a, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: did, credentialType: 'NutsUraCredential' });
      const org = (await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: did, format: 'jwt_vc', withStatusList2021Revocation: true, credentialSubject: { id: did, organization: { ura: '12345678', name: 'Bench Zorg', city: 'Utrecht' } } })).json as string;
      const employee = completeSelfAttested({ '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: 'J. Bench', roleName: 'Verpleegkundige', identifier: '1' } }, did, 0, T);
      const pd = a.policy.policies.definition('medicatieoverdracht-employee');
      const m = matchDefinition(pd, [org, employee]);
      if (!m.ok) throw new Error('bench credentials do not match the policy');
      const { submission, credentials } = buildSubmission(pd, m.chosen, 'bench');
      const key = await b.vdr.subjects.signingKey('vvt');
      const aud = `${a.url}/oauth2/lsp`;
      const now = Math.floor(T / 1000);
      const sign = () => b.crypto.service.signJwt({ iss: did, sub: did, jti: `${did}#${randomUUID()}`, nbf: now, iat: now, exp: now + 5, nonce: randomUUID(), aud, vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials } }, key.kid, { headerKid: key.kid });
      const body = (vp: string) => new URLSearchParams({ grant_type: 'vp_token-bearer', assertion: vp, presentation_submission: JSON.stringify(submission), scope: 'medicatieoverdracht-employee', client_id: `${b.url}/oauth2/vvt` }).toString();
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const warm = await fetch(`${aud}/token`, { method: 'POST', headers: form, body: body(await sign()) });
      if (!((await warm.json()) as { access_token?: string }).access_token) throw new Error('warm-up token request failed'); // caches: DID documents, status list

      const sample = await sign();
      const { key: publicKey } = await a.vdr.resolver.resolveKey(key.kid, 'assertionMethod');
      // pre-sign more presentations than a round can use (each is single-use), so signing is not measured
      const perRound = ctx.dry ? 50 : ctx.quick ? 2500 : 6000;
      const jose: number[] = [];
      const joseCpu: number[] = [];
      const token: number[] = [];
      const tokenCpu: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        // at the endpoint's concurrency: jose's verification runs on libuv's pool, so one loop alone leaves the main
        // thread idle between verifications and understates what jose can do
        let n = 0;
        const before = process.cpuUsage();
        const rates = await Promise.all(
          Array.from({ length: CONCURRENCY }, () =>
            loop(ctx.durMs, () => {
              n++;
              return jwtVerify(sample, publicKey, { currentDate: new Date(T) });
            }),
          ),
        );
        jose.push(rates.reduce((a, r) => a + r, 0));
        joseCpu.push(cpuMs(process.cpuUsage(before)) / n);
        const requests = (await Promise.all(Array.from({ length: perRound }, sign))).map((vp) => ({ method: 'POST', path: '/oauth2/lsp/token', headers: form, body: body(vp) }));
        // the load generator is a child process: this process's CPU is the server's (both nodes idle but the AS)
        const started = process.cpuUsage();
        const res = await load({ base: a.url, requests, once: true, concurrency: CONCURRENCY, durMs: ctx.durMs, label: 'd-token' });
        tokenCpu.push(cpuMs(process.cpuUsage(started)) / res.done);
        token.push(res.rate);
      }
      const limit = median(jose) / SIGNATURES_PER_REQUEST;
      const ours = median(token);
      const note = `${median(tokenCpu).toFixed(3)} ms CPU per token (a jose verify: ${median(joseCpu).toFixed(3)} ms); vs jose verify ÷ 1 (the steady state's one ECDSA verify per request): ${(ours / median(jose)).toFixed(2)}×`;
      return [{ case: 'd', figure: `token endpoint over HTTP, ${CONCURRENCY} conn`, value: ours, unit: 'req/s', baseline: { name: `jose verify ÷ ${SIGNATURES_PER_REQUEST}`, value: limit }, ratio: ours / limit, goal: '≥ 0.5×', pass: ours / limit >= 0.5, note }];
    } finally {
      await a.stop();
      await b.stop();
    }
  },
};
