// In-process stand-in for the network (node internal API + LSP FHIR) so the dashboard runs before the real network is wired; dev and browser tests only.
import { DEMO_SOURCES, dose, medication, mtd, oral, outcome, qty, request, searchset, ta } from '../../ecd/mp9-builders.js';
import { createEcdRunFlow } from '../flow.js';
import type { AuditRecordView, CareWorkerOption, ClientOption, DashboardOptions, NetworkView, ScenarioInfo } from './types.js';
import { LSP_URA } from '../../shared/identity.js';

const SCENARIOS: Omit<ScenarioInfo, 'active'>[] = [
  { name: 'normal', title: 'Normal', description: 'All sources answer; consent given.' },
  { name: 'no-consent', title: 'No consent (Mitz)', description: 'The client gave no consent: the LSP withholds every source.' },
  { name: 'source-down', title: 'GP practice unreachable', description: 'Huisartsenpraktijk Pulver times out; the rest answers.' },
  { name: 'not-registered', title: 'Client not registered', description: 'No source registered data for this client at the LSP.' },
  { name: 'expired-credential', title: 'Expired URA credential', description: 'The organisation credential has expired: the LSP refuses the token.' },
];

export const FAKE_CARE_WORKERS: CareWorkerOption[] = [
  { id: 'anna', name: 'Anna de Vries', roleCode: '30.000', roleName: 'Verpleegkundige (registered nurse)', big: true, organisation: 'Zorggroep Zonnehuis' },
  { id: 'bram', name: 'Bram Jansen', roleCode: 'VVT.001', roleName: 'Verzorgende IG (care assistant)', big: false, organisation: 'Zorggroep Zonnehuis' },
  { id: 'chris', name: 'Chris Bakker', roleCode: 'VVT.005', roleName: 'Huishoudelijke zorg (domestic care)', big: false, organisation: 'Zorggroep Zonnehuis' },
];
export const FAKE_CLIENTS: ClientOption[] = [
  { bsn: '999911120', name: 'Johanna Visser', birthDate: '1938-04-12' },
  { bsn: '999900493', name: 'Karel de Boer', birthDate: '1941-09-30' },
];
const SOURCE_NAMES = { [DEMO_SOURCES.centraal]: 'Apotheek Centraal', [DEMO_SOURCES.gp]: 'Huisartsenpraktijk Pulver', [DEMO_SOURCES.linde]: 'Trombosedienst De Linde' };

export interface FakeNetworkOptions {
  /** the day the demo data is built around */
  today?: () => Date;
  /** latency per simulated call, to see the steps move */
  delayMs?: number;
}

