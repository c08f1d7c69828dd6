// Runs one FHIR R4 TestScript (XML or JSON) against a FHIR base: fixtures, variables, setup/test/teardown operations and asserts.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resourceToXml, xmlToResource, evaluateFhirPath, type FhirResource } from '../../../node/src/fhir/index.js';
import { TargetUnreachable, type Outcome } from '../report.js';
import { expand } from './variables.js';

export type Json = any;

/** One assert's result (operations are not counted; a failing operation fails the asserts that follow it). */
export interface AssertResult {
  test: string;
  description: string;
  outcome: Outcome;
  message?: string;
  durationMs: number;
}

export interface ScriptResult {
  file: string;
  id: string;
  name: string;
  outcome: 'passed' | 'failed';
  asserts: AssertResult[];
  /** why the script could not run (bad script, setup failure) */
  error?: string;
  durationMs: number;
}

/** Validates a resource against a profile; returns error messages (empty: valid). */
export type ProfileCheck = (resource: FhirResource, profile: string) => Promise<string[]>;

export interface EngineOptions {
  /** FHIR base URL of the system under test */
  target: string;
  timeoutMs: number;
  /** request headers that replace the script's own (e.g. a real Authorization instead of Touchstone's placeholder) */
  headers?: Record<string, string>;
  /** `validateProfileId` asserts: 'target' asks the target's $validate, or a local validator */
  validate: ProfileCheck | 'target';
  now: number;
  fetch?: typeof fetch;
}

interface Response {
  status: number;
  headers: Headers;
  text: string;
  resource?: Json;
  contentType: string;
}

interface Fixture {
  resource?: Json;
  /** the (expanded) source text and its format, to send exactly what the script's author wrote */
  text?: string;
  format?: 'xml' | 'json';
  response?: Response;
}

const MIME: Record<string, string> = { xml: 'application/fhir+xml', json: 'application/fhir+json', ttl: 'text/turtle', none: '' };
const mime = (v: string | undefined) => (v === undefined ? undefined : (MIME[v] ?? v));
const CODES: Record<string, number[]> = { okay: [200], created: [201], noContent: [204], notModified: [304], bad: [400], forbidden: [403], notFound: [404], methodNotAllowed: [405], conflict: [409], gone: [410], preconditionFailed: [412], unprocessable: [422] };

/** FHIRPath as Touchstone evaluates it (fhirpath.ts: R4 model, Java-engine liberties), compiled once per expression. */
export function evaluate(resource: Json, expression: string): Json[] {
  return evaluateFhirPath(resource, expression);
}

/** Reads a TestScript or fixture file: XML through the FHIR XML converter, or JSON; `${…}` expanded first when asked. */
export function readResourceFile(file: string, transform: (text: string) => string = (t) => t): { resource: Json; text: string; format: 'xml' | 'json' } {
  const text = transform(readFileSync(file, 'utf8'));
  const format = /^\s*(<\?xml|<)/.test(text) ? 'xml' : 'json';
  return { resource: format === 'xml' ? xmlToResource(text, { lenient: true }) : JSON.parse(text), text, format };
}

class StopTest extends Error {}
class ScriptError extends Error {}

export class TestScriptRun {
  private readonly fixtures = new Map<string, Fixture>();
  private readonly variables = new Map<string, Json>();
  private readonly profiles = new Map<string, string>();
  private last?: { request: { method: string; url: string; headers: Record<string, string> }; response: Response };
  private readonly asserts: AssertResult[] = [];
  private readonly dir: string;

  constructor(
    private readonly file: string,
    private readonly script: Json,
    private readonly opts: EngineOptions,
  ) {
    this.dir = path.dirname(file);
  }

  /** Expands `${…}` in a string from the script's variables (fixture-, response- and header-based ones evaluated now). */
  private expand(text: string): string {
    return expand(text, (name) => this.variable(name), this.opts.now);
  }

  private variable(name: string): string | undefined {
    const v = this.variables.get(name);
    if (!v) return undefined;
    if (v.headerField) {
      const f = this.fixtures.get(v.sourceId)?.response ?? this.last?.response;
      return f?.headers.get(v.headerField) ?? v.defaultValue;
    }
    if (v.expression) {
      const f = v.sourceId ? (this.fixtures.get(v.sourceId)?.response ? this.fixtures.get(v.sourceId) : this.fixture(v.sourceId)) : undefined;
      const resource = f?.resource ?? f?.response?.resource ?? (!v.sourceId ? this.last?.response.resource : undefined);
      const out = resource ? evaluate(resource, this.expand(v.expression)) : [];
      return out.length ? String(out[0]) : v.defaultValue !== undefined ? this.expand(v.defaultValue) : undefined;
    }
    if (v.path) throw new ScriptError(`variable ${name}: 'path' (XPath/JSONPath) is not supported; use 'expression' (FHIRPath)`);
    return v.defaultValue !== undefined ? this.expand(v.defaultValue) : undefined;
  }

