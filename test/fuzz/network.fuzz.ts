// Fuzz suite (`npm run test:fuzz`): generated requests against every operation of node/api/*.yaml, /fhir,
// /internal/fhir and the LSP internal routes, on the four ports of a real network started in-process. Every answer
// must come in time, never be a 5xx, speak its route family's error dialect, leave nothing stored when refused, and
// every answered data request must have its audit record.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import type { LabNode } from '../../node/src/main.js';
import { networkPorts } from '../helpers/ports.js';
import { operations } from '../helpers/openapi.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
/** far above every timeout inside the network (outgoing calls 10 s at most): an answer later than this is a hang */
const REQUEST_TIMEOUT_MS = 15_000;

type Dialect = 'problem' | 'oauth' | 'fhir';
type PortName = 'vvt-public' | 'vvt-internal' | 'lsp-public' | 'lsp-internal';

interface Target {
  port: PortName;
  method: string;
  /** path template with {param} placeholders */
  path: string;
  /** a /fhir or /internal/fhir request on a resource: a data access that must be recorded */
  data: boolean;
}

interface Sent {
  target: Target;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

const dir = mkdtempSync(path.join(tmpdir(), 'nll-fuzz-'));
let net: Network;
let token: string;
const nodeOf = (p: PortName): LabNode => (p.startsWith('vvt') ? net.vvt : net.lsp.node);
const baseOf = (p: PortName): string => {
  const n = nodeOf(p);
  return p.endsWith('internal') ? n.internalUrl : n.url;
};

function dialectOf(p: string): Dialect {
  // OpenID configuration errors are OAuth JSON, as nuts-node v6.2.10 declares them (default: application/json)
  if (p.startsWith('/oauth2') || p.startsWith('/.well-known/openid-configuration/')) return 'oauth';
  if (p.startsWith('/fhir') || p.startsWith('/internal/fhir')) return 'fhir';
  return 'problem';
}

// ---- targets: every documented operation, the FHIR interactions, the LSP internal routes --------------------------

function targets(): Target[] {
  const out: Target[] = [];
  const api = readdirSync('node/api').filter((f) => f.endsWith('.yaml'));
  for (const f of api) {
    for (const op of operations(path.join('node/api', f))) {
      if (op.method === 'HEAD') continue;
      const internal = op.path.startsWith('/internal');
      for (const node of ['vvt', 'lsp'] as const) out.push({ port: `${node}-${internal ? 'internal' : 'public'}`, method: op.method, path: op.path, data: false });
    }
  }
  const fhirPaths = ['{base}', '{base}/{type}', '{base}/{type}/{id}', '{base}/{type}/_search', '{base}/{type}/{id}/_history/{vid}', '{base}/metadata'];
  for (const port of ['vvt-public', 'lsp-public', 'vvt-internal', 'lsp-internal'] as const) {
    const base = port.endsWith('internal') ? '/internal/fhir' : '/fhir';
    for (const p of fhirPaths) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) out.push({ port, method, path: p.replace('{base}', base), data: !p.endsWith('metadata') });
    }
  }
  const lsp = [
    ['GET', '/v1/scenarios'],
    ['POST', '/v1/scenarios/{name}'],
    ['GET', '/v1/sources'],
    ['PATCH', '/v1/sources/{id}'],
    ['GET', '/v1/addressbook'],
    ['GET', '/v1/consent'],
    ['PUT', '/v1/consent'],
    ['DELETE', '/v1/consent'],
    ['POST', '/v1/consent/decision'],
    ['GET', '/v1/consent/fhir'],
    ['GET', '/v1/organisations'],
    ['POST', '/v1/organisations'],
    ['GET', '/v1/registrations'],
  ];
  for (const [method, p] of lsp) out.push({ port: 'lsp-internal', method: method!, path: `/internal/lsp${p}`, data: false });
  // unknown routes in every family answer in that family's dialect too
  for (const port of ['vvt-public', 'vvt-internal', 'lsp-public', 'lsp-internal'] as const) out.push({ port, method: 'GET', path: '/{unknown}', data: false });
  out.push({ port: 'lsp-public', method: 'POST', path: '/oauth2/{subjectID}/{unknown}', data: false });
  return out;
}

