// Dashboard server over HTTP: browser modules, API validation, SSE flow events, the demo wiring end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from './server.js';
import { createFakeDashboardOptions } from './fake.js';
import type { FlowResult, FlowStepEvent } from './types.js';

describe('dashboard server', () => {
  let url = '';
  let close: () => Promise<void>;
  const fake = createFakeDashboardOptions({ delayMs: 1 });
  beforeAll(async () => {
    ({ url, close } = await createDashboard(fake).listen(0));
  });
  afterAll(async () => close());

  it('serves the page and the browser modules as JavaScript without types', async () => {
    const page = await fetch(url + '/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<title>nuts-lsp-lab (demo data) — LSP–Nuts medication exchange</title>');
    expect(html).not.toContain('{{title}}');
    const app = await fetch(url + '/ui/app.js');
    expect(app.headers.get('content-type')).toMatch(/^text\/javascript/);
    const js = await app.text();
    expect(js).toContain('from "./dom.js"');
    expect(js).not.toMatch(/import type|: FlowStepEvent/);
    expect((await fetch(url + '/ui/nope.js')).status).toBe(404);
    expect((await fetch(url + '/ui/..%2Fserver.js')).status).toBe(404);
  });

  it('answers bad input with problem JSON naming the field', async () => {
    const post = (path: string, body: string) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const a = await post('/api/flow', JSON.stringify({ careWorkerId: 'anna', bsn: '123' }));
    expect(a.status).toBe(400);
    expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await a.json()).toEqual({ title: 'bad request', status: 400, detail: 'bsn must be 9 digits' });
    expect((await post('/api/flow', '{not json')).status).toBe(400);
    expect(await (await post('/api/flow', JSON.stringify({ bsn: '999911120' }))).json()).toMatchObject({ detail: 'careWorkerId is required' });
    const s = await post('/api/scenarios/nope', '');
    expect(s.status).toBe(404);
    expect(await s.json()).toEqual({ ok: false, message: "unknown scenario 'nope'" });
    expect((await fetch(url + '/api/audit/patient/abc')).status).toBe(400);
    expect(await (await fetch(url + '/api/audit/patient/999911120?limit=0')).json()).toMatchObject({ status: 400, detail: 'limit must be an integer from 1 to 100' });
    expect((await fetch(url + '/api/audit/patient/999911120?offset=x')).status).toBe(400);
    expect(await (await fetch(url + '/api/audit/patient/999911120?offset=0&limit=5')).json()).toMatchObject({ bsn: '999911120', offset: 0, limit: 5, entries: [] });
    expect((await fetch(url + '/api/unknown')).status).toBe(404);
  });

  it('streams the steps of a flow over /events while POST /api/flow runs, then the result', async () => {
    const ac = new AbortController();
    const res = await fetch(url + '/events', { signal: ac.signal });
    const reader = res.body!.getReader();
    const events: { event: string; data: unknown }[] = [];
    const reading = (async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
      }
    })();
    const r = (await (await fetch(url + '/api/flow', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ careWorkerId: 'bram', bsn: '999900493', runId: 'run-1' }) })).json()) as FlowResult;
    await new Promise((ok) => setTimeout(ok, 50));
    ac.abort();
    await reading;
    expect(r.ok).toBe(true);
    expect(r.runId).toBe('run-1');
    expect(r.list!.rows.map((x) => x.medication.name)).toEqual(['FUROSEMIDE TABLET 40MG', 'METOPROLOL TABLET 50MG']);
    expect(events[0]).toEqual({ event: 'flow-start', data: { runId: 'run-1', careWorkerId: 'bram', bsn: '999900493' } });
    const steps = events.filter((e) => e.event === 'flow-step').map((e) => e.data as FlowStepEvent);
    expect(steps.every((s) => s.runId === 'run-1' && !Number.isNaN(Date.parse(s.at)))).toBe(true);
    expect(steps.map((s) => `${s.actor}/${s.id}:${s.status}`)).toEqual([
      'ecd/ecd:ok',
      'node/discovery:running',
      'node/discovery:ok',
      'lsp-as/token:running',
      'lsp-as/token:ok',
      ...['MA', 'TA', 'WDS', 'MTD'].flatMap((b) => [`lsp-fhir/fhir:${b}:running`, `lsp-fhir/fhir:${b}:ok`]),
      'sources/sources:ok',
      'audit/audit:running',
      'audit/audit:ok',
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'flow-end', data: { runId: 'run-1', ok: true } });
  });

  it('a refused token ends the flow with the failing step and the remote reason', async () => {
    // as the page sends it: every API write is JSON
    await fetch(url + '/api/scenarios/expired-credential', { method: 'POST', headers: { 'content-type': 'application/json' } });
    try {
      const r = (await (await fetch(url + '/api/flow', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ careWorkerId: 'anna', bsn: '999911120' }) })).json()) as FlowResult;
      expect(r).toMatchObject({ ok: false, failure: { step: 'token', code: 'token_refused' } });
      expect(r.failure!.reason).toBe('token request refused (400): invalid_grant - NutsUraCredential of Zorggroep Zonnehuis expired on 2026-01-01');
      const net = (await (await fetch(url + '/api/network')).json()) as { nodes: { organisations: { credentials: { type: string; status: string }[] }[] }[] };
      expect(net.nodes[0]!.organisations[0]!.credentials.find((c) => c.type === 'NutsUraCredential')!.status).toBe('expired');
    } finally {
      await fetch(url + '/api/scenarios/normal', { method: 'POST', headers: { 'content-type': 'application/json' } });
    }
    expect(fake.state.scenario).toBe('normal');
  });
});