  private fixture(id: string): Fixture {
    let f = this.fixtures.get(id);
    if (!f) throw new ScriptError(`fixture '${id}' is not defined`);
    if (f.resource === undefined && f.text === undefined && !f.response && (f as any).ref) {
      // fixtures load on first use: _LoadResources declares hundreds, each read once
      const ref = (f as any).ref as string;
      const file = path.resolve(this.dir, ref);
      const loaded = readResourceFile(file, (t) => this.expand(t));
      f = { ...loaded };
      this.fixtures.set(id, f);
    }
    return f;
  }

  async run(): Promise<ScriptResult> {
    const started = performance.now();
    const s = this.script;
    const result = (error?: string): ScriptResult => {
      const failed = error !== undefined || this.asserts.some((a) => a.outcome === 'failed');
      return { file: this.file, id: s.id ?? path.basename(this.file), name: s.name ?? s.title ?? s.id, outcome: failed ? 'failed' : 'passed', asserts: this.asserts, ...(error ? { error } : {}), durationMs: Math.round(performance.now() - started) };
    };
    try {
      if (s.resourceType !== 'TestScript') throw new ScriptError(`${this.file} is a ${s.resourceType}, not a TestScript`);
      for (const p of s.profile ?? []) if (p.id) this.profiles.set(p.id, p.reference ?? p.value);
      for (const f of s.fixture ?? []) {
        if (!f.id) continue;
        const ref = f.resource?.reference;
        if (!ref || ref.startsWith('#')) throw new ScriptError(`fixture ${f.id}: only file references are supported`);
        this.fixtures.set(f.id, { ref } as Fixture);
      }
      for (const v of s.variable ?? []) this.variables.set(v.name, v);
      if (s.setup) {
        try {
          await this.actions(s.setup.action ?? [], 'setup', true);
        } catch (e) {
          if (e instanceof StopTest) return result('setup failed: the tests did not run');
          throw e;
        }
      }
      for (const t of s.test ?? []) {
        try {
          await this.actions(t.action ?? [], t.name ?? t.id ?? 'test', false);
        } catch (e) {
          if (!(e instanceof StopTest)) throw e;
        }
      }
      if (s.teardown) await this.actions(s.teardown.action ?? [], 'teardown', false, true).catch(() => undefined);
      return result();
    } catch (e) {
      if (e instanceof TargetUnreachable) throw e;
      return result(e instanceof ScriptError ? e.message : `script could not run: ${(e as Error).message}`);
    }
  }

  private async actions(actions: Json[], test: string, setup: boolean, teardown = false): Promise<void> {
    for (const a of actions) {
      if (a.operation) {
        try {
          await this.operation(a.operation);
        } catch (e) {
          if (e instanceof TargetUnreachable || teardown) throw e;
          // an operation that cannot even be sent fails its test, with the reason, as an assert would
          this.record(test, a.operation.description ?? `operation ${a.operation.type?.code ?? ''}`, 'failed', (e as Error).message, 0);
          throw new StopTest();
        }
      } else if (a.assert) {
        const t0 = performance.now();
        const desc = a.assert.description ?? a.assert.label ?? 'assert';
        let failure: string | undefined;
        try {
          failure = await this.assert(a.assert);
        } catch (e) {
          if (e instanceof TargetUnreachable) throw e;
          failure = `assert could not be evaluated: ${(e as Error).message}`;
        }
        const ms = Math.round(performance.now() - t0);
        if (failure === undefined) this.record(test, desc, 'passed', undefined, ms);
        else if (a.assert.warningOnly) this.record(test, desc, 'warned', failure, ms);
        else {
          this.record(test, desc, 'failed', failure, ms);
          if (setup || a.assert.stopTestOnFail) throw new StopTest();
        }
      }
    }
  }

  private record(test: string, description: string, outcome: Outcome, message: string | undefined, durationMs: number): void {
    this.asserts.push({ test, description, outcome, ...(message ? { message } : {}), durationMs });
  }

