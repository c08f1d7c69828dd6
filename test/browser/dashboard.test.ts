// Browser test of the dashboard: run the flow, read the administration list and audit view, switch on no-consent; screenshots in test/artifacts/.
// Wired to the demo-data network (createFakeDashboardOptions) until the coordinator points it at the real one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createDashboard } from '../../simulators/network/dashboard/server.js';
import { createFakeDashboardOptions } from '../../simulators/network/dashboard/fake.js';
import { launchChromium } from '../helpers/browser.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');
const NURSE = 'anna';
const DOMESTIC = 'chris';
const CLIENT = '999911120';

describe('dashboard in a browser', () => {
  let browser: Browser;
  let page: Page;
  let url: string;
  let close: () => Promise<void>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ url, close } = await createDashboard(createFakeDashboardOptions({ delayMs: 25 })).listen(0));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#care-worker option', { state: 'attached' });
    await page.waitForSelector('#conn.live');
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  async function run(careWorker: string, bsn: string): Promise<void> {
    await page.selectOption('#care-worker', careWorker);
    await page.selectOption('#client', bsn);
    await page.click('#run');
    await page.waitForSelector('#run:not([disabled])');
    await page.waitForSelector('[data-testid=administration-list], [data-testid=flow-failure], #list .muted');
  }

  it('runs the flow and shows each step live and the administration list with provenance', async () => {
    await run(NURSE, CLIENT);
    // every lane of ECD → node → LSP AS → LSP FHIR → sources → audit went green
    await page.waitForSelector('.lane[data-actor=audit][data-status=ok]');
    const lanes = await page.$$eval('.lane', (els) => els.map((e) => `${e.getAttribute('data-actor')}:${e.getAttribute('data-status')}`));
    expect(lanes).toEqual(['ecd:ok', 'node:ok', 'lsp-as:ok', 'lsp-fhir:ok', 'sources:ok', 'audit:ok']);
    const steps = await page.$$eval('.step', (els) => els.map((e) => e.getAttribute('data-step')));
    expect(steps).toEqual(['ecd', 'discovery', 'token', 'fhir:MA', 'fhir:TA', 'fhir:WDS', 'fhir:MTD', 'sources', 'audit']);

    const rows = await page.$$eval('table.admin tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-med'), tr.querySelector('td.time')?.textContent?.trim() ?? '']));
    expect(rows).toEqual([
      ['FUROSEMIDE TABLET 40MG', '08:00'],
      ['METOPROLOL TABLET 50MG', '08:00'],
      ['METOPROLOL TABLET 50MG', '20:00'],
      ['PARACETAMOL TABLET 500MG', '08:00suggested'],
      ['PARACETAMOL TABLET 500MG', '14:00suggested'],
      ['PARACETAMOL TABLET 500MG', '20:00suggested'],
      ['ACENOCOUMAROL TABLET 1MG', '18:00evening'],
      ['OXAZEPAM TABLET 10MG', 'as needed'],
      ['OMEPRAZOL CAPSULE 20MG', '—'],
    ]);
    const list = (await page.textContent('#list'))!;
    expect(list).toContain('dose changed');
    expect(list).toContain('was 1 stuk, now 2 stuk');
    expect(list).toContain('✓ given 08:05 · Jantien Toedien');
    expect(list).toContain('Source: Trombosedienst De Linde · WDS');
    expect(await page.textContent('tr.stopped')).toContain('do not give');
    expect(await page.$$eval('[data-testid=sources] li', (lis) => lis.map((l) => `${l.className}: ${l.textContent}`))).toEqual([
      'complete: Apotheek Centraal: complete (9 items received)',
      'complete: Huisartsenpraktijk Pulver: complete (1 item received)',
      'complete: Trombosedienst De Linde: complete (1 item received)',
    ]);
    expect(await page.$('[data-testid=missing-notice]')).toBeNull();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-flow.png'), fullPage: true });
  });

  it('shows the audit records per node, the chain status and who looked at the client\'s data', async () => {
    await page.waitForFunction(() => Number(document.querySelector('[data-audit-node=lsp] .count')?.firstChild?.textContent) >= 4);
    expect(await page.textContent('[data-audit-node=lsp] .chain')).toContain('hash chain intact');
    // the token request and the four outgoing searches, each recorded before it left
    expect(await page.textContent('[data-audit-node=vvt] .count')).toMatch(/^5 records$/);
    await page.selectOption('#patient-bsn', CLIENT);
    await page.click('#patient-form button');
    await page.waitForSelector('#patient-overview table');
    const accesses = await page.$$eval('#patient-overview tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(accesses).toHaveLength(4);
    for (const a of accesses) expect(a).toContain('Anna de Vries (30.000)');
    expect(accesses.join('\n')).toContain('search MedicationDispense (422037009)');
    await page.locator('#audit-panel').screenshot({ path: path.join(ARTIFACTS, 'dashboard-audit.png') });
  });

  it('a care worker whose role may not read medication gets a refusal naming the step and reason', async () => {
    await run(DOMESTIC, CLIENT);
    expect(await page.textContent('[data-testid=flow-failure]')).toContain('token: token request refused (400): access_denied - role VVT.005 (domestic care) may not read medication data');
    expect(await page.getAttribute('.lane[data-actor=lsp-as]', 'data-status')).toBe('failed');
    expect(await page.getAttribute('.step[data-step=sources]', 'data-status')).toBe('skipped');
  });

  it('with no-consent applied, the list says why the data is missing', async () => {
    await page.click('[data-apply=no-consent]');
    await page.waitForSelector('.scenario.active[data-scenario=no-consent]');
    expect(await page.textContent('#scenario-msg')).toBe("scenario 'no-consent' applied");
    await run(NURSE, CLIENT);
    const notice = (await page.textContent('[data-testid=missing-notice]'))!;
    expect(notice).toContain('Incomplete: some sources are not shown');
    expect(notice).toContain('Apotheek Centraal: not shown — no consent (Mitz)');
    expect(notice).toContain('Huisartsenpraktijk Pulver: not shown — no consent (Mitz)');
    expect(await page.textContent('[data-testid=empty-list]')).toBe('No medication can be shown — this does not mean the client takes none. See the sources above.');
    expect(await page.getAttribute('.lane[data-actor=sources]', 'data-status')).toBe('warning');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-no-consent.png'), fullPage: true });
    await page.click('[data-apply=normal]');
    await page.waitForSelector('.scenario.active[data-scenario=normal]');
  });

  it('fits a tablet (768×1024) without sideways scrolling', async () => {
    const tablet = await browser.newPage({ viewport: { width: 768, height: 1024 } });
    await tablet.goto(url);
    await tablet.waitForSelector('#care-worker option', { state: 'attached' });
    await tablet.selectOption('#client', CLIENT);
    await tablet.click('#run');
    await tablet.waitForSelector('[data-testid=administration-list]');
    expect(await tablet.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    const box = await tablet.locator('#list-panel').boundingBox();
    expect(box!.width).toBeGreaterThan(700); // one column: the list gets the full width
    await tablet.screenshot({ path: path.join(ARTIFACTS, 'dashboard-tablet.png'), fullPage: true });
    await tablet.close();
    expect(pageErrors).toEqual([]);
  });
});
