// The suite can fail: a FHIR server broken on purpose (a proxy that spoils the lab's correct answers) fails exactly the cases it should.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { parseXml, type XmlElement } from '../../node/src/fhir/xml.js';
import { runConformance, toJUnit, xmlWellFormedness, caseLine, type ConformanceRun } from '../../simulators/conformance/index.js';
import { qaSet, QA_BSN } from '../../node/src/fhir/qa-set.js';
import { startTestNode } from '../helpers/node.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Each breakage is a server defect a supplier could ship; keyed by the category code of the query it spoils. */
function spoil(path: string, query: URLSearchParams, body: any): any {
  if (path.endsWith('/metadata')) {
    const ma = body.rest[0].resource.find((r: any) => r.type === 'MedicationAdministration');
    ma.searchParam = ma.searchParam.filter((p: any) => p.name !== 'effective-time');
    return body;
  }
  const category = query.get('category')?.split('|')[1];
  const matches = body.entry.filter((e: any) => e.search.mode === 'match');
  switch (category) {
    case '33633005': // MA: no self link
      body.link = body.link.filter((l: any) => l.relation !== 'self');
      break;
    case '422037009': // TA: a version-specific fullUrl, which no longer ends in the id
      body.entry[0].fullUrl += '/_history/1';
      break;
    case '52711000146108': // VV: includes counted in total
      body.total = 99;
      break;
    case '373784005': // MVE: subject references without display
      for (const e of matches) delete e.resource.subject.display;
      break;
    case '422979000': // MGB: an included resource twice (base query only, so the filter counts stay right)
      if ([...query.keys()].every((k) => ['patient.identifier', 'category', '_include', '_include:iterate'].includes(k))) body.entry.push(structuredClone(body.entry.find((e: any) => e.search.mode === 'include')));
      break;
    case '18629005': // MTD: no meta.profile on the administrations
      for (const e of matches) delete e.resource.meta;
      break;
    case '395067002': // WDS: the medication.code filter loses a match
      if (query.has('medication.code')) body.entry = body.entry.filter((e: any) => e !== matches.at(-1));
      break;
  }
  return body;
}

let node: LabNode;
let broken: Server;
let brokenUrl: string;
let run: ConformanceRun;

beforeAll(async () => {
  node = await startTestNode('broken-upstream');
  const upstream = `${node.internalUrl}/internal/fhir`;
  broken = createServer(async (req, res) => {
    // the defect of its security: any token is accepted, and a refusal names no scheme
    if (!req.headers.authorization && !req.url!.endsWith('/metadata')) return void res.writeHead(401, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }));
    const url = new URL(req.url!, 'http://x');
    const a = await fetch(`${upstream}${url.pathname}${url.search}`, { headers: { accept: 'application/fhir+json' } });
    const body = spoil(url.pathname, url.searchParams, await a.json());
    res.writeHead(a.status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body).replaceAll(upstream.replace('/internal/fhir', '/fhir'), brokenUrl));
  });
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  brokenUrl = `http://127.0.0.1:${(broken.address() as { port: number }).port}`;
  run = await runConformance({
    profile: 'fhir',
    target: brokenUrl,
    bsn: QA_BSN,
    authorization: 'Bearer anything',
    expectAuth: true,
    load: { url: upstream, resources: qaSet(new Date()).resources },
  });
});
afterAll(async () => {
  await new Promise((r) => broken?.close(r));
  await node?.stop();
});

const EXPECTED_FAILURES = [
  'metadata: MedicationAdministration: search-type with the MP9 search parameters and includes',
  'auth: no token → 401 with WWW-Authenticate',
  'auth: unknown token → 401 with WWW-Authenticate',
  'MA: self link',
  'VV: total ≤ matches',
  'TA: fullUrl absolute and ending in the id',
  'MVE: every Reference has a display',
  'MGB: includes de-duplicated',
  'MTD: meta.profile on every resource',
  // the duplicated Medication also inflates the count of the base query, as it would for a Nictiz script
  'MGB: filter none: 6 matches, 6 Medication',
  'WDS: filter medication.code: 2 matches, 1 Medication',
];