  // ---------------------------------------------------------------- operations

  private async operation(op: Json): Promise<void> {
    const code: string = op.type?.code ?? (op.url ? 'search' : undefined);
    const base = this.opts.target.replace(/\/+$/, '');
    const resourceType: string | undefined = op.resource;
    let url: string;
    let params = op.params !== undefined ? this.expand(op.params) : undefined;
    if (params && op.encodeRequestUrl) params = encodeParams(params);
    let method = 'GET';
    let body: string | undefined;
    const headers: Record<string, string> = {};
    const accept = mime(op.accept);
    if (accept) headers.accept = accept;
    for (const h of op.requestHeader ?? []) headers[String(h.field).toLowerCase()] = this.expand(String(h.value ?? ''));
    const source = op.sourceId ? this.fixture(op.sourceId) : undefined;
    const target = op.targetId ? (this.fixtures.get(op.targetId)?.response?.resource ?? this.fixtures.get(op.targetId)?.resource) : undefined;
    const typed = (rest = '') => `${base}/${resourceType ?? target?.resourceType ?? source?.resource?.resourceType ?? ''}${rest}`;
    const withParams = () => (params === undefined ? typed() : params.startsWith('/') || params.startsWith('?') ? typed(params) : typed(`/${params}`));
    switch (code) {
      case 'search':
      case 'read':
      case 'vread':
      case 'history':
        url = op.url ? this.expand(op.url) : target && code !== 'search' && params === undefined ? typed(`/${target.id}`) : withParams();
        break;
      case 'create':
        method = 'POST';
        url = op.url ? this.expand(op.url) : withParams();
        break;
      case 'update':
      case 'patch':
        method = code === 'update' ? 'PUT' : 'PATCH';
        url = op.url ? this.expand(op.url) : params !== undefined ? withParams() : typed(`/${source?.resource?.id ?? ''}`);
        break;
      case 'delete':
        method = 'DELETE';
        url = op.url ? this.expand(op.url) : target && params === undefined ? typed(`/${target.id}`) : withParams();
        break;
      case 'transaction':
      case 'batch':
        method = 'POST';
        url = op.url ? this.expand(op.url) : base;
        break;
      case 'capabilities':
        url = `${base}/metadata`;
        break;
      case 'purge': // Touchstone/Interoplab extension: remove a patient with its compartment
        method = 'POST';
        url = op.url ? this.expand(op.url) : withParams();
        break;
      default:
        if (op.method) {
          method = String(op.method).toUpperCase();
          url = op.url ? this.expand(op.url) : withParams();
          break;
        }
        throw new ScriptError(`operation type '${code}' is not supported`);
    }
    if (op.method) method = String(op.method).toUpperCase();
    if (source && method !== 'GET' && method !== 'DELETE') {
      const ct = mime(op.contentType) ?? (source.format === 'xml' ? MIME.xml! : MIME.json!);
      const wantXml = ct.includes('xml');
      body = wantXml ? (source.format === 'xml' && source.text ? source.text : resourceToXml(source.resource)) : source.format === 'json' && source.text ? source.text : JSON.stringify(source.resource);
      headers['content-type'] = ct;
    }
    Object.assign(headers, lower(this.opts.headers ?? {}));
    const response = await this.send(method, url, headers, body);
    this.last = { request: { method, url, headers }, response };
    if (op.responseId) this.fixtures.set(op.responseId, { resource: response.resource, response });
  }

