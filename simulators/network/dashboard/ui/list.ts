// Renders the administration list (toedienlijst) model: one table row per scheduled time, badges for changes, sources and why data is missing.
import { h, type Child } from './dom.js';
import type { AdministrationList, FlowResult } from '../types.js';

type Row = AdministrationList['rows'][number];
type Rec = NonNullable<Row['times'][number]['given']>;

const BADGE: Record<string, string> = { new: 'new', changed: 'changed', stops: 'stops', stopped: 'stopped', paused: 'paused' };

export function renderFlowResult(result: FlowResult): HTMLElement {
  if (!result.ok || !result.list) {
    const f = result.failure;
    return h(
      'div',
      { class: 'banner fail', role: 'alert', 'data-testid': 'flow-failure' },
      h('strong', {}, 'No administration list: the flow stopped'),
      f ? `${f.step}: ${f.reason}` : 'unknown failure',
    );
  }
  return renderAdministrationList(result.list);
}

export function renderAdministrationList(list: AdministrationList): HTMLElement {
  const missing = list.sources.filter((s) => s.status !== 'complete' && s.status !== 'not-registered');
  const notice = missing.length
    ? h(
        'div',
        { class: 'banner warn', role: 'status', 'data-testid': 'missing-notice' },
        h('strong', {}, 'Incomplete: some sources are not shown'),
        h('ul', {}, missing.map((s) => h('li', {}, s.line))),
      )
    : null;
  const meta = h(
    'div',
    { class: 'list-meta' },
    h('span', {}, h('strong', {}, longDate(list.date)), ` (${list.tz})`),
    list.patient ? h('span', {}, `Client: ${[list.patient.name, list.patient.bsn ? `BSN ${list.patient.bsn}` : ''].filter(Boolean).join(', ')}`) : null,
    h('span', {}, `${list.rows.length} medication${list.rows.length === 1 ? '' : 's'}`),
  );
  const body: Child[] = [];
  for (const r of list.rows) body.push(...rowsFor(r));
  const table = list.rows.length
    ? h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'admin', 'data-testid': 'administration-list' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Medication'), h('th', { scope: 'col' }, 'Dose · route'), h('th', { scope: 'col' }, 'Today'))),
          h('tbody', {}, body),
        ),
      )
    : emptyListText(list);
  const sources = h(
    'div',
    {},
    h('h3', {}, 'Sources ', h('span', { class: 'en' }, '(completeness)')),
    list.sources.length
      ? h('ul', { class: 'sources', 'data-testid': 'sources' }, list.sources.map((s) => h('li', { class: s.status }, s.line)))
      : h('p', { class: 'muted small' }, 'The answer named no sources.'),
  );
  return h('div', {}, listStateEl(list), notice, meta, table, list.rows.length && list.nothingToGive ? emptyListText(list) : null, sources);
}

// --- completeness and row warnings (issue 15): never show an unknown or partial answer as "nothing to give" ---

/** The list's state in one line: complete (and whether there is nothing to give), not registered, or why it is incomplete. */
function listStateEl(list: AdministrationList): HTMLElement {
  const cls = list.complete ? 'ok' : list.state === 'not-registered' ? 'fail' : 'warn';
  return h('div', { class: `banner ${cls} list-state`, role: list.complete ? 'status' : 'alert', 'data-testid': 'list-state', 'data-state': list.state }, list.headline);
}

/** What an empty (or all-stopped) list says: "nothing to give" only for a complete answer. */
function emptyListText(list: AdministrationList): HTMLElement {
  const text = list.nothingToGive
    ? 'Nothing to give today: every source answered and no administration agreement is active today.'
    : list.state === 'not-registered'
      ? 'Not registered at the LSP — this does not mean the client takes no medication.'
      : 'No medication can be shown — this does not mean the client takes none. See the sources above.';
  return h('p', { class: list.nothingToGive ? 'muted' : 'muted strong', 'data-testid': 'empty-list', 'data-state': list.state }, text);
}