// ---- value generators ------------------------------------------------------------------------------------------------

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const nasty = fc.constantFrom('', ' ', '..', '../..', '%00', '%', '%E0%A4%A', '%2F', '%252F', '\u0000', '😀', 'ü', 'a'.repeat(600), '<script>', "' OR 1=1 --", '{}', '[]', 'null', '-1', '0', '1e309', 'NaN', '\r\nX-Injected: 1', 'did:web:127.0.0.1%3A1', 'did:jwk:e30');

function pools(n: Network) {
  const bsns = n.seeded.clients.map((c) => c.bsn);
  return {
    subject: fc.constantFrom('vvt', 'lsp', 'ecd-vendor', 'nobody'),
    did: fc.constantFrom(n.seeded.vvtDid, n.seeded.lspDid, 'did:web:localhost%3A1:iam:x', 'did:example:123'),
    bsn: fc.oneof(fc.constantFrom(...bsns), fc.stringMatching(/^\d{8,10}$/)),
    type: fc.constantFrom('MedicationRequest', 'MedicationDispense', 'MedicationAgreement', 'Patient', 'List', 'Observation', 'AuditEvent', 'Bundle', 'medicationrequest', 'X'.repeat(300)),
    service: fc.constantFrom('mp9-medicatieoverdracht', 'unknown-service'),
    url: fc.constantFrom(`${n.lsp.node.url}/oauth2/lsp`, `${n.vvt.url}/oauth2/vvt`, 'http://127.0.0.1:1/oauth2/x', 'ftp://x', 'not a url'),
  };
}

function paramValue(n: Network, name: string): fc.Arbitrary<string> {
  const p = pools(n);
  const pick: Record<string, fc.Arbitrary<string>> = { subjectID: p.subject, id: fc.oneof(p.subject, fc.uuid()), did: p.did, bsn: p.bsn, type: p.type, serviceID: p.service, node: fc.constantFrom('vvt', 'lsp', 'x') };
  const known = pick[name] ?? fc.constantFrom('x', 'pharmacy-down', 'normal');
  return fc.oneof({ weight: 3, arbitrary: known }, { weight: 2, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 2, arbitrary: nasty });
}

/** query values a FHIR search or an API filter might get: identifiers, chained parameters, junk */
function queryArb(n: Network): fc.Arbitrary<Array<[string, string]>> {
  const p = pools(n);
  const key = fc.oneof(
    fc.constantFrom('patient.identifier', 'subject.identifier', 'patient', 'subject', 'identifier', '_count', '_include', '_revinclude', 'category', 'code', '_id', '_format', 'format', 'from', 'to', 'limit', 'cursor', 'event', 'user', 'organisation', 'traceId', 'requestId', '_summary', '_elements', 'patient:missing', 'status'),
    fc.string({ maxLength: 20 }),
  );
  const value = fc.oneof(
    p.bsn.map((b) => `${BSN_SYSTEM}|${b}`),
    p.bsn,
    fc.constantFrom('1000', '-1', '0', 'abc', 'ndjson', 'fhir', 'true', '2026-01-01', 'http://snomed.info/sct|422037009', '*', 'MedicationRequest:subject'),
    fc.string({ maxLength: 30 }),
    nasty,
  );
  return fc.array(fc.tuple(key, value), { maxLength: 4 });
}