describe('fhir profile against a broken FHIR server', () => {
  it('fails exactly the broken cases, each with its reason, and warns where Nictiz only warns', () => {
    expect(run.exitCode).toBe(1);
    const cases = run.reports[0]!.cases;
    expect(cases.filter((c) => c.outcome === 'failed').map((c) => `${c.group}: ${c.name}`)).toEqual(EXPECTED_FAILURES);
    expect(cases.filter((c) => c.outcome === 'warned').map(caseLine)).toEqual(['⚠ MA: self link shows every search parameter (warning) — warning: no self link to compare with']);
    const byName = (n: string) => cases.find((c) => `${c.group}: ${c.name}` === n)!;
    expect(byName('metadata: MedicationAdministration: search-type with the MP9 search parameters and includes').message).toBe('MedicationAdministration lacks search parameters effective-time');
    expect(byName('auth: no token → 401 with WWW-Authenticate').message).toBe('401 without a WWW-Authenticate header');
    expect(byName('auth: unknown token → 401 with WWW-Authenticate')).toMatchObject({ message: 'the search was not refused with 401', expected: '401', actual: expect.stringMatching(/^HTTP 200 /) });
    expect(byName('TA: fullUrl absolute and ending in the id')).toMatchObject({ message: expect.stringMatching(/^fullUrl of MedicationDispense\/TA-QA\d does not end in its id$/), actual: expect.stringMatching(/\/MedicationDispense\/TA-QA\d\/_history\/1$/) });
    expect(byName('VV: total ≤ matches')).toMatchObject({ expected: 'total ≤ 6', actual: '99' });
    expect(byName('MVE: every Reference has a display')).toMatchObject({ message: expect.stringMatching(/^6 References without display in MedicationDispense\/MVE-QA\d, /) });
    expect(byName('MGB: includes de-duplicated').message).toMatch(/^Medication\/med-prk-\d+ appears more than once$/);
    expect(byName('MTD: meta.profile on every resource').message).toBe('6 resources without meta.profile');
    expect(byName('MGB: filter none: 6 matches, 6 Medication')).toMatchObject({ expected: '6 MedicationStatement, 6 Medication', actual: '6 MedicationStatement, 7 Medication' });
    expect(byName('WDS: filter medication.code: 2 matches, 1 Medication')).toMatchObject({ expected: '2 MedicationRequest, 1 Medication', actual: '1 MedicationRequest, 1 Medication' });
    // the other 26 rule cases of the spoiled blocks, and every other count, still pass
    expect(cases.filter((c) => c.outcome === 'passed').length).toBe(cases.length - EXPECTED_FAILURES.length - 1);
  });

  it('writes well-formed JUnit XML: a testsuite, a testcase per check, failure elements with expected vs actual', () => {
    const xml = toJUnit(run.reports);
    expect(xmlWellFormedness(xml)).toEqual({ ok: true });
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const suite = root.children.find((c) => c.name === 'testsuite')!;
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(suite.attrs).toMatchObject({ name: 'fhir', tests: String(cases.length), failures: String(EXPECTED_FAILURES.length), errors: '0', skipped: '0' });
    const failing = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
    const title = (c: XmlElement) => `${c.attrs.classname!.split('.').pop()}: ${decode(c.attrs.name!)}`;
    expect(failing.map(title)).toEqual(EXPECTED_FAILURES);
    const vv = failing.find((c) => title(c) === 'VV: total ≤ matches')!;
    expect(vv.attrs.classname).toBe('conformance.fhir.VV');
    const failure = vv.children.find((x) => x.name === 'failure')!;
    expect(decode(failure.attrs.message!)).toBe('Bundle.total counts more than the match entries (includes must not be counted)');
    const body = xml.match(/<testcase classname="conformance\.fhir\.VV" name="total ≤ matches"[^>]*>\s*<failure [^>]*>([^<]*)<\/failure>/);
    expect(body?.[1]).toBe('expected: total ≤ 6\nactual:   99');
  });
});

const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