/** DashboardOptions over an in-process fake of the node's internal API and the LSP, driven by the real ECD client. */
export function createFakeDashboardOptions(o: FakeNetworkOptions = {}): DashboardOptions & { state: { scenario: string } } {
  const today = o.today ?? (() => new Date());
  const delay = o.delayMs ?? 120;
  const state = { scenario: 'normal' };
  const audit: Record<'vvt' | 'lsp', AuditRecordView[]> = { vvt: [], lsp: [] };
  const tokens = new Map<string, { who: string; role: string }>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

  const fakeFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    await sleep(delay);
    if (url.pathname.startsWith('/internal/discovery/v1/')) {
      return json(200, [
        {
          id: 'did:web:lsp.local:iam:lsp#reg-1',
          credential_subject_id: 'did:web:lsp.local:iam:lsp',
          vp: {},
          fields: { organization_ura: LSP_URA, organization_name: 'Landelijk Schakelpunt (mock)' },
          registrationParameters: { authServerURL: 'http://lsp.local/oauth2/lsp', fhirBaseURL: 'http://lsp.local/fhir' },
        },
      ]);
    }
    if (url.pathname.endsWith('/request-service-access-token')) {
      const body = JSON.parse(String(init?.body)) as { credentials: { credentialSubject: { name: string; roleName: string } }[] };
      const who = body.credentials[0]!.credentialSubject;
      const at = new Date().toISOString();
      if (state.scenario === 'expired-credential') {
        audit.lsp.push({ at, node: 'lsp', action: 'token request', who: who.name, role: who.roleName, organisation: 'Zorggroep Zonnehuis', outcome: 'refused: credential expired' });
        return json(400, { title: 'token request failed', status: 400, detail: 'invalid_grant - NutsUraCredential of Zorggroep Zonnehuis expired on 2026-01-01' }, 'application/problem+json');
      }
      if (who.roleName === 'VVT.005') {
        audit.lsp.push({ at, node: 'lsp', action: 'token request', who: who.name, role: who.roleName, organisation: 'Zorggroep Zonnehuis', outcome: 'refused: role' });
        return json(400, { title: 'token request failed', status: 400, detail: 'access_denied - role VVT.005 (domestic care) may not read medication data' }, 'application/problem+json');
      }
      const token = `fake-${Math.random().toString(36).slice(2)}`;
      tokens.set(token, { who: who.name, role: who.roleName });
      audit.vvt.push({ at, node: 'vvt', action: 'access token requested (scope medicatieoverdracht)', who: who.name, role: who.roleName, organisation: 'Zorggroep Zonnehuis', outcome: 'success' });
      return json(200, { access_token: token, token_type: 'DPoP', expires_in: 20, dpop_kid: 'did:web:localhost%3A8080:iam:vvt#key-1' });
    }
    if (url.pathname.startsWith('/internal/auth/v2/dpop/')) return json(200, { dpop: 'fake-dpop-proof' });
    // the ECD records each outgoing search in its own node's log before sending it (NEN 7513)
    if (url.pathname === '/internal/audit/v1/records' && init?.method === 'POST') {
      const rec = JSON.parse(String(init.body)) as { actor: { userName: string; role: { code: string } }; patient: { bsn: string }; object: { type: string } };
      audit.vvt.push({ at: new Date().toISOString(), node: 'vvt', action: `outgoing search ${rec.object.type}`, who: rec.actor.userName, role: rec.actor.role.code, organisation: 'Zorggroep Zonnehuis', patient: rec.patient.bsn, outcome: 'success' });
      return json(201, { id: `rec-${audit.vvt.length}`, ...rec });
    }
    if (url.hostname === 'lsp.local' && url.pathname.startsWith('/fhir/')) {
      const token = String((init?.headers as Record<string, string>)?.authorization ?? '').split(' ')[1] ?? '';
      const who = tokens.get(token);
      if (!who) return json(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', details: { text: 'token unknown or expired' } }] }, 'application/fhir+json');
      const bsn = (url.searchParams.get('patient.identifier') ?? '').split('|')[1] ?? '';
      const category = (url.searchParams.get('category') ?? '').split('|')[1] ?? '';
      if (state.scenario === 'source-down') await sleep(delay * 4);
      const bundle = demoSearch(category, bsn, state.scenario, today());
      audit.lsp.push({
        at: new Date().toISOString(),
        node: 'lsp',
        action: `search ${url.pathname.slice(6)} (${category})`,
        who: who.who,
        role: who.role,
        organisation: 'Zorggroep Zonnehuis',
        patient: bsn,
        outcome: state.scenario === 'no-consent' ? 'no data: no consent' : 'success',
      });
      return json(200, bundle, 'application/fhir+json');
    }
    return json(404, { title: 'not found', status: 404 });
  };

  const runFlow = createEcdRunFlow({
    ecd: { nodeUrl: 'http://vvt.local:8081', subject: 'vvt', fetch: fakeFetch, timeoutMs: 5_000, organization: { ura: '90000101', name: 'Zorggroep Zonnehuis' } },
    careWorker: (id) => {
      const w = FAKE_CARE_WORKERS.find((c) => c.id === id);
      return w && { name: w.name, roleName: w.roleCode, identifier: `zonnehuis-${w.id}` };
    },
    today,
    audit: async ({ bsn }) => {
      await sleep(delay);
      const n = audit.lsp.filter((r) => r.patient === bsn).length;
      return { status: 'ok', detail: `${n} records for this client at the LSP; chains intact` };
    },
  });

  const network: NetworkView = {
    nodes: [
      {
        name: 'vvt',
        role: 'Reference node · VVT organisation',
        publicUrl: 'http://localhost:8080',
        internalUrl: 'http://127.0.0.1:8081',
        healthy: true,
        organisations: [
          {
            name: 'Zorggroep Zonnehuis',
            subject: 'vvt',
            did: 'did:web:localhost%3A8080:iam:vvt',
            ura: '90000311',
            city: 'Utrecht',
            credentials: [
              { type: 'NutsOrganizationCredential', issuer: 'did:web:localhost%3A8080:iam:vvt', status: 'valid' },
              { type: 'NutsUraCredential', issuer: 'did:web:localhost%3A9080:iam:ca', status: 'valid', expires: '2027-11-25' },
              { type: 'X509Credential', issuer: 'did:x509:0:sha256:test-uzi-ca', status: 'valid' },
            ],
          },
        ],
      },
      {
        name: 'lsp',
        role: 'Mock LSP (Landelijk Schakelpunt)',
        publicUrl: 'http://localhost:9080',
        internalUrl: 'http://127.0.0.1:9081',
        healthy: true,
        organisations: [
          { name: 'Landelijk Schakelpunt (mock)', subject: 'lsp', did: 'did:web:localhost%3A9080:iam:lsp', credentials: [{ type: 'NutsOrganizationCredential', status: 'valid' }] },
        ],
      },
    ],
    careWorkers: FAKE_CARE_WORKERS,
    clients: FAKE_CLIENTS,
  };

  return {
    state,
    title: 'nuts-lsp-lab (demo data)',
    network: async () => {
      const cred = network.nodes[0]!.organisations[0]!.credentials[1]!;
      cred.status = state.scenario === 'expired-credential' ? 'expired' : 'valid';
      return network;
    },
    runFlow,
    scenarios: {
      list: async () => SCENARIOS.map((s) => ({ ...s, active: s.name === state.scenario })),
      apply: async (name) => {
        if (!SCENARIOS.some((s) => s.name === name)) return { ok: false, message: `unknown scenario '${name}'` };
        state.scenario = name;
        return { ok: true, message: `scenario '${name}' applied` };
      },
    },
    audit: {
      view: async () => ({
        nodes: (['vvt', 'lsp'] as const).map((n) => ({ node: n, records: audit[n].length, chain: { ok: true, checkpoints: Math.floor(audit[n].length / 10) }, recent: audit[n].slice(-8).reverse() })),
      }),
      patient: async (bsn, page) => {
        const all = audit.lsp.filter((r) => r.patient === bsn).reverse();
        const entries = all.slice(page.offset, page.offset + page.limit).map((r) => ({ at: r.at, node: r.node, who: `${r.who} (${r.role}, ${r.organisation})`, did: r.action, system: 'ECD of Zorggroep Zonnehuis', outcome: r.outcome }));
        return { bsn, total: all.length, offset: page.offset, limit: page.limit, entries };
      },
    },
  };
}