  private async send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Response> {
    let res: globalThis.Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      throw new TargetUnreachable(new URL(url).origin, err.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message));
    }
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    let resource: Json;
    try {
      if (text.trim()) resource = /xml/i.test(contentType) || /^\s*</.test(text) ? xmlToResource(text) : JSON.parse(text);
    } catch {
      resource = undefined; // asserts on the body say what is wrong with it
    }
    return { status: res.status, headers: res.headers, text, resource, contentType };
  }

  // ---------------------------------------------------------------- asserts

  /** undefined when the assert holds, else why not. */
  private async assert(a: Json): Promise<string | undefined> {
    const last = this.last?.response;
    const operator: string | undefined = a.operator;
    if (a.direction === 'request') throw new Error("asserts on the request direction are not supported");
    const needResponse = () => {
      if (!last) throw new Error('no operation has been performed yet');
      return last;
    };
    if (a.responseCode !== undefined) {
      const r = needResponse();
      const ok = compare(String(r.status), operator ?? 'equals', this.expand(String(a.responseCode)));
      return ok ? undefined : `HTTP status ${r.status}, expected ${operator ?? 'equals'} ${a.responseCode}${brief(r)}`;
    }
    if (a.response !== undefined) {
      const r = needResponse();
      const codes = CODES[a.response];
      if (!codes) throw new Error(`unknown response code name '${a.response}'`);
      const ok = codes.includes(r.status) !== (operator === 'notEquals');
      return ok ? undefined : `HTTP status ${r.status}, expected ${a.response} (${codes.join('/')})${brief(r)}`;
    }
    if (a.contentType !== undefined) {
      const r = needResponse();
      const want = mime(a.contentType)!;
      const got = r.contentType.split(';')[0]!.trim();
      const ok = (got === want || (want.endsWith('+xml') && got === 'application/xml') || (want.endsWith('+json') && got === 'application/json')) !== (operator === 'notEquals');
      return ok ? undefined : `content type '${r.contentType}', expected ${want}`;
    }
    if (a.headerField !== undefined) {
      const r = needResponse();
      const got = r.headers.get(a.headerField) ?? '';
      return compare(got, operator ?? (a.value === undefined ? 'notEmpty' : 'equals'), a.value === undefined ? '' : this.expand(a.value)) ? undefined : `header ${a.headerField} is '${got}'`;
    }
    if (a.resource !== undefined) {
      const got = this.subject(a)?.resourceType;
      return (got === a.resource) !== (operator === 'notEquals') ? undefined : `resource is ${got ?? 'absent'}, expected ${a.resource}`;
    }
    if (a.validateProfileId !== undefined) {
      const profile = this.profiles.get(a.validateProfileId);
      if (!profile) throw new Error(`profile '${a.validateProfileId}' is not declared in the script`);
      const resource = this.subject(a);
      if (!resource) return 'no resource to validate';
      const errors = this.opts.validate === 'target' ? await this.validateAtTarget(resource, profile) : await this.opts.validate(resource, profile);
      return errors.length ? `not valid against ${profile}: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? ` (+${errors.length - 3} more)` : ''}` : undefined;
    }
    if (a.minimumId !== undefined) {
      const min = this.fixture(a.minimumId).resource;
      const got = this.subject(a);
      const miss = missing(min, got, got?.resourceType ?? 'resource');
      return miss ? `response lacks ${miss}` : undefined;
    }
    if (a.compareToSourceId !== undefined) {
      const src = this.fixture(a.compareToSourceId);
      const srcResource = src.resource ?? src.response?.resource;
      if (a.compareToSourceExpression === undefined) throw new Error('compareToSourceId without compareToSourceExpression is not supported');
      const expected = evaluate(srcResource, this.expand(a.compareToSourceExpression)).map(String);
      // the response side: the assert's own expression, else the same expression as on the source
      const got = evaluate(this.subject(a), this.expand(a.expression ?? a.compareToSourceExpression)).map(String);
      const ok = compare(got.join(','), operator ?? 'equals', expected.join(','));
      return ok ? undefined : `${a.expression ?? a.compareToSourceExpression} gives [${got.join(', ')}], source gives [${expected.join(', ')}]`;
    }
    if (a.expression !== undefined) {
      const subject = this.subject(a);
      if (subject === undefined) return last ? `the response has no FHIR body${brief(last)}` : 'no resource to evaluate';
      const expr = this.expand(a.expression);
      const out = evaluate(subject, expr);
      if (a.value === undefined && (operator === undefined || operator === 'equals')) {
        // an expression without a value must evaluate to true (Touchstone: a boolean condition)
        const ok = out.length > 0 && out.every((x) => x === true || (typeof x !== 'boolean' && x !== null));
        return ok ? undefined : `${expr} is ${JSON.stringify(out)}`;
      }
      const got = out.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x)));
      const want = a.value === undefined ? '' : this.expand(String(a.value));
      if (operator === 'empty' || operator === 'notEmpty') return (out.length === 0) === (operator === 'empty') ? undefined : `${expr} is ${JSON.stringify(out)}`;
      return compare(got.join(','), operator ?? 'equals', want) ? undefined : `${expr} is ${JSON.stringify(got.length === 1 ? got[0] : got)}, expected ${operator ?? 'equals'} '${want}'`;
    }
    if (a.path !== undefined) throw new Error("'path' (XPath/JSONPath) asserts are not supported; use 'expression'");
    if (a.requestURL !== undefined) {
      const url = this.last?.request.url ?? '';
      return compare(url, operator ?? 'equals', this.expand(a.requestURL)) ? undefined : `request URL was ${url}`;
    }
    if (a.requestMethod !== undefined) return this.last?.request.method.toLowerCase() === String(a.requestMethod).toLowerCase() ? undefined : `request method was ${this.last?.request.method}`;
    throw new Error('the assert checks nothing this engine knows (responseCode, response, contentType, headerField, resource, expression, compareToSourceId, minimumId, validateProfileId)');
  }

  /** What an assert looks at: its sourceId fixture, else the last response's resource. */
  private subject(a: Json): Json {
    if (a.sourceId) {
      const f = this.fixture(a.sourceId);
      return f.resource ?? f.response?.resource;
    }
    return this.last?.response.resource;
  }

  private async validateAtTarget(resource: Json, profile: string): Promise<string[]> {
    const base = this.opts.target.replace(/\/+$/, '');
    const url = `${base}/${resource.resourceType}/$validate?profile=${encodeURIComponent(profile)}`;
    const r = await this.send('POST', url, { 'content-type': MIME.json!, accept: MIME.json!, ...lower(this.opts.headers ?? {}) }, JSON.stringify(resource));
    if (r.resource?.resourceType !== 'OperationOutcome') return [`the target's $validate answered HTTP ${r.status} without an OperationOutcome`];
    return (r.resource.issue ?? []).filter((i: Json) => i.severity === 'error' || i.severity === 'fatal').map((i: Json) => `${i.expression?.[0] ?? ''} ${i.diagnostics ?? i.code}`.trim());
  }
}

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** ` (HTTP body …)` for a failure message, short. */
function brief(r: Response): string {
  const issue = r.resource?.resourceType === 'OperationOutcome' ? r.resource.issue?.[0]?.diagnostics : undefined;
  return issue ? ` (${String(issue).slice(0, 200)})` : '';
}

