// Browser test of the dashboard's "log in with Dezi" step on the real network: the Dezi lane, the verklaring's role
// deciding at the LSP, and the refusals a demo shows (expired, revoked); screenshots in test/artifacts/.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Network } from '../../simulators/network/network.js';
import { startBrowserLab, type BrowserLab } from '../helpers/browser.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');
const CHRIS = 'dezi:chris:30.000'; // nurse (BIG), logs in with Dezi
const PIETER = 'dezi:pieter:30.000'; // Dezi registration ended
const CLIENT = '999911004';

describe('dashboard: log in with Dezi, in a browser', () => {
  let lab: BrowserLab;
  let net: Network;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    lab = await startBrowserLab('nll-browser-dezi-');
    net = lab.net;
    page = await lab.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(net.dashboard!.url);
    await page.waitForSelector('#care-worker option', { state: 'attached' });
    await page.waitForSelector('#conn.live');
  }, 60_000);
  afterAll(async () => lab?.stop());

  async function run(careWorker: string): Promise<void> {
    await page.selectOption('#care-worker', careWorker);
    await page.selectOption('#client', CLIENT);
    await page.click('#run');
    await page.waitForSelector('#run:not([disabled])');
    await page.waitForSelector('[data-testid=administration-list], [data-testid=flow-failure]');
  }

  const lanes = () => page.$$eval('.lane', (els) => els.map((e) => `${e.getAttribute('data-actor')}:${e.getAttribute('data-status')}`));

  it('offers the Dezi logins next to the self-declared care workers, one per role', async () => {
    const options = await page.$$eval('#care-worker option', (os) => os.map((o) => `${o.getAttribute('value')} ${o.textContent}`));
    expect(options.some((o) => o.startsWith(`${CHRIS} Log in with Dezi: Chris Jansen — Verpleegkundige`))).toBe(true);
    expect(options.filter((o) => o.startsWith('dezi:noor:'))).toHaveLength(2);
    expect(options.some((o) => o.startsWith('anna ') && !o.includes('Dezi'))).toBe(true);
  });

  it('a Dezi login runs through its own lane first and the LSP answers on the verified role', async () => {
    await run(CHRIS);
    await page.waitForSelector('.lane[data-actor=audit][data-status=ok]');
    expect(await lanes()).toEqual(['ecd:ok', 'dezi:ok', 'node:ok', 'lsp-as:ok', 'lsp-fhir:ok', 'sources:ok', 'audit:ok']);
    const steps = await page.$$eval('.step', (els) => els.map((e) => e.getAttribute('data-step')));
    expect(steps).toEqual(['ecd', 'dezi-login', 'discovery', 'token', 'fhir:MA', 'fhir:TA', 'fhir:WDS', 'fhir:MTD', 'sources', 'audit']);
    const dezi = (await page.textContent('.step[data-step=dezi-login]'))!;
    expect(dezi).toContain('Log in with Dezi');
    expect(dezi).toMatch(/C\. Jansen, Dezi 900010001, role 30\.000: verklaring [0-9a-f-]{36}/);
    expect(await page.textContent('.step[data-step=token]')).toContain('on the Dezi verklaring');
    expect(await page.$$('table.admin tbody tr')).not.toHaveLength(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dezi-flow.png'), fullPage: true });
  });

  it('a self-declared care worker shows no Dezi lane', async () => {
    await run('anna');
    await page.waitForSelector('.lane[data-actor=audit][data-status=ok]');
    expect((await lanes())[1]).toBe('node:ok');
    expect(await page.$('.step[data-step=dezi-login]')).toBeNull();
  });

  it('an expired verklaring: Dezi logs in, the LSP authorization server refuses with invalid_grant', async () => {
    await run(PIETER);
    expect(await page.getAttribute('.lane[data-actor=dezi]', 'data-status')).toBe('ok');
    expect(await page.getAttribute('.lane[data-actor=lsp-as]', 'data-status')).toBe('failed');
    const failure = (await page.textContent('[data-testid=flow-failure]'))!;
    expect(failure).toMatch(/invalid_grant: .*expired/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dezi-expired.png'), fullPage: true });
  });

  it('with revoked-dezi-declaration applied, Chris is refused because Dezi revoked the verklaring', async () => {
    await page.click('[data-apply=revoked-dezi-declaration]');
    await page.waitForSelector('.scenario.active[data-scenario=revoked-dezi-declaration]');
    await run(CHRIS);
    const failure = (await page.textContent('[data-testid=flow-failure]'))!;
    expect(failure).toMatch(/invalid_grant: .*\(revoked\)/);
    expect(await page.getAttribute('.lane[data-actor=lsp-as]', 'data-status')).toBe('failed');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dezi-revoked.png'), fullPage: true });
    await page.click('[data-apply=normal]');
    await page.waitForSelector('.scenario.active[data-scenario=normal]');
    expect(pageErrors).toEqual([]);
  });
});
