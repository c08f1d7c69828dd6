// Profile 'fhir': a supplier's MP9 serve endpoint checked as the Nictiz Serve scripts do — metadata, the seven base queries
// with the Bundle rules, the filter counts on the QA set, and the 401 without a token.
import { BUNDLE_RULES, type SearchRequest } from './bundle-rules.js';
import { brief, trimSlash, type Http, type HttpAnswer } from './http.js';
import { CaseRunner, fail, type SuiteReport } from './report.js';
import type { FhirResource } from '../../node/src/fhir/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export type Block = 'MA' | 'WDS' | 'VV' | 'TA' | 'MVE' | 'MGB' | 'MTD';

const SCT = 'http://snomed.info/sct';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const ITERATE = ['PractitionerRole:organization', 'PractitionerRole:practitioner', 'PractitionerRole:location'].map((v) => ['_include:iterate', v] as [string, string]);
const inc = (...vs: string[]) => vs.map((v) => ['_include', v] as [string, string]);

/** The base queries of reference §2.3 ("all building blocks of kind X"), without the patient parameter. */
export const BASE_QUERIES: Record<Block, { resourceType: string; category: string; includes: Array<[string, string]> }> = {
  MA: { resourceType: 'MedicationRequest', category: '33633005', includes: [...inc('MedicationRequest:medication', 'MedicationRequest:reason', 'MedicationRequest:next-practitioner', 'MedicationRequest:requester'), ...ITERATE] },
  WDS: { resourceType: 'MedicationRequest', category: '395067002', includes: inc('MedicationRequest:medication') },
  VV: { resourceType: 'MedicationRequest', category: '52711000146108', includes: [...inc('MedicationRequest:medication', 'MedicationRequest:requester', 'MedicationRequest:dispense-location'), ...ITERATE] },
  TA: { resourceType: 'MedicationDispense', category: '422037009', includes: [...inc('MedicationDispense:medication', 'MedicationDispense:performer'), ...ITERATE] },
  MVE: { resourceType: 'MedicationDispense', category: '373784005', includes: [...inc('MedicationDispense:medication', 'MedicationDispense:performer', 'MedicationDispense:destination'), ...ITERATE] },
  MGB: { resourceType: 'MedicationStatement', category: '422979000', includes: [...inc('MedicationStatement:medication', 'MedicationStatement:author', 'MedicationStatement:prescriber', 'MedicationStatement:source'), ...ITERATE] },
  MTD: { resourceType: 'MedicationAdministration', category: '18629005', includes: [...inc('MedicationAdministration:medication', 'MedicationAdministration:performer'), ...ITERATE] },
};
const BLOCKS = Object.keys(BASE_QUERIES) as Block[];

/** Search parameters the base queries and filter variants use, which the CapabilityStatement must list per type. */
export const REQUIRED_SEARCH_PARAMS: Record<string, string[]> = {
  MedicationRequest: ['patient', 'category', 'identifier', 'medication', 'period-of-use', 'pharmaceutical-treatment-identifier'],
  MedicationDispense: ['patient', 'category', 'identifier', 'medication', 'period-of-use', 'whenhandedover', 'pharmaceutical-treatment-identifier'],
  MedicationStatement: ['patient', 'category', 'identifier', 'medication', 'period-of-use', 'pharmaceutical-treatment-identifier'],
  MedicationAdministration: ['patient', 'category', 'identifier', 'medication', 'effective-time', 'pharmaceutical-treatment-identifier'],
};

export type FilterKind = 'none' | 'identifier' | 'medication.code' | 'ge T-21' | 'le T-22' | 'T-21…T-7' | 'MBH id';

