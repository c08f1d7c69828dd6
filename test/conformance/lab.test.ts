// Both conformance profiles against the lab's own network: the reference node must pass everything it asks of suppliers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import { runConformance, caseLine, type CaseResult } from '../../simulators/conformance/index.js';
import { qaSet, QA_BSN } from '../../node/src/fhir/qa-set.js';
import { networkPorts } from '../helpers/ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-conformance-'));
let net: Network;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent', sourceTimeoutMs: 1000 });
});
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const notPassed = (cases: CaseResult[]) => cases.filter((c) => c.outcome !== 'passed').map(caseLine);

describe('conformance against the lab', () => {
  it("node profile: the reference node passes every check with nuts-node v6 API calls only", async () => {
    const run = await runConformance({ profile: 'node', target: net.vvt.url, internal: net.vvt.internalUrl });
    const cases = run.reports[0]!.cases;
    expect(notPassed(cases)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(cases.map((c) => c.group)).toEqual(expect.arrayContaining(['vdr', 'vcr', 'auth', 'discovery', 'errors']));
    expect(cases.length).toBe(23);
    // what it created on the node is cleaned up: the conformance subject is deactivated
    const subject = cases[0]!.detail!.split(':').pop()!;
    expect(subject).toMatch(/^conformance-[0-9a-f]{8}$/);
    expect((await fetch(`${net.vvt.internalUrl}/internal/vdr/v2/subject/${subject}`)).status).toBe(404);
  });

  it('fhir profile: the node’s /fhir with a token obtained the RFC021 way passes the Serve rules and the QA counts', async () => {
    const run = await runConformance({
      profile: 'fhir',
      target: `${net.vvt.url}/fhir`,
      bsn: QA_BSN,
      expectAuth: true,
      token: {
        node: net.vvt.internalUrl,
        subject: 'vvt',
        authorizationServer: `${net.vvt.url}/oauth2/vvt`,
        scope: 'medicatieoverdracht-employee',
        employee: { name: 'Conformance suite', roleName: 'Huisarts', roleCode: '01.015', identifier: 'conformance' },
      },
      load: { url: `${net.vvt.internalUrl}/internal/fhir`, resources: qaSet(new Date()).resources },
    });
    expect(run.error).toBeUndefined();
    const cases = run.reports[0]!.cases;
    expect(notPassed(cases)).toEqual([]);
    expect(run.exitCode).toBe(0);
    // 5 metadata, 1 load, 2 auth, 7 blocks × (1 + 12 rules), 46 filter counts
    expect(cases.length).toBe(5 + 1 + 2 + 7 * 13 + 46);
    expect(cases.find((c) => c.name === 'base query answers 200 with a searchset Bundle' && c.group === 'WDS')!.detail).toBe('6 matches, 2 Medication');
  });

  it('fhir profile without the QA set: the Bundle rules run for any BSN, the counts are skipped and say why', async () => {
    const client = net.seeded.clients[0]!;
    const run = await runConformance({ profile: 'fhir', target: `${net.vvt.internalUrl}/internal/fhir`, bsn: client.bsn });
    const cases = run.reports[0]!.cases;
    expect(run.exitCode).toBe(0);
    expect(cases.filter((c) => c.outcome === 'failed')).toEqual([]);
    const skipped = cases.filter((c) => c.outcome === 'skipped');
    expect(skipped.length).toBe(46 + 1);
    expect(new Set(skipped.map((c) => c.message))).toEqual(new Set(['counts are only known for the QA set (--load-qa-data)', 'not asked for (--expect-auth)']));
  });
});
