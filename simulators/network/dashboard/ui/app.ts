// Dashboard page logic: loads the panels, runs the flow, follows its steps over server-sent events.
import { api, byId, h, replace } from './dom.js';
import { renderFlowResult } from './list.js';
import type { AuditRecordView, AuditView, CredentialInfo, FlowResult, FlowStepEvent, NetworkView, PatientAccessView, PatientOverviewView, ScenarioInfo, SourceSystemInfo, StepStatus } from '../types.js';

// Kept here (not imported as values from ../types.js) so the browser loads only ui/ modules.
const ACTORS = [
  ['ecd', 'ECD'],
  ['dezi', 'Dezi'],
  ['node', 'Own node'],
  ['lsp-as', 'LSP auth server'],
  ['lsp-fhir', 'LSP FHIR'],
  ['sources', 'Sources'],
  ['audit', 'Audit'],
] as const;
const ICON: Record<StepStatus | 'idle', string> = { idle: '○', running: '◔', ok: '✓', warning: '!', failed: '✗', skipped: '–' };
const RANK: Record<StepStatus, number> = { skipped: 0, ok: 1, warning: 2, running: 3, failed: 4 };

let currentRun = '';
const stepEls = new Map<string, HTMLLIElement>();
const stepStatus = new Map<string, FlowStepEvent>();

function renderLanes(): void {
  // the Dezi lane appears when the care worker logs in with Dezi; a self-declared role has no such step
  const withDezi = [...stepStatus.values()].some((s) => s.actor === 'dezi');
  const lanes = ACTORS.filter(([actor]) => actor !== 'dezi' || withDezi).map(([actor, label]) => {
    const steps = [...stepStatus.values()].filter((s) => s.actor === actor);
    const status = steps.length ? steps.reduce((a, s) => (RANK[s.status] > RANK[a] ? s.status : a), 'skipped' as StepStatus) : undefined;
    const cls = status && !(status === 'skipped' && steps.every((s) => s.status === 'skipped')) ? status : status === 'skipped' ? 'skipped' : '';
    return h('li', { class: `lane ${cls}`, 'data-actor': actor, 'data-status': status ?? 'idle' }, h('span', { class: 'ic', 'aria-hidden': 'true' }, ICON[status ?? 'idle']), label);
  });
  replace(byId('lanes'), lanes);
}

function onStep(ev: FlowStepEvent): void {
  if (ev.runId !== currentRun) return;
  stepStatus.set(ev.id, ev);
  const label = ACTORS.find(([a]) => a === ev.actor)?.[1] ?? ev.actor;
  const li = h(
    'li',
    { class: `step ${ev.status}`, 'data-step': ev.id, 'data-status': ev.status },
    h('span', { class: 'ic', 'aria-label': ev.status }, ICON[ev.status]),
    h('span', { class: 'title' }, h('span', { class: 'actor' }, label), ev.title),
    h('span', { class: 'dur' }, ev.durationMs !== undefined ? `${ev.durationMs} ms` : ''),
    ev.detail ? h('span', { class: 'detail' }, ev.detail) : null,
  );
  const old = stepEls.get(ev.id);
  if (old) old.replaceWith(li);
  else byId('steps').append(li);
  stepEls.set(ev.id, li);
  renderLanes();
}

function startRun(runId: string): void {
  currentRun = runId;
  stepEls.clear();
  stepStatus.clear();
  replace(byId('steps'));
  renderLanes();
}