/** One LSP searchset of demo data for a building block (by SNOMED category), shaped by the scenario. */
function demoSearch(category: string, bsn: string, scenario: string, now: Date): fhir4.Bundle {
  const ymd = (offset: number) => {
    const local = new Date(now.toLocaleString('en-US', { timeZone: 'Europe/Amsterdam' }));
    local.setDate(local.getDate() + offset);
    return `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`;
  };
  const sources = Object.entries(SOURCE_NAMES);
  const outcomes = sources.map(([src, name]) => {
    if (scenario === 'no-consent') return outcome(src, name, 'warning', 'suppressed', 'no consent (Mitz)');
    if (scenario === 'not-registered') return outcome(src, name, 'information', 'not-found', 'client not registered at the LSP');
    if (scenario === 'source-down' && src === DEMO_SOURCES.gp) return outcome(src, name, 'error', 'timeout', 'timeout after 2 s');
    return outcome(src, name, 'information', 'informational', 'answered');
  });
  if (scenario === 'no-consent' || scenario === 'not-registered') return searchset([], [], outcomes);
  const meds: fhir4.Resource[] = [
    medication('metoprolol', 'METOPROLOL TABLET 50MG'),
    medication('paracetamol', 'PARACETAMOL TABLET 500MG'),
    medication('omeprazol', 'OMEPRAZOL CAPSULE 20MG'),
    medication('acenocoumarol', 'ACENOCOUMAROL TABLET 1MG'),
    medication('oxazepam', 'OXAZEPAM TABLET 10MG'),
    medication('furosemide', 'FUROSEMIDE TABLET 40MG'),
  ];
  const client = FAKE_CLIENTS.find((x) => x.bsn === bsn);
  if (client) meds.push({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }], name: [{ text: client.name }] } as never);
  const subject = bsn === '999900493' ? 1 : 2; // the second client takes less medication
  const c = DEMO_SOURCES.centraal;
  let matches: fhir4.Resource[] = [];
  if (category === '422037009') {
    matches = [
      ta('ta-meto', { mbh: 'MBH-meto', med: 'metoprolol', source: c, start: ymd(-30), dosage: [dose(1, { frequency: 2, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00', '20:00:00'] })] }),
      ta('ta-furo-1', { mbh: 'MBH-furo', med: 'furosemide', source: c, start: ymd(-20), end: ymd(-1), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] })] }),
      ta('ta-furo-2', { mbh: 'MBH-furo', med: 'furosemide', source: c, start: ymd(0), dosage: [dose(2, { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] })] }),
      ...(subject === 2
        ? [
            ta('ta-para', { mbh: 'MBH-para', med: 'paracetamol', source: c, start: ymd(-1), dosage: [dose(2, { frequency: 3, period: 1, periodUnit: 'd' }, { patientInstruction: 'met een glas water' })] }),
            ta('ta-oxa', {
              mbh: 'MBH-oxa',
              med: 'oxazepam',
              source: c,
              start: ymd(-10),
              dosage: [{ asNeededCodeableConcept: { text: 'Bij slapeloosheid' }, route: oral, doseAndRate: [{ doseRange: { low: qty(1), high: qty(2) } }], maxDosePerPeriod: { numerator: qty(2), denominator: { value: 1, unit: 'dag', code: 'd', system: 'http://unitsofmeasure.org' } } }],
            }),
            ta('ta-ome', { mbh: 'MBH-ome', med: 'omeprazol', source: c, start: ymd(-60), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd', when: ['MORN'] })] }),
            ta('ta-ome-stop', { mbh: 'MBH-ome', med: 'omeprazol', source: c, start: ymd(-60), end: ymd(-1), stop: '113371000146109', dosage: [] }),
            ta('ta-aceno', { mbh: 'MBH-aceno', med: 'acenocoumarol', source: c, start: ymd(-10), dosage: [{ text: 'volgens schema trombosedienst', route: oral }] }),
          ]
        : []),
    ];
  } else if (category === '395067002' && subject === 2) {
    const bounds = (value: number) => ({ value, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' });
    matches = [
      request('wds-aceno', '395067002', {
        mbh: 'MBH-aceno',
        med: 'acenocoumarol',
        source: DEMO_SOURCES.linde,
        author: 'Trombosedienst De Linde',
        start: ymd(-2),
        end: ymd(12),
        cycleDays: 5,
        dosage: [
          { sequence: 1, ...dose(1, { boundsDuration: bounds(2), frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] }) },
          { sequence: 2, ...dose(2, { boundsDuration: bounds(3), frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] }) },
        ],
      }),
    ];
  } else if (category === '33633005' && scenario !== 'source-down') {
    matches = [request('ma-meto', '33633005', { mbh: 'MBH-meto', med: 'metoprolol', source: DEMO_SOURCES.gp, start: ymd(-30), dosage: [dose(1, { frequency: 2, period: 1, periodUnit: 'd' })] })];
  } else if (category === '18629005') {
    matches = [mtd('mtd-meto-am', { mbh: 'MBH-meto', med: 'metoprolol', at: `${ymd(0)}T08:05:00+01:00`, value: 1 })];
  }
  return searchset(matches, meds, outcomes);
}
