// Attack: a web page in the developer's browser posts to the node's internal API, the LSP's scenario control and the
// dashboard (text/plain and form bodies need no CORS preflight), writing audit records and switching scenarios.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createLspNode, type LspNode } from '../../simulators/lsp/main.js';
import { createDashboard } from '../../simulators/network/dashboard/server.js';
import { createFakeDashboardOptions } from '../../simulators/network/dashboard/fake.js';
import { auditRecords } from '../helpers/audit.js';
import { testNodeConfig } from '../helpers/node.js';
import { rawRequest } from './attacker.js';

const EVIL = 'https://evil.example';
const BSN = '999911120';
let lsp: LspNode;
let dashboard: { url: string; close(): Promise<void> };
const fake = createFakeDashboardOptions({ delayMs: 1 });

beforeAll(async () => {
  lsp = createLspNode(testNodeConfig('lsp', { organization: { ura: '90000999', name: 'Mock LSP' } }));
  await lsp.node.start();
  dashboard = await createDashboard(fake).listen(0);
}, 30_000);
afterAll(async () => {
  await dashboard?.close();
  await lsp?.node.stop();
});

/** What a page's `fetch(url, { method: 'POST', mode: 'no-cors', body })` or `<form>` makes the browser send. */
const browserPost = async (url: string, body: string | undefined, headers: Record<string, string>) => {
  const r = await rawRequest(url, 'POST', headers, body);
  return new Response(r.text, { status: r.status, headers: { 'content-type': String(r.headers['content-type'] ?? '') } });
};
const record = JSON.stringify({ event: 'data.request.outgoing', action: 'R', actor: { userId: 'eve', kind: 'person', role: { code: '30.000', system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode' }, organisation: { ura: '90000999' } }, authorisation: { scope: 'medicatieoverdracht', protocol: 'Nuts RFC021' }, patient: { bsn: BSN }, object: { type: 'MedicationRequest' }, outcome: { code: '0' } });

async function expectProblem(res: Response, status: number, detail: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
}

describe('internal API of a node', () => {
  const recordsUrl = () => `${lsp.node.internalUrl}/internal/audit/v1/records`;
  const forged = async () => (await auditRecords(lsp.node, { patient: BSN })).filter((r) => r.event === 'data.request.outgoing');

  it('a text/plain post from another site writes no audit record (403)', async () => {
    await expectProblem(await browserPost(recordsUrl(), record, { 'content-type': 'text/plain', origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }), 403, /cross-site|origin/);
    await expectProblem(await browserPost(recordsUrl(), record, { 'content-type': 'text/plain', origin: EVIL }), 403, /origin 'https:\/\/evil\.example'/);
    await expectProblem(await browserPost(recordsUrl(), record, { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }), 403, /same-site/);
    // a sandboxed page or file:// sends Origin: null
    await expectProblem(await browserPost(recordsUrl(), record, { 'content-type': 'application/json', origin: 'null' }), 403, /origin 'null'/);
    expect(await forged()).toEqual([]);
  });

  it('a body that is not JSON is refused even without Origin (415), so a form can never be read as a record', async () => {
    await expectProblem(await browserPost(recordsUrl(), record, { 'content-type': 'text/plain' }), 415, /application\/json/);
    await expectProblem(await browserPost(recordsUrl(), `x=${encodeURIComponent(record)}`, { 'content-type': 'application/x-www-form-urlencoded' }), 415, /application\/json/);
    expect(await forged()).toEqual([]);
  });

  it('the organisation’s own system (no browser headers, JSON) still writes its record', async () => {
    const r = await browserPost(recordsUrl(), record, { 'content-type': 'application/json' });
    expect(r.status).toBe(201);
    expect(await forged()).toHaveLength(1);
  });

  it('the LSP’s scenario control refuses a cross-site switch and keeps its scenario', async () => {
    const url = `${lsp.node.internalUrl}/internal/lsp/v1/scenarios/no-consent`;
    await expectProblem(await browserPost(url, '', { 'content-type': 'text/plain', origin: EVIL, 'sec-fetch-site': 'cross-site' }), 403, /cross-site/);
    await expectProblem(await browserPost(url, 'x', { 'content-type': 'text/plain' }), 415, /application\/json/);
    expect(lsp.scenarios.current).toBe('normal');
  });
});

describe('dashboard', () => {
  const scenarioUrl = () => `${dashboard.url}/api/scenarios/no-consent`;

  it('refuses a scenario switch from another site (403) and a non-JSON post (415); the scenario stays', async () => {
    await expectProblem(await browserPost(scenarioUrl(), '', { 'content-type': 'text/plain', origin: EVIL, 'sec-fetch-site': 'cross-site' }), 403, /cross-site/);
    await expectProblem(await browserPost(scenarioUrl(), '', { 'content-type': 'text/plain', origin: EVIL }), 403, /origin/);
    await expectProblem(await browserPost(scenarioUrl(), '', { 'content-type': 'text/plain' }), 415, /application\/json/);
    await expectProblem(await browserPost(scenarioUrl(), undefined, {}), 415, /no content type/);
    expect(fake.state.scenario).toBe('normal');
  });

  it('its own page may switch (same origin, JSON) and a link from elsewhere still opens the page', async () => {
    const own = await browserPost(scenarioUrl(), '{}', { 'content-type': 'application/json', origin: dashboard.url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(200);
    expect(fake.state.scenario).toBe('no-consent');
    const page = await rawRequest(`${dashboard.url}/`, 'GET', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' });
    expect(page.status).toBe(200);
  });

  it('refuses a page that reaches it through DNS rebinding (its own name, re-resolved to 127.0.0.1)', async () => {
    const port = new URL(dashboard.url).port;
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'sec-fetch-site': 'same-origin' };
    await expectProblem(await browserPost(scenarioUrl(), '{}', { 'content-type': 'application/json', ...rebound }), 403, /host 'evil\.example/);
    const read = await rawRequest(`${dashboard.url}/api/audit`, 'GET', { host: rebound.host, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' });
    expect(read.status).toBe(403);
  });
});

describe('docker compose', () => {
  it('publishes the internal APIs and the dashboard on 127.0.0.1 only; only the public node ports are open to the network', () => {
    const compose = parse(readFileSync(path.resolve(import.meta.dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { ports?: string[] }> };
    const published = Object.entries(compose.services).flatMap(([svc, s]) => (s.ports ?? []).map((p) => [svc, p] as const));
    const open = published.filter(([, p]) => !p.startsWith('127.0.0.1:'));
    expect(open).toEqual([
      ['node', '8080:8080'],
      ['lsp', '9080:9080'],
    ]);
  });
});
