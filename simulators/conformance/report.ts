// Conformance results: the case model, a runner that turns a check into a result with its reason, text/JSON output and JUnit XML.

export type Outcome = 'passed' | 'failed' | 'warned' | 'skipped';

export interface CaseResult {
  /** the profile (JUnit testsuite) */
  suite: string;
  /** a group inside the profile, e.g. 'MA' or 'vcr' (JUnit classname) */
  group: string;
  name: string;
  outcome: Outcome;
  /** one line on why it failed, warned or was skipped */
  message?: string;
  expected?: string;
  actual?: string;
  /** what passed, when worth saying (e.g. '6 matches, 6 Medication') */
  detail?: string;
  durationMs: number;
}

export interface SuiteReport {
  name: string;
  target: string;
  startedAt: string;
  cases: CaseResult[];
}

/** Thrown by a check: the case fails with this reason and, where it helps, what was expected and what came back. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly expected?: unknown,
    readonly actual?: unknown,
    readonly severity: 'error' | 'warning' = 'error',
  ) {
    super(message);
  }
}

/** The target did not answer at all (connection refused, DNS, timeout): the run ends with exit code 3. */
export class TargetUnreachable extends Error {
  constructor(
    readonly url: string,
    readonly cause: string,
  ) {
    super(`${url} unreachable (${cause})`);
  }
}

export function fail(message: string, expected?: unknown, actual?: unknown): never {
  throw new CheckFailure(message, expected, actual);
}
export function warn(message: string, expected?: unknown, actual?: unknown): never {
  throw new CheckFailure(message, expected, actual, 'warning');
}

const show = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

/** Runs checks one after another and keeps their results; a check returns an optional detail or throws CheckFailure. */
export class CaseRunner {
  readonly cases: CaseResult[] = [];
  constructor(
    readonly suite: string,
    private readonly onCase: (c: CaseResult) => void = () => {},
  ) {}

  async check(group: string, name: string, fn: () => Promise<string | void> | string | void): Promise<boolean> {
    const started = performance.now();
    let result: CaseResult;
    try {
      const detail = await fn();
      result = { suite: this.suite, group, name, outcome: 'passed', ...(detail ? { detail } : {}), durationMs: 0 };
    } catch (e) {
      if (e instanceof CheckFailure) {
        result = { suite: this.suite, group, name, outcome: e.severity === 'warning' ? 'warned' : 'failed', message: e.message, expected: show(e.expected), actual: show(e.actual), durationMs: 0 };
      } else if (e instanceof TargetUnreachable) {
        result = { suite: this.suite, group, name, outcome: 'failed', message: e.message, durationMs: 0 };
      } else {
        // a bug in a check or an answer it could not digest: still a failed case with the reason, never a crash of the run
        result = { suite: this.suite, group, name, outcome: 'failed', message: `check could not complete: ${(e as Error).message}`, durationMs: 0 };
      }
    }
    result.durationMs = Math.round(performance.now() - started);
    this.record(result);
    return result.outcome === 'passed' || result.outcome === 'warned';
  }

  skip(group: string, name: string, reason: string): void {
    this.record({ suite: this.suite, group, name, outcome: 'skipped', message: reason, durationMs: 0 });
  }

  private record(c: CaseResult): void {
    this.cases.push(c);
    this.onCase(c);
  }
}

export const failedCases = (reports: SuiteReport[]) => reports.flatMap((r) => r.cases.filter((c) => c.outcome === 'failed'));

export function caseLine(c: CaseResult): string {
  const mark = { passed: '✓', failed: '✗', warned: '⚠', skipped: '-' }[c.outcome];
  const title = `${c.group}: ${c.name}`;
  if (c.outcome === 'passed') return `${mark} ${title}${c.detail ? ` (${c.detail})` : ''}`;
  const ea = c.expected !== undefined || c.actual !== undefined ? ` [expected ${c.expected ?? '—'}, actual ${c.actual ?? '—'}]` : '';
  return `${mark} ${title} — ${c.outcome === 'skipped' ? 'skipped: ' : c.outcome === 'warned' ? 'warning: ' : ''}${c.message ?? ''}${ea}`;
}

export function summaryLine(reports: SuiteReport[]): string {
  const all = reports.flatMap((r) => r.cases);
  const n = (o: Outcome) => all.filter((c) => c.outcome === o).length;
  return `${n('passed')} passed, ${n('failed')} failed, ${n('warned')} warnings, ${n('skipped')} skipped (${all.length} cases)`;
}

// ---- JUnit XML --------------------------------------------------------------------------------------------------

// XML 1.0 forbids most control characters even as references: replace them rather than write an unreadable file.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ILLEGAL_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export function xmlEscape(s: string): string {
  return s
    .replace(ILLEGAL_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}
