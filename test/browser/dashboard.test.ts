// Browser test of the dashboard on the real local network: run the flow, read the administration list and audit view,
// switch scenarios on and see what the care worker sees (never "nothing to give" for an unknown or partial answer, row
// warnings, a revoked credential within seconds); screenshots in test/artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import { launchChromium } from '../helpers/browser.js';
import { networkPorts } from '../helpers/ports.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');
const NURSE = 'anna'; // verzorgende IG, no BIG registration
const DOMESTIC = 'sam'; // medewerker huishoudelijke zorg: may not see medication data
const CLIENT = '999911004'; // Hendrika Jansen

describe('dashboard in a browser, on the real network', () => {
  let net: Network;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let url: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(path.join(tmpdir(), 'nll-browser-'));
    net = await startNetwork({ datadir: dir, ports: { ...(await networkPorts()), dashboard: 0 }, inMemory: true, log: () => {}, logLevel: 'silent' }); // dashboard on a port the OS picks at bind time (no race with the sources binding theirs)
    url = net.dashboard!.url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#care-worker option', { state: 'attached' });
    await page.waitForSelector('#conn.live');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await net?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(careWorker: string, bsn: string): Promise<void> {
    await page.selectOption('#care-worker', careWorker);
    await page.selectOption('#client', bsn);
    await page.click('#run');
    await page.waitForSelector('#run:not([disabled])');
    await page.waitForSelector('[data-testid=administration-list], [data-testid=flow-failure], #list .muted');
  }

  it('runs the flow live through every lane and shows the administration list with provenance', async () => {
    await run(NURSE, CLIENT);
    await page.waitForSelector('.lane[data-actor=audit][data-status=ok]');
    const lanes = await page.$$eval('.lane', (els) => els.map((e) => `${e.getAttribute('data-actor')}:${e.getAttribute('data-status')}`));
    expect(lanes).toEqual(['ecd:ok', 'node:ok', 'lsp-as:ok', 'lsp-fhir:ok', 'sources:ok', 'audit:ok']);
    const steps = await page.$$eval('.step', (els) => els.map((e) => e.getAttribute('data-step')));
    expect(steps).toEqual(['ecd', 'discovery', 'token', 'fhir:MA', 'fhir:TA', 'fhir:WDS', 'fhir:MTD', 'sources', 'audit']);

    const rows = await page.$$eval('table.admin tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-med'), tr.querySelector('td.time')?.textContent?.trim() ?? '']));
    expect(rows).toEqual([
      ['ACENOCOUMAROL TABLET 1MG', '08:00suggested'],
      ['METFORMINE HCL TABLET 500MG', '08:00suggested'],
      ['METFORMINE HCL TABLET 500MG', '20:00suggested'],
      ['PARACETAMOL TABLET 500MG', 'as needed'],
    ]);
    const list = (await page.textContent('#list'))!;
    expect(list).toContain('Source: Huisartsenpraktijk De Linde');
    expect(list).toContain('Source: Apotheek De Vijzel');
    expect(list).not.toContain('TEMAZEPAM'); // stopped two weeks ago
    const sources = await page.$$eval('[data-testid=sources] li', (lis) => lis.map((l) => `${l.className}: ${l.textContent}`));
    expect(sources).toHaveLength(3);
    for (const s of sources) expect(s).toMatch(/^complete: (Apotheek De Vijzel|Huisartsenpraktijk De Linde|Thuiszorg De Zonnebloem \(registered administrations\)): complete \(\d+ items? received\)$/);
    expect(await page.$('[data-testid=missing-notice]')).toBeNull();
    expect(await page.getAttribute('[data-testid=list-state]', 'data-state')).toBe('complete');
    expect(await page.textContent('[data-testid=list-state]')).toBe('Complete: all 3 sources the LSP knows for this client answered fully.');
    expect(await page.$$('[data-testid=row-warnings]')).toHaveLength(0);
    expect(await page.textContent('.step[data-step=audit]')).toMatch(/records at the LSP \(.*fhir\.search.*\).*chains intact/s);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-flow.png'), fullPage: true });
  });

  it('shows the audit records per node, the chain status and who looked at the client’s data', async () => {
    await page.waitForFunction(() => Number(document.querySelector('[data-audit-node=lsp] .count')?.firstChild?.textContent) >= 4);
    expect(await page.textContent('[data-audit-node=lsp] .chain')).toContain('hash chain intact');
    expect(await page.textContent('[data-audit-node=vvt] .chain')).toContain('hash chain intact');
    // the token request and the four outgoing searches, each recorded before it left, plus the dashboard's own reads
    expect(Number((await page.textContent('[data-audit-node=vvt] .count'))!.split(' ')[0])).toBeGreaterThanOrEqual(5);
    await page.selectOption('#patient-bsn', CLIENT);
    await page.click('#patient-form button');
    await page.waitForSelector('#patient-overview [data-testid=accesses]');
    // a list for a person: who (role, organisation) did what, newest first, from which system, outcome
    const items = await page.$$eval('#patient-overview [data-testid=accesses] li', (lis) => lis.map((li) => ({ at: li.querySelector('time')!.getAttribute('datetime')!, line: li.querySelector('.access-line')!.textContent!, meta: li.querySelector('.small')!.textContent! })));
    expect(items).toHaveLength(8); // four searches, each recorded by the ECD's node (requested) and the LSP (searched)
    expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort().reverse());
    const searched = items.filter((i) => / searched /.test(i.line)).map((i) => i.line.replace(/^.* — /, ''));
    expect(searched.sort()).toEqual(
      ['administration agreements (TA)', 'medication administrations (MTD)', 'medication agreements (MA)', 'variable dosing regimens (WDS)'].map((w) => `Anna de Vries (VVT.001, Thuiszorg De Zonnebloem) searched ${w}`).sort(),
    );
    expect(items.filter((i) => / requested .* at /.test(i.line))).toHaveLength(4);
    for (const i of items) expect(i.meta).toMatch(/^from .+ · recorded by (lsp|vvt) · success$/);
    // the raw query only on demand
    const raw = page.locator('#patient-overview details.raw').first();
    expect(await raw.locator('code').isVisible()).toBe(false);
    await raw.locator('summary').click();
    expect(await raw.locator('code').textContent()).toMatch(/patient\.identifier=.*category=/);
    await page.locator('#audit-panel').screenshot({ path: path.join(ARTIFACTS, 'dashboard-audit.png') });
  });

  it('a care worker whose role may not see medication data is refused, naming the step and the rule', async () => {
    await run(DOMESTIC, CLIENT);
    const failure = (await page.textContent('[data-testid=flow-failure]'))!;
    expect(failure).toContain('fhir:MA');
    expect(failure).toContain("refused by rule 'role.unknown'");
    expect(failure).toContain('VVT.005');
    expect(await page.getAttribute('.lane[data-actor=lsp-fhir]', 'data-status')).toBe('failed');
    expect(await page.getAttribute('.step[data-step=sources]', 'data-status')).toBe('skipped');
  });

  it('with no-consent applied, the list says why the data is missing', async () => {
    await page.click('[data-apply=no-consent]');
    await page.waitForSelector('.scenario.active[data-scenario=no-consent]');
    expect(await page.textContent('#scenario-msg')).toMatch(/no-consent/);
    await run(NURSE, CLIENT);
    const notice = (await page.textContent('[data-testid=missing-notice]'))!;
    expect(notice).toContain('Incomplete: some sources are not shown');
    expect(notice).toContain('Apotheek De Vijzel: not shown — no consent (Mitz)');
    expect(notice).toContain('Huisartsenpraktijk De Linde: not shown — no consent (Mitz)');
    expect(await page.textContent('[data-testid=empty-list]')).toBe('No medication can be shown — this does not mean the client takes none. See the sources above.');
    expect(await page.getAttribute('[data-testid=list-state]', 'data-state')).toBe('no-consent');
    expect(await page.textContent('#list')).not.toMatch(/nothing to give/i);
    expect(await page.getAttribute('.lane[data-actor=sources]', 'data-status')).toBe('warning');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-no-consent.png'), fullPage: true });
    await page.click('[data-apply=normal]');
    await page.waitForSelector('.scenario.active[data-scenario=normal]');
  });

  // --- issue 15: completeness, row warnings, revocation and the sources, per scenario ---

  async function applyScenario(name: string): Promise<void> {
    await page.click(`[data-apply=${name}]`);
    await page.waitForSelector(`.scenario.active[data-scenario=${name}]`);
  }

  it('slow-gp: acenocoumarol from the pharmacy carries its own warning naming the GP; the list is marked incomplete', async () => {
    await applyScenario('slow-gp');
    try {
      await run(NURSE, CLIENT);
      expect(await page.getAttribute('[data-testid=list-state]', 'data-state')).toBe('timeout');
      expect(await page.textContent('[data-testid=list-state]')).toContain('Huisartsenpraktijk De Linde: did not answer in time');
      const aceno = page.locator('tr[data-med="ACENOCOUMAROL TABLET 1MG"]').first();
      expect(await aceno.getAttribute('data-warnings')).toMatch(/^wds-missing\b/);
      expect(await aceno.locator('td.dose').textContent()).toContain('1 stuk');
      const warning = (await aceno.locator('.row-warning.dose-unknown').first().textContent())!;
      expect(warning).toContain("today's dose is set by a variable dosing regimen (WDS), not received from Huisartsenpraktijk De Linde");
      expect(await aceno.locator('[data-testid=row-caution]').textContent()).toBe('dose unknown — check first');
      // every active row says what it misses; none is shown as if the answer were complete
      const rows = await page.$$eval('table.admin tbody tr:not(.stopped)[data-med]', (trs) => [...new Set(trs.map((t) => `${t.getAttribute('data-med')}|${t.getAttribute('data-warnings') ?? ''}`))]);
      for (const r of rows) expect(r, r).toMatch(/\|\S/);
      expect(await page.textContent('#list')).not.toMatch(/nothing to give/i);
      await page.locator('#list-panel').screenshot({ path: path.join(ARTIFACTS, 'dashboard-slow-gp.png') });
    } finally {
      await applyScenario('normal');
    }
  });

  it('unregistered-patient: "not registered at the LSP", never "nothing to give"', async () => {
    await applyScenario('unregistered-patient');
    try {
      await run(NURSE, CLIENT); // the first seeded client is the one unregistered
      expect(await page.getAttribute('[data-testid=list-state]', 'data-state')).toBe('not-registered');
      expect(await page.textContent('[data-testid=empty-list]')).toBe('Not registered at the LSP — this does not mean the client takes no medication.');
      expect(await page.textContent('#list')).not.toMatch(/nothing to give/i);
      await page.locator('#list-panel').screenshot({ path: path.join(ARTIFACTS, 'dashboard-unregistered.png') });
    } finally {
      await applyScenario('normal');
    }
  });

  it('the network panel shows the four source systems and the credential status as the LSP sees it, revoked within seconds', async () => {
    const sources = await page.$$eval('[data-testid=source-systems] li', (lis) => lis.map((l) => `${l.getAttribute('data-source')}|${l.getAttribute('data-available')}`));
    expect(sources.sort()).toEqual(['Apotheek De Vijzel|true', 'Huisartsenpraktijk De Linde|true', 'Thuiszorg De Zonnebloem (registered administrations)|true', 'Ziekenhuis Oost|true']);
    expect(await page.textContent('[data-testid=source-systems]')).toContain('J8 pharmacy · URA 90000202 · holds TA, MVE');
    expect(await page.textContent('[data-testid=creds-seen-by]')).toMatch(/as lsp \(the LSP\) sees it/);
    const ura = '.node[data-node=vvt] .cred[data-type=NutsUraCredential]';
    expect(await page.getAttribute(ura, 'data-status')).toBe('valid');
    await applyScenario('revoked-organisation');
    try {
      await page.waitForSelector(`${ura}[data-status=revoked]`, { timeout: 5_000 });
      await page.locator('#network-panel').screenshot({ path: path.join(ARTIFACTS, 'dashboard-revoked.png') });
      await run(NURSE, CLIENT);
      const failure = (await page.textContent('[data-testid=flow-failure]'))!;
      expect(failure).toContain('token');
      // refused by the LSP ("revoked"), or no longer offered by the own node once its status list copy aged out (≤ 5 s)
      expect(failure).toMatch(/revoked|id_organization_ura_credential/);
    } finally {
      await applyScenario('normal');
    }
    await page.waitForSelector(`${ura}[data-status=valid]`, { timeout: 5_000 });
  });

  it('pages the patient overview, newest first', async () => {
    await page.selectOption('#patient-bsn', CLIENT);
    await page.click('#patient-form button');
    await page.waitForSelector('#patient-overview [data-page=older]');
    const range = (await page.textContent('[data-testid=access-range]'))!;
    expect(range).toMatch(/^1–10 of (\d+) \(newest first\)$/);
    const total = Number(/of (\d+)/.exec(range)![1]);
    expect(total).toBeGreaterThan(10);
    const first = await page.$$eval('#patient-overview time', (ts) => ts.map((t) => t.getAttribute('datetime')!));
    await page.click('[data-page=older]');
    await page.waitForFunction(() => document.querySelector('[data-testid=access-range]')?.textContent?.startsWith('11–'));
    const second = await page.$$eval('#patient-overview time', (ts) => ts.map((t) => t.getAttribute('datetime')!));
    expect(second[0]! <= first.at(-1)!).toBe(true);
    await page.locator('#audit-panel').screenshot({ path: path.join(ARTIFACTS, 'dashboard-overview-page2.png') });
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
    expect(box!.width).toBeGreaterThan(700);
    await tablet.screenshot({ path: path.join(ARTIFACTS, 'dashboard-tablet.png'), fullPage: true });
    await tablet.close();
    expect(pageErrors).toEqual([]);
  });
});