/** A row's warnings: what its dose depends on that a source did not deliver, and from whom. */
function rowWarningsEl(r: Row): HTMLElement | null {
  if (!r.warnings.length) return null;
  return h(
    'ul',
    { class: 'row-warnings', 'data-testid': 'row-warnings' },
    r.warnings.map((w) => h('li', { class: `row-warning ${w.severity}`, 'data-code': w.code, 'data-missing': w.missing.join(' ') }, h('span', { 'aria-hidden': 'true' }, '⚠ '), w.text)),
  );
}

/** The "Today" column of a row whose dose is not confirmed. */
function cautionEl(r: Row): HTMLElement | null {
  if (!r.warnings.length) return null;
  const unknown = r.warnings.some((w) => w.severity === 'dose-unknown');
  return h('span', { class: `caution ${unknown ? 'dose-unknown' : 'check'}`, 'data-testid': 'row-caution' }, unknown ? 'dose unknown — check first' : 'check first');
}

function rowsFor(r: Row): HTMLElement[] {
  const stopped = r.change?.kind === 'stopped' || r.change?.kind === 'paused';
  const cls = [stopped ? 'stopped' : '', !r.dueToday && !r.asNeeded && !stopped ? 'notdue' : '', r.warnings.length ? 'warned' : ''].filter(Boolean).join(' ') || undefined;
  const warned = r.warnings.length ? { 'data-warnings': r.warnings.map((w) => w.code).join(' ') } : {};
  const med = h(
    'td',
    { rowspan: String(Math.max(1, r.times.length)) },
    h('div', { class: 'med' }, r.medication.name, r.medication.strength && !r.medication.name.includes(r.medication.strength) ? ` ${r.medication.strength}` : ''),
    r.change ? h('span', { class: `badge ${BADGE[r.change.kind]}` }, r.change.kind) : null,
    r.asNeeded ? h('span', { class: 'badge prn' }, 'as needed') : null,
    h('div', { class: 'sub' }, r.schedule),
    r.change ? h('div', { class: 'sub' }, r.change.detail) : null,
    r.instructions.map((i) => h('div', { class: 'sub' }, i)),
    r.notes.map((n) => h('div', { class: 'sub' }, n)),
    rowWarningsEl(r),
    h('div', { class: 'prov' }, `Source: ${r.provenance.name}`, r.provenance.organization && r.provenance.organization !== r.provenance.name ? ` · ${r.provenance.organization}` : '', ` · ${r.provenance.basis}`),
  );
  const doseRoute = (dose?: string) => h('td', { class: 'dose' }, [dose ?? r.dose ?? '—', r.route ? ` · ${r.route}` : ''].join(''));
  const todayCell = (given?: Rec, idx = 0) =>
    h(
      'td',
      {},
      given ? recordEl(given) : stopped && idx === 0 ? h('span', { class: 'notgiven' }, 'do not give') : cautionEl(r),
      idx === 0 ? r.otherAdministrations.map((a) => h('div', {}, recordEl(a))) : null,
    );
  if (!r.times.length) {
    const when = r.asNeeded ? 'as needed' : stopped ? '—' : r.dueToday ? '' : r.provenance.basis === 'MVE' ? '?' : 'not today';
    return [h('tr', { class: cls, 'data-med': r.medication.name, ...warned }, h('td', { class: 'time' }, when), med, doseRoute(), todayCell())];
  }
  return r.times.map((t, i) =>
    h(
      'tr',
      { class: cls, 'data-med': r.medication.name, ...warned },
      h('td', { class: 'time' }, t.time, t.exact ? null : h('span', { class: 'approx' }, t.label ?? 'about')),
      i === 0 ? med : null,
      doseRoute(t.dose),
      todayCell(t.given, i),
    ),
  );
}

function recordEl(a: Rec): HTMLElement {
  const text = a.status === 'given' ? `✓ given ${a.time}` : a.status === 'not-given' ? `✗ not given ${a.time}` : `recorded ${a.time}`;
  return h('span', { class: a.status === 'given' ? 'given' : a.status === 'not-given' ? 'notgiven' : '' }, text, a.by ? ` · ${a.by}` : '', a.note ? ` · ${a.note}` : '');
}

function longDate(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}