/** Expected [matches, included Medications] per filter on the QA set (reference §2.4); a missing block is not tested by Nictiz. */
export const EXPECTED_COUNTS: Record<FilterKind, Partial<Record<Block, [number, number]>>> = {
  none: { MA: [6, 6], TA: [6, 6], MGB: [6, 6], WDS: [6, 2], MVE: [6, 6], MTD: [6, 6], VV: [6, 6] },
  identifier: { MA: [1, 1], TA: [1, 1], MGB: [1, 1], WDS: [1, 1], MVE: [1, 1], MTD: [1, 1], VV: [1, 1] },
  'medication.code': { MA: [1, 1], TA: [1, 1], MGB: [1, 1], WDS: [2, 1], MVE: [1, 1], MTD: [1, 1], VV: [1, 1] },
  'ge T-21': { MA: [4, 4], TA: [4, 4], MGB: [4, 4], WDS: [3, 2], MVE: [3, 3], MTD: [3, 3] },
  'le T-22': { MA: [3, 3], TA: [3, 3], MGB: [3, 3], WDS: [4, 1], MVE: [3, 3], MTD: [3, 3] },
  'T-21…T-7': { MA: [3, 3], TA: [3, 3], MGB: [3, 3], WDS: [2, 2], MVE: [2, 2], MTD: [2, 2] },
  'MBH id': { MA: [1, 1], TA: [1, 1], MGB: [1, 1], WDS: [1, 1], MVE: [1, 1], MTD: [1, 1], VV: [1, 1] },
};

const TEST_OID = 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77';
const IDENTIFIER_ARC: Record<Block, string> = { MA: '16076005', WDS: '632', VV: '52711000146108', TA: '422037009', MVE: '373784005', MGB: '6', MTD: '18629005' };
const DATE_PARAM: Record<Block, string> = { MA: 'period-of-use', TA: 'period-of-use', MGB: 'period-of-use', WDS: 'period-of-use', VV: 'period-of-use', MVE: 'whenhandedover', MTD: 'effective-time' };

/** `${DATE, T, D, n}` of the Nictiz scripts: today + n days, date only (UTC, as the QA set is built). */
export function dayOffset(today: Date, n: number): string {
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + n)).toISOString().slice(0, 10);
}

/** The filter variant of reference §2.3 for a block, as query pairs inserted after `category`. */
export function filterPairs(kind: FilterKind, block: Block, today: Date): Array<[string, string]> {
  const p = DATE_PARAM[block];
  switch (kind) {
    case 'none':
      return [];
    case 'identifier':
      return [['identifier', `${TEST_OID}.${IDENTIFIER_ARC[block]}.1|MBH_300_QA${block === 'WDS' ? 7 : 1}_${block}-tmg`]];
    case 'medication.code':
      return [['medication.code', block === 'MTD' ? 'urn:oid:2.16.840.1.113883.2.4.4.7|202681' : `urn:oid:2.16.840.1.113883.2.4.4.10|${block === 'WDS' ? '1783' : '3956'}`]];
    case 'ge T-21':
      return [[p, `ge${dayOffset(today, -21)}`]];
    case 'le T-22':
      // the WDS script uses lt
      return [[p, `${block === 'WDS' ? 'lt' : 'le'}${dayOffset(today, -22)}`]];
    case 'T-21…T-7':
      return [
        [p, `ge${dayOffset(today, -21)}`],
        [p, `le${dayOffset(today, -7)}`],
      ];
    case 'MBH id':
      return [['pharmaceutical-treatment-identifier', `${TEST_OID}.1.1|MBH_300_QA1-tmg`]];
  }
}

export function searchRequest(block: Block, bsn: string, filter: Array<[string, string]> = []): SearchRequest {
  const q = BASE_QUERIES[block];
  return { resourceType: q.resourceType, pairs: [['patient.identifier', `${BSN_SYSTEM}|${bsn}`], ['category', `${SCT}|${q.category}`], ...filter, ...q.includes] };
}