const jsonish = fc.jsonValue({ maxDepth: 3 });
function bodyArb(n: Network, target: Target): fc.Arbitrary<string | undefined> {
  const p = pools(n);
  // shapes close to what the operation accepts reach deeper than random JSON
  const shaped = fc.oneof(
    fc.record({ resourceType: p.type, id: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), subject: fc.option(p.bsn.map((b) => ({ identifier: { system: BSN_SYSTEM, value: b } })), { nil: undefined }) }, { requiredKeys: ['resourceType'] }),
    fc.record({ resourceType: fc.constant('Bundle'), type: fc.constantFrom('transaction', 'batch', 'collection'), entry: fc.array(jsonish, { maxLength: 3 }) }),
    fc.record({ event: fc.constantFrom('fhir.read', 'audit.read', 'x'), actor: fc.option(jsonish, { nil: undefined }), patient: fc.option(p.bsn.map((bsn) => ({ bsn })), { nil: undefined }), outcome: fc.option(jsonish, { nil: undefined }) }),
    fc.record({ authorization_server: p.url, scope: fc.constantFrom('medicatieoverdracht', 'x', ''), token_type: fc.constantFrom('Bearer', 'DPoP', 'x'), credentials: fc.option(fc.array(jsonish, { maxLength: 2 }), { nil: undefined }) }),
    fc.record({ token: fc.string({ maxLength: 60 }) }),
    fc.record({ key: jsonish, checkpoint: jsonish, links: fc.array(jsonish, { maxLength: 3 }) }),
    fc.record({ '@context': jsonish, type: fc.array(fc.constantFrom('VerifiableCredential', 'NutsUraCredential', 'NutsEmployeeCredential'), { maxLength: 2 }), issuer: p.did, credentialSubject: jsonish }),
    fc.record({ bsn: p.bsn, ura: fc.stringMatching(/^\d{8}$/), consent: fc.boolean() }),
  ).map((o) => JSON.stringify(o));
  const raw = fc.oneof(
    jsonish.map((v) => JSON.stringify(v)),
    fc.constantFrom('{', '{"a":', '[]', 'null', '""', 'grant_type=authorization_code&code=x', 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=a.b.c', '<xml/>', '\u0000\u0001'),
    fc.string({ maxLength: 200 }),
  );
  if (target.method === 'GET' || target.method === 'DELETE') return fc.option(raw, { nil: undefined, freq: 8 });
  return fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 3, arbitrary: raw }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const contentType = fc.constantFrom('application/json', 'application/json', 'application/fhir+json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', '');
function authArb(target: Target): fc.Arbitrary<Record<string, string>> {
  const data = target.port.endsWith('public') && target.path.startsWith('/fhir');
  const none: Record<string, string> = {};
  const variants: Array<Record<string, string>> = [{ authorization: 'Bearer x' }, { authorization: 'DPoP a.b.c', dpop: 'not-a-jwt' }, { authorization: 'Basic Zm9vOmJhcg==' }, { authorization: `Bearer ${'A'.repeat(5000)}` }];
  return fc.oneof(fc.constant(none), fc.constant(data ? { authorization: `Bearer ${token}` } : none), fc.constantFrom(...variants));
}