async function runFlow(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const careWorkerId = byId<HTMLSelectElement>('care-worker').value;
  const bsn = byId<HTMLSelectElement>('client').value;
  const button = byId<HTMLButtonElement>('run');
  const runId = `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  startRun(runId);
  button.disabled = true;
  button.textContent = 'Running…';
  replace(byId('list'), h('p', { class: 'muted' }, 'Asking the network…'));
  try {
    const result = await api<FlowResult>('/api/flow', { method: 'POST', body: JSON.stringify({ careWorkerId, bsn, runId }) });
    replace(byId('list'), renderFlowResult(result));
    byId('list').setAttribute('data-run', result.runId);
  } catch (err) {
    replace(byId('list'), h('div', { class: 'banner fail', role: 'alert' }, h('strong', {}, 'The dashboard could not run the flow'), (err as Error).message));
  } finally {
    button.disabled = false;
    button.textContent = 'Run';
    void loadAudit();
    void showPatient(); // the overview on screen gains this run's accesses
  }
}

async function loadNetwork(): Promise<void> {
  const net = await api<NetworkView>('/api/network');
  replace(
    byId('care-worker'),
    net.careWorkers.map((w) => h('option', { value: w.id }, `${w.dezi ? 'Log in with Dezi: ' : ''}${w.name} — ${w.roleName} (${w.big ? 'BIG registered' : 'no BIG registration'}), ${w.organisation}`)),
  );
  const clients = net.clients.map((c) => h('option', { value: c.bsn }, `${c.name} — BSN ${c.bsn}`));
  replace(byId('client'), clients);
  replace(byId('patient-bsn'), net.clients.map((c) => h('option', { value: c.bsn }, `${c.name} — BSN ${c.bsn}`)));
  renderNetworkPanel(net);
}

// --- network panel (issue 15): credential status as the LSP sees it, refreshed on every scenario switch; the sources ---

/** Re-reads the network panel only (the forms keep their choices): after a scenario switch a revocation shows at once. */
async function refreshNetworkPanel(): Promise<void> {
  renderNetworkPanel(await api<NetworkView>('/api/network'));
}

function credentialEl(c: CredentialInfo): HTMLElement {
  const title = [c.seenBy && `status as ${c.seenBy} sees it`, c.issuer && `issuer ${c.issuer}`, c.expires && `expires ${c.expires}`, c.detail].filter(Boolean).join('\n');
  return h('li', { class: `cred ${c.status}`, 'data-type': c.type, 'data-status': c.status, title }, `${c.type} · ${c.status}`, c.status !== 'valid' && c.detail ? h('span', { class: 'why' }, ` (${c.detail})`) : null);
}

function sourcesSection(sources: SourceSystemInfo[] | undefined): HTMLElement | null {
  if (!sources) return null;
  return h(
    'div',
    { class: 'node source-systems', 'data-testid': 'source-systems' },
    h('div', { class: 'node-h' }, h('strong', {}, 'Source systems behind the LSP'), h('span', { class: 'role' }, `${sources.length} systems`)),
    h(
      'ul',
      { class: 'srcs' },
      sources.map((s) =>
        h(
          'li',
          { 'data-source': s.name, 'data-available': String(s.available) },
          h('span', { class: `dot ${s.available ? 'up' : 'down'}`, 'aria-label': s.available ? 'up' : 'down' }),
          h('strong', {}, s.name),
          h('span', { class: 'small muted' }, ` · ${s.kind} · URA ${s.ura} · holds ${s.holds || '?'} · ${s.available ? `answers in ~${s.latencyMs} ms` : 'down'}`),
        ),
      ),
    ),
  );
}

function renderNetworkPanel(net: NetworkView): void {
  const credsSeenBy = net.nodes.flatMap((n) => n.organisations.flatMap((o) => o.credentials)).find((c) => c.seenBy)?.seenBy;
  replace(
    byId('network'),
    credsSeenBy ? h('p', { class: 'small muted', 'data-testid': 'creds-seen-by' }, `Credential status as ${credsSeenBy} (the LSP) sees it.`) : null,
    net.nodes.map((n) =>
      h(
        'div',
        { class: 'node', 'data-node': n.name },
        h('div', { class: 'node-h' }, h('strong', {}, h('span', { class: `dot ${n.healthy ? 'up' : 'down'}`, 'aria-label': n.healthy ? 'healthy' : 'down' }), n.name), h('span', { class: 'role' }, n.role)),
        h('div', { class: 'small' }, h('code', {}, n.publicUrl), n.internalUrl ? [' · internal ', h('code', {}, n.internalUrl)] : null),
        n.organisations.map((o) =>
          h(
            'div',
            { class: 'org' },
            h('div', {}, h('strong', {}, o.name), o.ura ? ` · URA ${o.ura}` : '', o.city ? ` · ${o.city}` : ''),
            h('div', {}, h('code', {}, o.did)),
            h('ul', { class: 'creds' }, o.credentials.map(credentialEl)),
          ),
        ),
      ),
    ),
    sourcesSection(net.sources),
  );
}

async function loadScenarios(): Promise<void> {
  const list = await api<ScenarioInfo[]>('/api/scenarios');
  replace(
    byId('scenarios'),
    list.map((s) =>
      h(
        'li',
        { class: `scenario${s.active ? ' active' : ''}`, 'data-scenario': s.name },
        h('div', {}, h('div', { class: 'name' }, s.title, s.active ? ' (active)' : ''), s.description ? h('div', { class: 'desc' }, s.description) : null),
        (() => {
          const b = h('button', { type: 'button', 'aria-pressed': s.active ? 'true' : 'false', 'data-apply': s.name, disabled: s.active }, s.active ? 'Active' : 'Apply');
          b.addEventListener('click', () => void applyScenario(s.name));
          return b;
        })(),
      ),
    ),
  );
}

async function applyScenario(name: string): Promise<void> {
  const r = await api<{ ok: boolean; message: string }>(`/api/scenarios/${encodeURIComponent(name)}`, { method: 'POST' });
  byId('scenario-msg').textContent = r.message;
  await Promise.all([loadScenarios(), refreshNetworkPanel()]);
}

function auditTable(records: AuditRecordView[]): HTMLElement {
  if (!records.length) return h('p', { class: 'muted small' }, 'No records.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'small' },
      h('thead', {}, h('tr', {}, ['When', 'Node', 'Who', 'Action', 'Client', 'Outcome'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        records.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, new Date(r.at).toLocaleTimeString('en-GB')),
            h('td', {}, r.node),
            h('td', {}, [r.who, r.role && `(${r.role})`, r.organisation && `· ${r.organisation}`].filter(Boolean).join(' ')),
            h('td', {}, r.action),
            h('td', {}, r.patient ?? ''),
            h('td', {}, r.outcome),
          ),
        ),
      ),
    ),
  );
}

async function loadAudit(): Promise<void> {
  const view = await api<AuditView>('/api/audit');
  replace(
    byId('audit'),
    h(
      'div',
      { class: 'audit-nodes' },
      view.nodes.map((n) =>
        h(
          'div',
          { class: 'audit-node', 'data-audit-node': n.node },
          h('div', {}, h('strong', {}, n.node)),
          h('div', { class: 'count' }, String(n.records), h('span', { class: 'small muted' }, ' records')),
          h('div', { class: `chain ${n.chain.ok ? 'ok' : 'broken'}` }, n.chain.ok ? '✓ hash chain intact' : `✗ chain broken: ${n.chain.reason ?? ''}`, n.chain.checkpoints !== undefined ? h('span', { class: 'muted small' }, ` · ${n.chain.checkpoints} signed checkpoints`) : null),
        ),
      ),
    ),
    h('h3', {}, 'Latest records'),
    auditTable(
      view.nodes
        .flatMap((n) => n.recent)
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, 8),
    ),
  );
}

// --- patient overview (issue 15): a list a person can read, newest first, paged, the raw query on demand ---

const OVERVIEW_PAGE = 10;
let shownPatient = '';
let shownOffset = 0;

async function showPatient(e?: SubmitEvent, offset = e ? 0 : shownOffset): Promise<void> {
  e?.preventDefault();
  const bsn = e ? byId<HTMLSelectElement>('patient-bsn').value : shownPatient;
  if (!bsn) return;
  shownPatient = bsn;
  shownOffset = offset;
  const page = await api<PatientOverviewView>(`/api/audit/patient/${bsn}?offset=${offset}&limit=${OVERVIEW_PAGE}`);
  replace(byId('patient-overview'), h('h3', {}, `Who looked at the data of BSN ${bsn}`), accessList(page), pager(page));
}

function accessItem(a: PatientAccessView): HTMLElement {
  const when = new Date(a.at).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return h(
    'li',
    { class: `access ${a.outcome === 'success' ? 'ok' : 'refused'}`, 'data-node': a.node },
    h('div', { class: 'access-line' }, h('time', { datetime: a.at }, when), ' — ', h('strong', { class: 'who' }, a.who), ' ', h('span', { class: 'did' }, a.did)),
    h('div', { class: 'small muted' }, `from ${a.system} · recorded by ${a.node} · `, h('span', { class: 'outcome' }, a.outcome)),
    a.query ? h('details', { class: 'raw' }, h('summary', {}, 'raw query'), h('code', {}, a.query)) : null,
  );
}

function accessList(page: PatientOverviewView): HTMLElement {
  if (!page.entries.length) return h('p', { class: 'muted small', 'data-testid': 'no-accesses' }, 'No recorded access to this client’s data.');
  return h('ol', { class: 'accesses', 'data-testid': 'accesses' }, page.entries.map(accessItem));
}

function pager(page: PatientOverviewView): HTMLElement | null {
  if (page.total <= page.limit && page.offset === 0) return h('p', { class: 'small muted', 'data-testid': 'access-range' }, `${page.total} access${page.total === 1 ? '' : 'es'}`);
  const button = (label: string, offset: number, enabled: boolean, id: string) => {
    const b = h('button', { type: 'button', 'data-page': id, disabled: !enabled }, label);
    b.addEventListener('click', () => guard(showPatient(undefined, offset), 'patient-overview'));
    return b;
  };
  const last = Math.min(page.offset + page.entries.length, page.total);
  return h(
    'div',
    { class: 'pager' },
    button('← newer', Math.max(0, page.offset - page.limit), page.offset > 0, 'newer'),
    h('span', { class: 'small muted', 'data-testid': 'access-range' }, `${page.offset + 1}–${last} of ${page.total} (newest first)`),
    button('older →', page.offset + page.limit, last < page.total, 'older'),
  );
}

function connect(): void {
  const conn = byId('conn');
  const es = new EventSource('/events');
  es.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.classList.add('live');
  });
  es.addEventListener('error', () => {
    conn.textContent = 'reconnecting…';
    conn.classList.remove('live');
  });
  es.addEventListener('flow-start', (m) => {
    const d = JSON.parse((m as MessageEvent).data) as { runId: string };
    if (d.runId !== currentRun && !byId<HTMLButtonElement>('run').disabled) startRun(d.runId);
  });
  es.addEventListener('flow-step', (m) => onStep(JSON.parse((m as MessageEvent).data) as FlowStepEvent));
  es.addEventListener('scenario', () => {
    void loadScenarios();
    guard(refreshNetworkPanel(), 'network');
  });
  es.addEventListener('audit', () => void loadAudit());
}

function guard(p: Promise<void>, where: string): void {
  p.catch((e: Error) => replace(byId(where), h('div', { class: 'banner fail', role: 'alert' }, (e as Error).message)));
}

connect();
renderLanes();
byId<HTMLFormElement>('flow-form').addEventListener('submit', (e) => void runFlow(e));
byId<HTMLFormElement>('patient-form').addEventListener('submit', (e) => guard(showPatient(e), 'patient-overview'));
guard(loadNetwork(), 'network');
guard(loadScenarios(), 'scenarios');
guard(loadAudit(), 'audit');
