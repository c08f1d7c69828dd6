// Public face of the conformance suite: run a profile against a supplier's FHIR server or Nuts node, get reports and an exit code.
import { http, type FetchLike } from './http.js';
import { runFhirProfile } from './fhir-profile.js';
import { runNodeProfile } from './node-profile.js';
import { failedCases, TargetUnreachable, type CaseResult, type SuiteReport } from './report.js';
import { requestServiceAccessToken, TokenError, type TokenRequest } from './token.js';
import type { FhirResource } from '../../node/src/fhir/index.js';
import { nodeClient, NodeApiError } from '../../node/src/api-client/index.js';

export { toJUnit, xmlWellFormedness, caseLine, summaryLine, type CaseResult, type SuiteReport, type Outcome } from './report.js';
export { BUNDLE_RULES } from './bundle-rules.js';
export { BASE_QUERIES, EXPECTED_COUNTS, REQUIRED_SEARCH_PARAMS, searchRequest, searchUrl, filterPairs } from './fhir-profile.js';
export { didWebUrl } from './node-profile.js';
export { TargetUnreachable, TokenError };

/** Exit codes of the run, as the CLI uses them: 0 all passed, 1 any failed, 2 usage, 3 target unreachable. */
export const CONFORMANCE_EXIT = { passed: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export type ConformanceOptions =
  | ({ profile: 'fhir' } & FhirRunOptions & CommonOptions)
  | ({ profile: 'node'; target: string; internal: string; scope?: string } & CommonOptions);

interface CommonOptions {
  timeoutMs?: number;
  fetch?: FetchLike;
  onCase?: (c: CaseResult) => void;
}

export interface FhirRunOptions {
  target: string;
  bsn: string;
  /** a ready Authorization header value, or a token to obtain from the supplier's node first */
  authorization?: string;
  token?: TokenRequest;
  load?: { url: string; resources: FhirResource[] };
  expectAuth?: boolean;
  today?: Date;
}

export interface ConformanceRun {
  reports: SuiteReport[];
  exitCode: number;
  /** set when the run could not start or the target did not answer */
  error?: string;
}

export async function runConformance(o: ConformanceOptions): Promise<ConformanceRun> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const call = http({ timeoutMs, fetch: o.fetch });
  // a node's internal API through the typed client; refusals come back as answers, for the checks to judge
  const internalApi = (url: string) => nodeClient(url, { timeoutMs, fetch: o.fetch, refusals: 'return' });
  try {
    let report: SuiteReport;
    if (o.profile === 'fhir') {
      const authorization = o.authorization ?? (o.token ? await requestServiceAccessToken(internalApi(o.token.node), o.token) : undefined);
      report = await runFhirProfile({ target: o.target, http: call, authorization, bsn: o.bsn, load: o.load, expectAuth: o.expectAuth ?? false, today: o.today ?? new Date(), onCase: o.onCase });
    } else {
      report = await runNodeProfile({ target: o.target, internal: o.internal, api: internalApi(o.internal), http: call, scope: o.scope ?? 'medicatieoverdracht-employee', onCase: o.onCase });
    }
    return { reports: [report], exitCode: failedCases([report]).length ? CONFORMANCE_EXIT.failed : CONFORMANCE_EXIT.passed };
  } catch (e) {
    // the report still says the suite did not run: an empty one would read as "0 tests, all passed" in CI
    if (e instanceof TargetUnreachable || (e instanceof NodeApiError && e.kind === 'unreachable')) {
      const target = o.profile === 'node' ? `${o.target} (internal ${o.internal})` : o.target;
      const c: CaseResult = { suite: o.profile, group: 'reachability', name: 'the target answers', outcome: 'failed', message: e.message, durationMs: 0 };
      return { reports: [{ name: o.profile, target, startedAt: new Date().toISOString(), cases: [c] }], exitCode: CONFORMANCE_EXIT.unreachable, error: e.message };
    }
    // no token means no meaningful FHIR run: a failure of the setup the supplier must fix, not a usage error
    if (e instanceof TokenError) return { reports: [], exitCode: CONFORMANCE_EXIT.failed, error: e.message };
    throw e;
  }
}
