// The client's side in a browser, on the real network: DigiD login through the simulated TVS at each level, "who looked
// at my data" showing a care worker's access made in this test, a consent change that the next care-worker search
// feels at once, and a DigiD Machtigen session limited to the represented client. Screenshots in test/artifacts/.
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../simulators/network/network.js';
import type { FlowResult } from '../../simulators/network/dashboard/types.js';
import { startBrowserLab, type BrowserLab } from '../helpers/browser.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');
const MOTHER = '999911004'; // Hendrika Jansen: DigiD up to substantieel; her son holds a Machtigen mandate for her
const OTHER = '999911016'; // Cornelis de Vries
const HOOG = '999911028'; // Wilhelmina Bos: DigiD up to hoog
const REPRESENTATIVE = '999912008';

interface AuditRecordLike {
  event: string;
  patient?: { bsn: string };
  actor?: { userId: string; kind?: string; authentication?: { means: string; loa?: string }; mandate?: { service: string } };
  object?: { description?: string };
}

describe('client portal in a browser: DigiD via TVS, access overview, consent', () => {
  let lab: BrowserLab;
  let net: Network;
  const errors: string[] = [];

  beforeAll(async () => {
    lab = await startBrowserLab('nll-portal-');
    net = lab.net;
  }, 90_000);
  afterAll(async () => lab?.stop());

  async function session(): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await lab.browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    return { ctx, page };
  }

  /** Through the portal's login button to TVS, picks the person, means and level there, and submits. */
  async function login(page: Page, o: { bsn?: string; means: 'digid' | 'machtigen' | 'eidas'; level?: string; represented?: string; lang?: 'nl' | 'en' }): Promise<void> {
    await page.goto(`${net.portal!.url}/?lang=${o.lang ?? 'nl'}`);
    await page.click('#login');
    await page.waitForSelector('#person');
    const value = await page.$eval('#person', (sel, bsn) => [...(sel as HTMLSelectElement).options].find((op) => op.dataset.bsn === bsn)?.value, o.bsn ?? '');
    await page.selectOption('#person', value!);
    await page.check(`input[name=means][value=${o.means}]`);
    if (o.level) await page.selectOption('#level', o.level);
    if (o.represented) await page.selectOption('#represented', o.represented);
    await page.click('#login');
    await page.waitForLoadState('load');
  }

  async function careWorkerSearch(bsn: string): Promise<FlowResult> {
    const res = await fetch(`${net.dashboard!.url}/api/flow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ careWorkerId: 'anna', bsn }) });
    return (await res.json()) as FlowResult;
  }

  async function lspRecords(q: string): Promise<AuditRecordLike[]> {
    return ((await (await fetch(`${net.lsp.node.internalUrl}/internal/audit/v1/records?${q}`)).json()) as { records: AuditRecordLike[] }).records;
  }

  it.each([
    ['basis', 'midden'],
    ['midden', 'midden'],
  ])('refuses a DigiD %s login with a clear page (health data needs substantieel)', async (level) => {
    const { ctx, page } = await session();
    await login(page, { bsn: MOTHER, means: 'digid', level });
    const refused = await page.waitForSelector('[data-testid=login-refused]');
    expect(await refused.getAttribute('data-code')).toBe('loa_too_low');
    expect(await refused.textContent()).toContain('Substantieel');
    expect(page.url()).toContain('/callback');
    if (level === 'basis') await page.screenshot({ path: path.join(ARTIFACTS, 'portal-refused-basis.png'), fullPage: true });
    // nothing was shown: going to the overview sends the visitor back to the login
    await page.goto(`${net.portal!.url}/overview`);
    expect(await page.$('#login')).not.toBeNull();
    await ctx.close();
  });

  it('after a care worker searched, DigiD Substantieel shows who looked, in Dutch and English, with the log\'s integrity', async () => {
    const flow = await careWorkerSearch(MOTHER);
    expect(flow.ok).toBe(true);
    // a signed checkpoint on each node, which the other node witnesses (sent right after the checkpoint)
    for (const node of [net.vvt, net.lsp.node]) await fetch(`${node.internalUrl}/internal/audit/v1/checkpoints`, { method: 'POST' });
    for (let i = 0; i < 50; i++) {
      const v = await Promise.all([net.vvt, net.lsp.node].map(async (n) => ((await (await fetch(`${n.internalUrl}/internal/audit/v1/verify`)).json()) as { witnessesChecked?: number }).witnessesChecked));
      if (v.every((x) => (x ?? 0) > 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { ctx, page } = await session();
    await login(page, { bsn: MOTHER, means: 'digid', level: 'substantieel' });
    await page.waitForSelector('[data-testid=accesses]');
    expect(await page.textContent('[data-testid=who]')).toContain('Hendrika Jansen');
    const first = (await page.textContent('[data-testid=accesses] li .text'))!;
    expect(first).toMatch(/^Anna de Vries, verzorgende IG \(niveau 3\) bij Thuiszorg De Zonnebloem bekeek uw medicatieafspraken, .*toedieningsafspraken.* op \d{1,2} \w+ \d{4} om \d\d:\d\d via het LSP\.$/);
    const trace = await page.getAttribute('[data-testid=accesses] li', 'data-trace');
    expect(flow.list).toBeDefined();
    // the same access, logged at both nodes, is one line
    expect(await page.$$eval(`[data-trace="${trace}"]`, (els) => els.length)).toBe(1);
    expect(await page.textContent(`[data-trace="${trace}"]`)).toContain('LSP');
    const integrity = await page.$$eval('[data-testid=integrity] li', (els) => els.map((e) => `${e.getAttribute('data-ok')}/${e.getAttribute('data-witnessed')}`));
    // both chains verify, each against the copy the other node keeps as its witness
    expect(integrity).toEqual(['true/true', 'true/true']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-overview-nl.png'), fullPage: true });

    await page.goto(`${net.portal!.url}/?lang=en`);
    await page.waitForSelector('[data-testid=accesses]');
    expect(await page.textContent('[data-testid=accesses] li .text')).toMatch(/^Anna de Vries, care assistant, individual healthcare \(level 3\) at Thuiszorg De Zonnebloem viewed your medication agreements, .*administration agreements.* on \d{1,2} \w+ \d{4} at \d\d:\d\d via the LSP\.$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-overview-en.png'), fullPage: true });

    // the client's own read is logged at both nodes, with the client as actor, the means and the level reached
    const reads = (await lspRecords(`patient=${MOTHER}&event=audit.read&limit=1000`)).filter((r) => r.actor?.kind === 'patient');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads[0]!.actor).toMatchObject({ userId: MOTHER, kind: 'patient', authentication: { means: 'DigiD', loa: 'http://eidas.europa.eu/LoA/substantial' } });
    const vvtReads = ((await (await fetch(`${net.vvt.internalUrl}/internal/audit/v1/records?patient=${MOTHER}&event=audit.read&limit=1000`)).json()) as { records: AuditRecordLike[] }).records;
    expect(vvtReads.some((r) => r.actor?.kind === 'patient')).toBe(true);
    await ctx.close();
  });

  it('DigiD Hoog and eIDAS substantial are accepted', async () => {
    for (const [o, who] of [
      [{ bsn: HOOG, means: 'digid' as const, level: 'hoog' }, 'Wilhelmina Bos'],
      [{ bsn: '999911041', means: 'eidas' as const }, 'Johannes Smit'],
    ] as const) {
      const { ctx, page } = await session();
      await login(page, o);
      await page.waitForSelector('[data-testid=who]');
      expect(await page.textContent('[data-testid=who]')).toContain(who);
      await ctx.close();
    }
  });

  it('an eIDAS login TVS cannot link to a BSN is refused with its own reason', async () => {
    const { ctx, page } = await session();
    await login(page, { means: 'eidas' });
    const refused = await page.waitForSelector('[data-testid=login-refused]');
    expect(await refused.getAttribute('data-code')).toBe('no_bsn');
    await ctx.close();
  });

  it('consent changed to "nee" takes effect at the LSP at once: the next care-worker search gets the no-consent outcome', async () => {
    const before = await careWorkerSearch(OTHER);
    expect(before.list!.sources.every((s) => s.status === 'complete')).toBe(true);
    const { ctx, page } = await session();
    await login(page, { bsn: OTHER, means: 'digid', level: 'substantieel' });
    await page.click('nav a[href="/consent"]');
    await page.waitForSelector('[data-testid=consent]');
    expect(await page.getAttribute('tr[data-holder="*"]', 'data-effective')).toBe('ja');
    await page.selectOption('tr[data-holder="*"] select', 'nee');
    await page.click('tr[data-holder="*"] button');
    await page.waitForSelector('[data-testid=saved]');
    expect(await page.getAttribute('tr[data-holder="*"]', 'data-effective')).toBe('nee');
    expect(await page.getAttribute('tr[data-holder="RPZAC005"]', 'data-effective')).toBe('nee');
    expect(await page.textContent('[data-testid=consent-changes]')).toContain('Alle zorgaanbieders: nee — door uzelf');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-consent-nee.png'), fullPage: true });

    const after = await careWorkerSearch(OTHER);
    const reasons = after.list?.sources.map((s) => `${s.name}: ${s.status} ${s.reason ?? ''}`).join('\n') ?? JSON.stringify(after.failure);
    expect(after.list!.sources.filter((s) => s.status !== 'complete').length).toBeGreaterThan(0);
    expect(reasons).toMatch(/no consent/i);
    expect(after.list!.rows).toHaveLength(0);

    // the change itself is in the LSP's log, with the client as the one who made it
    const changes = await lspRecords(`patient=${OTHER}&event=consent.update`);
    expect(changes.at(-1)).toMatchObject({ actor: { userId: OTHER, kind: 'patient' }, object: { description: expect.stringContaining("consent 'nee'") } });

    // back to yes for the other tests
    await page.selectOption('tr[data-holder="*"] select', 'ja');
    await page.click('tr[data-holder="*"] button');
    await page.waitForSelector('[data-testid=saved]');
    await ctx.close();
  });

  it('a DigiD Machtigen representative sees and acts for the represented client only; the log names both persons', async () => {
    await careWorkerSearch(OTHER);
    const { ctx, page } = await session();
    await login(page, { bsn: REPRESENTATIVE, means: 'machtigen', level: 'substantieel', represented: MOTHER });
    await page.waitForSelector('[data-testid=acting-for]');
    expect(await page.textContent('[data-testid=acting-for]')).toBe('Hendrika Jansen');
    const texts = await page.$$eval('[data-testid=accesses] li .text', (els) => els.map((e) => e.textContent));
    expect(texts.length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-machtigen.png'), fullPage: true });
    // no parameter can point the session at another client: the overview ignores ?bsn=, a forged consent form too
    await page.goto(`${net.portal!.url}/overview?bsn=${OTHER}&patient=${OTHER}`);
    expect(await page.textContent('[data-testid=acting-for]')).toBe('Hendrika Jansen');
    await page.goto(`${net.portal!.url}/consent`);
    const csrf = await page.getAttribute('input[name=csrf]', 'value');
    const forged = await page.evaluate(async (c) => (await fetch('/consent', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${c}&holderCategory=RPZAC005&choice=nee&bsn=999911016`, redirect: 'manual' })).status, csrf);
    expect([0, 303]).toContain(forged); // opaque redirect in the browser
    const otherConsent = (await (await fetch(`${net.lsp.node.internalUrl}/internal/lsp/v1/consent?bsn=${OTHER}`)).json()) as Array<{ holderCategory: string; choice: string }>;
    expect(otherConsent.some((c) => c.holderCategory === 'RPZAC005')).toBe(false);
    const motherConsent = (await (await fetch(`${net.lsp.node.internalUrl}/internal/lsp/v1/consent?bsn=${MOTHER}`)).json()) as Array<{ holderCategory: string; choice: string }>;
    expect(motherConsent.find((c) => c.holderCategory === 'RPZAC005')?.choice).toBe('nee');

    const change = (await lspRecords(`patient=${MOTHER}&event=consent.update`)).at(-1)!;
    expect(change.patient).toEqual({ bsn: MOTHER });
    expect(change.actor).toMatchObject({ userId: REPRESENTATIVE, kind: 'representative', authentication: { means: 'DigiD Machtigen' }, mandate: { service: expect.stringContaining('machtigen') } });
    const reads = (await lspRecords(`patient=${MOTHER}&event=audit.read&limit=1000`)).filter((r) => r.actor?.kind === 'representative');
    expect(reads.length).toBeGreaterThan(0);
    await ctx.close();
  });

  it('refuses a consent change from another site (CSRF) and without the form token', async () => {
    const { ctx, page } = await session();
    await login(page, { bsn: HOOG, means: 'digid', level: 'hoog' });
    const cookie = (await ctx.cookies()).find((c) => c.name === 'nll_portal')!;
    const post = (headers: Record<string, string>, body: string) => fetch(`${net.portal!.url}/consent`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `nll_portal=${cookie.value}`, ...headers }, body });
    expect((await post({ origin: 'https://evil.example' }, 'holderCategory=*&choice=nee')).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, 'holderCategory=*&choice=nee')).status).toBe(403);
    expect((await post({}, 'holderCategory=*&choice=nee&csrf=wrong')).status).toBe(403);
    const consent = (await (await fetch(`${net.lsp.node.internalUrl}/internal/lsp/v1/consent?bsn=${HOOG}`)).json()) as Array<{ holderCategory: string; choice: string }>;
    expect(consent.find((c) => c.holderCategory === '*')?.choice).toBe('ja');
    await ctx.close();
    expect(errors).toEqual([]);
  });
});