/** Text content keeps its newlines readable; only the markup characters are escaped. */
const xmlText = (s: string) => s.replace(ILLEGAL_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** One testsuite per profile, one testcase per check; failures carry the reason and expected vs actual. */
export function toJUnit(reports: SuiteReport[]): string {
  const count = (cs: CaseResult[], o: Outcome) => cs.filter((c) => c.outcome === o).length;
  const all = reports.flatMap((r) => r.cases);
  const time = (cs: CaseResult[]) => seconds(cs.reduce((s, c) => s + c.durationMs, 0));
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: 'nuts-lsp-lab conformance', tests: all.length, failures: count(all, 'failed'), errors: 0, skipped: count(all, 'skipped'), time: time(all) })}>`];
  for (const r of reports) {
    lines.push(`  <testsuite${attrs({ name: r.name, tests: r.cases.length, failures: count(r.cases, 'failed'), errors: 0, skipped: count(r.cases, 'skipped'), time: time(r.cases), timestamp: r.startedAt })}>`);
    lines.push('    <properties>', `      <property${attrs({ name: 'target', value: r.target })}/>`, '    </properties>');
    for (const c of r.cases) {
      const head = `    <testcase${attrs({ classname: `conformance.${r.name}.${c.group}`, name: c.name, time: seconds(c.durationMs) })}`;
      const ea = [c.expected !== undefined ? `expected: ${c.expected}` : '', c.actual !== undefined ? `actual:   ${c.actual}` : ''].filter(Boolean).join('\n');
      if (c.outcome === 'passed') lines.push(c.detail ? `${head}>\n      <system-out>${xmlText(c.detail)}</system-out>\n    </testcase>` : `${head}/>`);
      else if (c.outcome === 'skipped') lines.push(`${head}>\n      <skipped${attrs({ message: c.message ?? '' })}/>\n    </testcase>`);
      // JUnit has no warning element: a warning passes, and says so on system-out where CI report viewers show it
      else if (c.outcome === 'warned') lines.push(`${head}>\n      <system-out>${xmlText(`WARNING: ${c.message ?? ''}${ea ? `\n${ea}` : ''}`)}</system-out>\n    </testcase>`);
      else lines.push(`${head}>\n      <failure${attrs({ message: c.message ?? 'failed', type: 'AssertionError' })}>${xmlText(ea || (c.message ?? ''))}</failure>\n    </testcase>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/**
 * Strict well-formedness check of XML we write (no DTDs, no CDATA needed): balanced tags, one root, quoted attributes
 * without raw '<' or '&', known entity references only, no characters XML 1.0 forbids. Returns why it is not well-formed.
 */
export function xmlWellFormedness(xml: string): { ok: true } | { ok: false; reason: string } {
  const bad = (reason: string, at: number) => ({ ok: false as const, reason: `${reason} at offset ${at}` });
  const illegal = new RegExp(ILLEGAL_XML.source).exec(xml);
  if (illegal) return bad('character not allowed in XML 1.0', illegal.index);
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  const token = /<\?xml[^?]*\?>|<!--(?:(?!--)[\s\S])*-->|<\/([A-Za-z_][\w.:-]*)\s*>|<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    const amp = entity.exec(text);
    entity.lastIndex = 0;
    if (amp) return bad("'&' that is not an entity reference", i + amp.index);
    if (text.includes('>') && text.includes(']]>')) return bad("']]>' in text", i);
    if (!stack.length && text.trim()) return bad('text outside the root element', i);
    if (lt < 0) break;
    token.lastIndex = lt;
    const m = token.exec(xml);
    if (!m) return bad('malformed tag', lt);
    if (m[0].startsWith('<?xml') && lt !== 0) return bad('XML declaration not at the start', lt);
    if (m[1]) {
      if (stack.pop() !== m[1]) return bad(`unbalanced </${m[1]}>`, lt);
    } else if (m[2]) {
      if (!stack.length && ++roots > 1) return bad('more than one root element', lt);
      const names = [...(m[3] ?? '').matchAll(/([A-Za-z_][\w.:-]*)\s*=/g)].map((a) => a[1]);
      if (new Set(names).size !== names.length) return bad(`duplicate attribute in <${m[2]}>`, lt);
      const amp2 = entity.exec(m[3] ?? '');
      entity.lastIndex = 0;
      if (amp2) return bad(`'&' that is not an entity reference in an attribute of <${m[2]}>`, lt);
      if (!m[4]) stack.push(m[2]);
    }
    i = lt + m[0].length;
  }
  if (stack.length) return bad(`<${stack.at(-1)}> not closed`, xml.length);
  if (roots !== 1) return bad('no root element', 0);
  return { ok: true };
}
