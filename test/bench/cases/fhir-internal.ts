// Bench case a: internal FHIR search (MP9 MedicationAgreements with includes, 6 matches) with its audit record vs express hello.
import { internal, startTestNode } from '../../helpers/node.js';
import { QA_BSN, qaSet } from '../../../node/src/fhir/qa-set.js';
import { load, median } from '../load.js';
import type { BenchCase, Row } from '../case.js';

const SCT = 'http://snomed.info/sct';
const ITER = '_include:iterate=PractitionerRole:organization&_include:iterate=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location';
export const MA_QUERY = `category=${SCT}|33633005&_include=MedicationRequest:medication&_include=MedicationRequest:reason&_include=MedicationRequest:next-practitioner&_include=MedicationRequest:requester&${ITER}`;

export const fhirInternal: BenchCase = {
  id: 'a',
  title: 'internal FHIR MA search + audit vs express hello',
  async run(ctx) {
    const node = await startTestNode('bench-fhir', { http: { rateLimit: { requestsPerSecond: 0 } } });
    try {
      for (const r of qaSet(new Date()).resources) {
        const res = await internal(node, 'PUT', `/internal/fhir/${r.resourceType}/${r.id}`, r, { 'content-type': 'application/fhir+json' });
        if (res.status !== 201) throw new Error(`seeding ${r.resourceType}/${r.id}: ${res.status} ${res.text}`);
      }
      const path = `/internal/fhir/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn%7C${QA_BSN}&${MA_QUERY}`.replace(/\|/g, '%7C');
      const probe = await internal(node, 'GET', path);
      const matches = probe.json?.entry?.filter((e: { search?: { mode?: string } }) => e.search?.mode === 'match').length;
      if (matches !== 6) throw new Error(`MA search returned ${matches} matches, expected 6`);
      const auditBefore = (await node.audit.verify()).records;
      const runs = [];
      const hellos = [];
      let cpuMicros = 0;
      for (let i = 0; i < ctx.rounds; i++) {
        hellos.push(await ctx.hello());
        // the load generator is a child process: this process's CPU is the node's (the hello server idles meanwhile)
        const cpu = process.cpuUsage();
        runs.push(await load({ base: node.internalUrl, requests: [{ path, headers: { accept: 'application/fhir+json' } }], concurrency: ctx.concurrency, durMs: ctx.durMs, label: 'a-fhir-internal' }));
        const used = process.cpuUsage(cpu);
        cpuMicros += used.user + used.system;
      }
      const v = await node.audit.verify();
      const searches = runs.reduce((n, r) => n + r.done, 0);
      // every search left its record: no speed bought by skipping the audit
      if (!v.ok || v.records - auditBefore < searches) throw new Error(`audit: ${v.records - auditBefore} records for ${searches} searches, chain ${v.ok ? 'ok' : 'broken'}`);
      const hello = median(hellos);
      const rate = median(runs.map((r) => r.rate));
      const p99 = median(runs.map((r) => r.p99));
      const rows: Row[] = [
        { case: 'a', figure: `internal MA search + audit, ${ctx.concurrency} conn`, value: rate, unit: 'req/s', baseline: { name: 'express hello', value: hello }, ratio: rate / hello, goal: '≥ 0.5×', pass: rate / hello >= 0.5, note: `${(cpuMicros / 1000 / searches).toFixed(2)} ms CPU per search (node process)` },
        { case: 'a', figure: 'internal MA search p99', value: p99, unit: 'ms', goal: '< 50 ms', pass: p99 < 50 },
      ];
      return rows;
    } finally {
      await node.stop();
    }
  },
};