/** Percent-encodes the values of a query (Touchstone's encodeRequestUrl): `|`, `:` and spaces in tokens survive any proxy. */
function encodeParams(params: string): string {
  const q = params.indexOf('?');
  if (q < 0) return params;
  const head = params.slice(0, q + 1);
  const pairs = params
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return p;
      const value = p.slice(eq + 1);
      // already-encoded values stay as they are
      return `${p.slice(0, eq)}=${/%[0-9A-Fa-f]{2}/.test(value) ? value : encodeURIComponent(value)}`;
    });
  return head + pairs.join('&');
}

/** TestScript operators on string forms (numbers compared as numbers where both sides are numeric). */
export function compare(got: string, operator: string, want: string): boolean {
  const num = (s: string) => (s.trim() !== '' && !Number.isNaN(Number(s)) ? Number(s) : undefined);
  const list = want.split(',').map((s) => s.trim());
  switch (operator) {
    case 'equals':
      return got === want || (num(got) !== undefined && num(got) === num(want));
    case 'notEquals':
      return !(got === want || (num(got) !== undefined && num(got) === num(want)));
    case 'in':
      return list.includes(got.trim());
    case 'notIn':
      return !list.includes(got.trim());
    case 'greaterThan':
      return num(got) !== undefined && num(want) !== undefined ? num(got)! > num(want)! : got > want;
    case 'lessThan':
      return num(got) !== undefined && num(want) !== undefined ? num(got)! < num(want)! : got < want;
    case 'empty':
      return got === '';
    case 'notEmpty':
      return got !== '';
    case 'contains':
      return got.includes(want);
    case 'notContains':
      return !got.includes(want);
    case 'eval':
      return got === 'true';
  }
  throw new Error(`unknown operator '${operator}'`);
}

/** The first element of `min` that `got` does not contain (arrays: each item of min must match some item of got). */
export function missing(min: Json, got: Json, at: string): string | undefined {
  if (min === null || typeof min !== 'object') return min === got || String(min) === String(got) ? undefined : `${at} = ${JSON.stringify(min)}`;
  if (got === null || typeof got !== 'object') return at;
  if (Array.isArray(min)) {
    if (!Array.isArray(got)) return at;
    for (const [i, item] of min.entries()) if (!got.some((g) => missing(item, g, at) === undefined)) return `${at}[${i}]`;
    return undefined;
  }
  for (const [k, v] of Object.entries(min)) {
    if (k === 'id' || k === 'meta' || k === 'text') continue; // server-assigned or narrative
    const m = missing(v, got[k], `${at}.${k}`);
    if (m) return m;
  }
  return undefined;
}
