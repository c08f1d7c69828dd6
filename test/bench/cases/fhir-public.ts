// Bench case b: public /fhir MA search on the VVT node with a DPoP-bound access token, each request with its own DPoP proof, vs express hello.
import { createDpopProof } from '../../../node/src/auth/index.js';
import { internal, startTestNode } from '../../helpers/node.js';
import { QA_BSN, qaSet } from '../../../node/src/fhir/qa-set.js';
import { load, median, type LoadRequest } from '../load.js';
import type { BenchCase, Row } from '../case.js';
import { MA_QUERY } from './fhir-internal.js';

/** a care worker of the client organisation, role self-declared (scope medicatieoverdracht-employee); VVT.001 may search MAs */
const EMPLOYEE = { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: 'J. Bench', roleName: 'Verzorgende IG', roleCode: 'VVT.001', identifier: 'bench-1' } };

export const fhirPublic: BenchCase = {
  id: 'b',
  title: 'public /fhir MA search with a DPoP token (own proof per request) vs express hello',
  async run(ctx) {
    // the VVT node holds the data and issues the token; the client node is the other organisation's
    const vvt = await startTestNode('bench-vvt', { http: { rateLimit: { requestsPerSecond: 0 } } });
    const client = await startTestNode('bench-client');
    try {
      for (const r of qaSet(new Date()).resources) {
        const res = await internal(vvt, 'PUT', `/internal/fhir/${r.resourceType}/${r.id}`, r, { 'content-type': 'application/fhir+json' });
        if (res.status !== 201) throw new Error(`seeding ${r.resourceType}/${r.id}: ${res.status} ${res.text}`);
      }
      await internal(vvt, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' });
      const did = (await internal(client, 'POST', '/internal/vdr/v2/subject', { subject: 'client' })).json.documents[0].id as string;
      // the client organisation vouches for itself; the VVT node trusts it for that (a self-attested employee needs a trusted organisation)
      await internal(vvt, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: did, credentialType: 'NutsUraCredential' });
      const org = await internal(client, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: did, format: 'jwt_vc', withStatusList2021Revocation: true, credentialSubject: { id: did, organization: { ura: '12345678', name: 'Bench Huisartsen', city: 'Utrecht' } } });
      if (org.status !== 200) throw new Error(`issuing the organisation credential: ${org.status} ${org.text}`);
      // a JWT credential goes to the wallet as a JSON string
      const held = await internal(client, 'POST', '/internal/vcr/v2/holder/client/vc', JSON.stringify(org.json));
      if (held.status >= 300) throw new Error(`loading the organisation credential: ${held.status} ${held.text}`);
      const t = await internal(client, 'POST', '/internal/auth/v2/client/request-service-access-token', { authorization_server: `${vvt.url}/oauth2/vvt`, scope: 'medicatieoverdracht-employee', credentials: [EMPLOYEE], token_type: 'DPoP' });
      if (t.status !== 200 || t.json?.token_type !== 'DPoP') throw new Error(`token request: ${t.status} ${t.text}`);
      const token = t.json.access_token as string;
      const kid = t.json.dpop_kid as string;
      const path = `/fhir/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn%7C${QA_BSN}&${MA_QUERY}`.replace(/\|/g, '%7C');
      const htu = `${vvt.url}/fhir/MedicationRequest`;
      // a proof is single-use (its jti is remembered): each request gets its own, signed before the round so signing is not measured
      const proofs = async (n: number): Promise<LoadRequest[]> =>
        Promise.all(Array.from({ length: n }, async () => ({ path, headers: { accept: 'application/fhir+json', authorization: `DPoP ${token}`, dpop: await createDpopProof(client.crypto.service, kid, { htm: 'GET', htu, token }, Date.now) } })));
      const [probe] = await proofs(1);
      const first = await fetch(vvt.url + probe!.path, { headers: probe!.headers });
      const bundle = (await first.json()) as { entry?: Array<{ search?: { mode?: string } }> };
      const matches = bundle.entry?.filter((e) => e.search?.mode === 'match').length;
      if (first.status !== 200 || matches !== 6) throw new Error(`public MA search: HTTP ${first.status}, ${matches} matches, expected 6`);

      let searchesOfSpentRounds = 0;
      const auditBefore = (await vvt.audit.verify()).records;
      const runs = [];
      const hellos = [];
      let cpuMicros = 0;
      for (let i = 0; i < ctx.rounds; i++) {
        const hello = await ctx.hello();
        hellos.push(hello);
        // enough proofs for the round at twice the rate the node showed so far (at first: the goal's rate, 0.35× hello);
        // a round that uses them all is run again with twice as many, so the proofs never bound the rate
        let perRound = Math.ceil(((runs.length ? 2 * Math.max(...runs.map((r) => r.rate)) : 0.35 * hello) * ctx.durMs) / 1000) + 100;
        for (;;) {
          const requests = await proofs(perRound);
          // both nodes and the hello server share this process, but only the VVT node works during the round
          const cpu = process.cpuUsage();
          const run = await load({ base: new URL(vvt.url).origin, requests, once: true, concurrency: ctx.concurrency, durMs: ctx.durMs, label: 'b-fhir-public' });
          const used = process.cpuUsage(cpu);
          if (run.done >= perRound) {
            searchesOfSpentRounds += run.done;
            if (perRound > 200_000) throw new Error(`a round used all ${perRound} proofs: the rate is bounded by the proofs, not the node`);
            perRound *= 2;
            continue;
          }
          runs.push(run);
          cpuMicros += used.user + used.system;
          break;
        }
      }
      const searches = runs.reduce((n, r) => n + r.done, 0);
      const v = await vvt.audit.verify();
      // every search left its record: no speed bought by skipping the audit
      if (!v.ok || v.records - auditBefore < searches + searchesOfSpentRounds) throw new Error(`audit: ${v.records - auditBefore} records for ${searches + searchesOfSpentRounds} searches, chain ${v.ok ? 'ok' : 'broken'}`);
      const hello = median(hellos);
      const rate = median(runs.map((r) => r.rate));
      const rows: Row[] = [
        { case: 'b', figure: `public /fhir MA search, DPoP, ${ctx.concurrency} conn`, value: rate, unit: 'req/s', baseline: { name: 'express hello', value: hello }, ratio: rate / hello, goal: '≥ 0.35×', pass: rate / hello >= 0.35, note: `${(cpuMicros / 1000 / searches).toFixed(2)} ms CPU per search (node process), p99 ${median(runs.map((r) => r.p99)).toFixed(0)} ms` },
      ];
      return rows;
    } finally {
      await vvt.stop();
      await client.stop();
    }
  },
};