/** As the scripts send it (encodeRequestUrl=true): values percent-encoded, so '|' arrives as %7C. */
export function searchUrl(base: string, req: SearchRequest): string {
  return `${trimSlash(base)}/${req.resourceType}?${req.pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}

export interface FhirProfileOptions {
  /** the FHIR base, e.g. https://ecd.example/fhir */
  target: string;
  http: Http;
  /** Authorization header value for every search (e.g. 'Bearer …'); none when the endpoint is open */
  authorization?: string;
  /** the patient whose medication data is queried */
  bsn: string;
  /** the QA set to PUT first (resources) and the internal base that accepts PUT; counts are checked only then */
  load?: { url: string; resources: FhirResource[] };
  /** check that a search without (or with a bogus) token gets 401 with WWW-Authenticate */
  expectAuth: boolean;
  today: Date;
  onCase?: ConstructorParameters<typeof CaseRunner>[1];
}

const count = (b: any, type: string, mode?: string) => (Array.isArray(b?.entry) ? b.entry : []).filter((e: any) => e?.resource?.resourceType === type && (!mode || e.search?.mode === mode)).length;

export async function runFhirProfile(o: FhirProfileOptions): Promise<SuiteReport> {
  const run = new CaseRunner('fhir', o.onCase);
  const report: SuiteReport = { name: 'fhir', target: o.target, startedAt: new Date().toISOString(), cases: run.cases };
  const base = trimSlash(o.target);
  const auth: Record<string, string> = o.authorization ? { authorization: o.authorization } : {};
  const accept = { accept: 'application/fhir+json' };

  // metadata is also the reachability probe: no answer at all ends the run (exit 3), any answer is judged
  const metadata = await o.http('GET', `${base}/metadata`, { headers: accept });
  await run.check('metadata', 'GET metadata is an R4 CapabilityStatement', () => {
    if (metadata.status !== 200) fail('metadata did not answer 200', 200, brief(metadata));
    const cs = metadata.json;
    if (cs?.resourceType !== 'CapabilityStatement') fail('body is not a CapabilityStatement', 'CapabilityStatement', cs?.resourceType ?? brief(metadata));
    if (!String(cs.fhirVersion ?? '').startsWith('4.0')) fail('fhirVersion is not R4', '4.0.1', cs.fhirVersion ?? null);
    if (!(cs.rest ?? []).some((r: any) => r?.mode === 'server')) fail('no rest entry with mode server', "rest.mode = 'server'", short(cs.rest));
    return `${cs.software?.name ?? 'software unnamed'} ${cs.software?.version ?? ''}`.trim();
  });
  for (const [type, params] of Object.entries(REQUIRED_SEARCH_PARAMS)) {
    await run.check('metadata', `${type}: search-type with the MP9 search parameters and includes`, () => {
      const rest = (metadata.json?.rest ?? []).find((r: any) => r?.mode === 'server');
      const res = (rest?.resource ?? []).find((r: any) => r?.type === type);
      if (!res) fail(`${type} is not listed`, `rest.resource.where(type='${type}')`, (rest?.resource ?? []).map((r: any) => r?.type));
      if (!(res.interaction ?? []).some((i: any) => i?.code === 'search-type')) fail(`${type} has no search-type interaction`, 'search-type', (res.interaction ?? []).map((i: any) => i?.code));
      const listed = new Set((res.searchParam ?? []).map((p: any) => p?.name));
      const missing = params.filter((p) => !listed.has(p));
      if (missing.length) fail(`${type} lacks search parameters ${missing.join(', ')}`, params, [...listed]);
      const includes = new Set<string>((res.searchInclude ?? []) as string[]);
      const wanted = [...new Set(Object.values(BASE_QUERIES).filter((q) => q.resourceType === type).flatMap((q) => q.includes.filter(([k]) => k === '_include').map(([, v]) => v)))];
      const noInclude = wanted.filter((i) => !includes.has(i));
      if (noInclude.length) fail(`${type} lacks searchInclude ${noInclude.join(', ')}`, wanted, [...includes]);
    });
  }

  if (o.load) {
    const load = o.load;
    await run.check('qa-data', `load the QA set (${load.resources.length} resources) with PUT`, async () => {
      for (const r of load.resources) {
        const a = await o.http('PUT', `${trimSlash(load.url)}/${r.resourceType}/${r.id}`, { body: JSON.stringify(r), headers: { 'content-type': 'application/fhir+json', ...accept } });
        if (a.status !== 200 && a.status !== 201) fail(`PUT ${r.resourceType}/${r.id} refused`, '200 or 201', brief(a));
      }
      return `${load.resources.length} resources`;
    });
  }

  if (o.expectAuth) {
    const url = searchUrl(base, searchRequest('MA', o.bsn));
    for (const [name, headers] of [
      ['no token → 401 with WWW-Authenticate', {}],
      ['unknown token → 401 with WWW-Authenticate', { authorization: 'Bearer conformance-not-a-token' }],
    ] as const) {
      await run.check('auth', name, async () => {
        const a = await o.http('GET', url, { headers: { ...accept, ...headers } });
        if (a.status !== 401) fail('the search was not refused with 401', 401, brief(a));
        if (!a.headers.get('www-authenticate')) fail('401 without a WWW-Authenticate header', 'WWW-Authenticate: Bearer …', null);
        if (a.json && a.json.resourceType !== 'OperationOutcome') fail('the 401 body is not an OperationOutcome', 'OperationOutcome', a.json.resourceType ?? brief(a));
        return a.headers.get('www-authenticate')!;
      });
    }
  } else run.skip('auth', 'no token → 401 with WWW-Authenticate', 'not asked for (--expect-auth)');

  const search = (req: SearchRequest) => o.http('GET', searchUrl(base, req), { headers: { ...accept, ...auth } });

  for (const block of BLOCKS) {
    const req = searchRequest(block, o.bsn);
    let answer: HttpAnswer | undefined;
    const ok = await run.check(block, 'base query answers 200 with a searchset Bundle', async () => {
      answer = await search(req);
      assertSearchset(answer);
      return `${count(answer.json, req.resourceType, 'match')} matches, ${count(answer.json, 'Medication')} Medication`;
    });
    for (const rule of BUNDLE_RULES) {
      if (!ok) run.skip(block, rule.name, 'no searchset to check');
      else await run.check(block, rule.name, () => rule.check(answer!.json, req));
    }
  }

  for (const [kind, perBlock] of Object.entries(EXPECTED_COUNTS) as Array<[FilterKind, Partial<Record<Block, [number, number]>>]>) {
    for (const [block, [matches, meds]] of Object.entries(perBlock) as Array<[Block, [number, number]]>) {
      const name = `filter ${kind}: ${matches} ${matches === 1 ? 'match' : 'matches'}, ${meds} Medication`;
      if (!o.load) {
        run.skip(block, name, 'counts are only known for the QA set (--load-qa-data)');
        continue;
      }
      await run.check(block, name, async () => {
        const req = searchRequest(block, o.bsn, filterPairs(kind, block, o.today));
        const a = await search(req);
        assertSearchset(a);
        const got: [number, number] = [count(a.json, req.resourceType, 'match'), count(a.json, 'Medication')];
        if (got[0] !== matches || got[1] !== meds) fail(`${block} with filter ${kind} returned other counts`, `${matches} ${req.resourceType}, ${meds} Medication`, `${got[0]} ${req.resourceType}, ${got[1]} Medication`);
      });
    }
  }
  return report;
}

function assertSearchset(a: HttpAnswer): void {
  if (a.status !== 200) fail('search did not answer 200', 200, brief(a));
  if (a.json?.resourceType !== 'Bundle') fail('body is not a Bundle', 'Bundle', a.json?.resourceType ?? brief(a));
  if (a.json.type !== 'searchset') fail('Bundle.type is not searchset', 'searchset', a.json.type ?? null);
}

const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};