function requestArb(n: Network, all: Target[]): fc.Arbitrary<Sent> {
  return fc.constantFrom(...all).chain((target) => {
    const names = [...target.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    return fc
      .record({
        params: fc.tuple(...names.map((name) => paramValue(n, name))),
        query: queryArb(n),
        body: bodyArb(n, target),
        ct: contentType,
        auth: authArb(target),
        rawPath: fc.boolean(),
      })
      .map(({ params, query, body, ct, auth, rawPath }) => {
        let i = 0;
        // mostly encoded; sometimes raw, so malformed escapes and dot segments reach the router
        const p = target.path.replace(/\{[^}]+\}/g, () => {
          const v = params[i++]!;
          // eslint-disable-next-line no-control-regex -- a raw path must not carry control characters
          return rawPath ? v.replace(/[\s#?\u0000-\u001f]/g, '_') : encodeURIComponent(v);
        });
        const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const headers: Record<string, string> = { ...auth };
        if (body !== undefined && ct) headers['content-type'] = ct;
        return { target, url: `${baseOf(target.port)}${p}${qs ? `?${qs}` : ''}`, method: target.method, headers, body };
      });
  });
}

// ---- the oracle ------------------------------------------------------------------------------------------------------

/** Tables whose rows change without any request (discovery refresh, checkpoint timers, the peer's witnessing). */
const BACKGROUND = /^(audit_|discovery_activations$|discovery_client_entries$|discovery_server_seen$|kysely_)/;

async function fingerprint(node: LabNode): Promise<string> {
  const db = node.store.db.db;
  const tables = (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(db)).rows.map((r) => r.name).filter((t) => !BACKGROUND.test(t));
  const cols = tables.map((t) => `(SELECT count(*) || ':' || ifnull(max(rowid), 0) FROM "${t}") AS "${t}"`).join(', ');
  const row = (await sql.raw<Record<string, string>>(`SELECT ${cols}`).execute(db)).rows[0]!;
  return JSON.stringify(row);
}

function diffTables(a: string, b: string): string[] {
  const x = JSON.parse(a) as Record<string, string>;
  const y = JSON.parse(b) as Record<string, string>;
  return Object.keys(y).filter((k) => x[k] !== y[k]).map((k) => `${k} ${x[k]} -> ${y[k]}`);
}

function dialectProblem(dialect: Dialect, ct: string, text: string): string | undefined {
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `error body is not JSON (${ct}): ${text.slice(0, 120)}`;
  }
  if (dialect === 'problem' && (!ct.includes('application/problem+json') || typeof json.status !== 'number')) return `expected problem+json, got ${ct}: ${text.slice(0, 160)}`;
  if (dialect === 'oauth' && (!ct.includes('application/json') || typeof json.error !== 'string')) return `expected an OAuth error, got ${ct}: ${text.slice(0, 160)}`;
  if (dialect === 'fhir' && (!ct.includes('application/fhir+json') || json.resourceType !== 'OperationOutcome')) return `expected an OperationOutcome, got ${ct}: ${text.slice(0, 160)}`;
  return undefined;
}

interface Violation {
  kind: 'hang' | '5xx' | 'dialect' | 'stored' | 'unaudited' | 'transport';
  request: string;
  answer: string;
}

/**
 * One request on its own connection (node:http, no agent): a keep-alive socket the server closes while the client
 * reuses it would otherwise show up as a transport error that says nothing about the request.
 */
function send(s: Sent): Promise<{ status: number; ct: string; text: string; requestId?: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(s.url, { method: s.method, headers: { ...s.headers, ...(s.body !== undefined ? { 'content-length': Buffer.byteLength(s.body) } : {}) }, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, ct: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), requestId: res.headers['x-request-id'] as string | undefined }));
      res.on('error', (e) => resolve({ error: `response: ${e.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ error: `${e.name}: ${e.message}` }));
    req.end(s.body);
  });
}

const describeReq = (s: Sent) => `${s.method} ${s.url.replace(/^http:\/\/[^/]+/, `<${s.target.port}>`).slice(0, 300)}${s.headers['content-type'] ? ` [${s.headers['content-type']}]` : ''}${s.headers.authorization ? ` [auth ${s.headers.authorization.slice(0, 12)}…]` : ''}${s.body !== undefined ? ` body=${s.body.slice(0, 200)}` : ''}`;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent', sourceTimeoutMs: 1000 });
  const worker = net.seeded.careWorkers[0]!;
  const res = await fetch(`${net.vvt.internalUrl}/internal/auth/v2/vvt/request-service-access-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      authorization_server: `${net.lsp.node.url}/oauth2/lsp`,
      scope: 'medicatieoverdracht-employee',
      token_type: 'Bearer',
      credentials: [{ '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: worker.name, roleName: worker.roleName, roleCode: worker.roleCode, identifier: worker.id } }],
    }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
  expect(token).toBeTruthy();
}, 90_000);

afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it(`${RUNS} generated requests on the four ports: in time, no 5xx, the family's dialect, nothing stored when refused, every data request audited`, async () => {
  const all = targets();
  // a few more than RUNS: the odd generated URL node:http will not send does not count
  const requests = fc.sample(requestArb(net, all), { numRuns: Math.ceil(RUNS * 1.05), seed: SEED });
  const violations: Violation[] = [];
  const byStatus = new Map<number, number>();
  const covered = new Set<string>();
  let dataRequests = 0;
  let refusedWrites = 0;
  let unsendable = 0;

  let sent = 0;
  for (const s of requests) {
    if (sent >= RUNS) break;
    const node = nodeOf(s.target.port);
    const mutating = s.method !== 'GET';
    const before = mutating ? await fingerprint(node) : undefined;
    const r = await send(s).catch((e: Error) => ({ error: `client: ${e.message}` }));
    if ('error' in r && r.error.startsWith('client:')) {
      unsendable++; // node:http refuses to put it on the wire: nothing reached a node
      continue;
    }
    sent++;
    if ('error' in r) {
      violations.push({ kind: /timeout|abort/i.test(r.error) ? 'hang' : 'transport', request: describeReq(s), answer: r.error });
      continue;
    }
    covered.add(`${s.target.port} ${s.method} ${s.target.path}`);
    byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const answer = `${r.status} ${r.ct} ${r.text.slice(0, 300)}`;
    if (r.status >= 500) violations.push({ kind: '5xx', request: describeReq(s), answer });
    // the root did:web document answers a bare 404, as upstream nuts-node declares it (see PARITY.md)
    const bare404 = r.status === 404 && !r.text && new URL(s.url).pathname === '/.well-known/did.json';
    if (r.status >= 400 && !bare404) {
      const problem = dialectProblem(dialectOf(new URL(s.url).pathname), r.ct, r.text);
      if (problem) violations.push({ kind: 'dialect', request: describeReq(s), answer: `${r.status} ${problem}` });
      if (mutating) {
        refusedWrites++;
        const after = await fingerprint(node);
        if (after !== before) violations.push({ kind: 'stored', request: describeReq(s), answer: `${answer} — changed: ${diffTables(before!, after).join(', ')}` });
      }
    }
    // the URL as sent (dot segments resolved) decides whether it reached the FHIR surface
    const sentPath = new URL(s.url).pathname;
    if (s.target.data && /^\/(internal\/)?fhir(\/|$)/.test(sentPath) && !/^\/(internal\/)?fhir\/(metadata|\.well-known\/.*)$/.test(sentPath) && r.status !== 429) {
      dataRequests++;
      const recorded = r.requestId ? await node.audit.store.query({ requestId: r.requestId }, { limit: 1 }) : [];
      if (!recorded.length) violations.push({ kind: 'unaudited', request: describeReq(s), answer });
    }
  }

  const counts = Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0]));
  const kinds = violations.reduce<Record<string, number>>((m, v) => ((m[v.kind] = (m[v.kind] ?? 0) + 1), m), {});
  process.stdout.write(`fuzz: ${sent} requests sent (seed ${SEED}; ${unsendable} generated but not sendable), ${covered.size} of ${all.length} targets reached, ${dataRequests} data requests, ${refusedWrites} refused writes; statuses ${JSON.stringify(counts)}; violations ${JSON.stringify(kinds)}\n`);
  expect(sent).toBe(RUNS);
  // the failures, a few of each kind, as request + answer
  const sample = Object.keys(kinds).flatMap((k) => violations.filter((v) => v.kind === k).slice(0, Number(process.env.FUZZ_SHOW ?? 8)));
  if (process.env.FUZZ_REPORT) (await import('node:fs')).writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(violations, null, 1));
  expect(sample, JSON.stringify(sample, null, 1)).toEqual([]);
}, 600_000);
