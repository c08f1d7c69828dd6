// The FHIR pipeline's contract with its ports: backends get the typed caller with the one authorised patient; every failure is answered and recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTokens, type TestTokens } from '../../../test/helpers/fhir-tokens.js';
import { qaSet, QA_BSN, OTHER_BSN } from './qa-set.js';
import { contextFromHeaders, runWithContext } from '../core/context.js';
import { openDatabase, type Database } from '../store/index.js';
import { EmbeddedBackend, type FhirBackend } from './backend.js';
import { FhirAuthoriser } from './authz.js';
import type { FhirCaller } from './caller.js';
import type { FhirAuditEvent, FhirAuditHook } from './audit.js';
import { ProfileValidator } from './profiles.js';
import { fhirMigrations, SqlFhirRepository } from './store.js';
import { FhirService, type FhirRequest, type FhirResponse, type FhirServiceDeps } from './service.js';
import type { FhirResource } from './types.js';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let db: Database;
let tokens: TestTokens;
let embedded: EmbeddedBackend;
const validator = new ProfileValidator();
const seen: Array<{ op: string; caller: FhirCaller }> = [];

/** The embedded backend, noting which caller each call came with. */
function watching(inner: FhirBackend): FhirBackend {
  return {
    kind: inner.kind,
    read: (t, id, caller) => (seen.push({ op: `read ${t}`, caller }), inner.read(t, id, caller)),
    search: (q, caller) => (seen.push({ op: `search ${q.resourceType}`, caller }), inner.search(q, caller)),
    create: (r, caller) => (seen.push({ op: 'create', caller }), inner.create(r, caller)),
    update: (r, caller) => (seen.push({ op: 'update', caller }), inner.update(r, caller)),
    delete: (t, id, caller) => (seen.push({ op: 'delete', caller }), inner.delete(t, id, caller)),
    bundle: (b, caller) => (seen.push({ op: 'bundle', caller }), inner.bundle(b, caller)),
  };
}

function service(opts: { audit?: FhirAuditHook; logger?: { error: (obj: unknown, msg?: string) => void }; backend?: FhirBackend } = {}) {
  return new FhirService({ backend: opts.backend ?? watching(embedded), validator, authoriser: new FhirAuthoriser(), baseUrl: () => 'http://n.test/fhir', clock: Date.now, verifier: tokens.verifier, ...(opts.audit ? { audit: opts.audit } : {}), ...(opts.logger ? { logger: opts.logger as never } : {}) });
}

const req = (path: string, query: string, token?: string): FhirRequest => ({ method: 'GET', path, query, headers: token ? { authorization: `Bearer ${token}` } : {}, url: `http://n.test/fhir/${path}` });

beforeAll(async () => {
  tokens = await testTokens();
  db = await openDatabase({ sqlite: ':memory:' });
  await db.migrate(fhirMigrations);
  const repo = new SqlFhirRepository({ db });
  for (const r of qaSet(new Date()).resources) await repo.put(r as FhirResource & { id: string });
  embedded = new EmbeddedBackend(repo, validator, () => 'http://n.test/fhir');
});
afterAll(() => db?.close());

describe('FHIR pipeline ports', () => {
  it('hands the backend the caller of the token with the one authorised patient', async () => {
    const token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015', employee_identifier: 'uzi-1', employee_name: 'A. Arts', jti: 'tok-1' });
    seen.length = 0;
    const res = await service().handle(req('MedicationRequest', `patient.identifier=${BSN}|${QA_BSN}&category=http://snomed.info/sct|33633005`, token), 'public');
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.op)).toContain('search MedicationRequest');
    expect(seen.find((s) => s.op === 'search MedicationRequest')!.caller).toMatchObject({ type: 'user', kind: 'person', id: 'uzi-1', name: 'A. Arts', role: '01.015', organisation: { ura: '90000303' }, tokenId: 'tok-1', patient: { bsn: QA_BSN, identifier: `${BSN}|${QA_BSN}` } });
  });

  it('never reaches the backend when a search names two patients, on either surface', async () => {
    const token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015' });
    for (const [surface, t] of [['public', token], ['internal', undefined]] as const) {
      seen.length = 0;
      const res = await service().handle(req('MedicationRequest', `patient.identifier=${BSN}|${QA_BSN}&patient.identifier=${BSN}|${OTHER_BSN}`, t), surface);
      expect(res.status).toBe(400);
      expect(res.body!.issue[0].details.coding[0].code).toBe('patient.exactly-one');
      expect(seen.filter((s) => s.op.startsWith('search'))).toEqual([]);
    }
  });

  it('logs an access it could not record at error level with the request id, and withholds the answer', async () => {
    const errors: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const s = service({ audit: { record: async () => Promise.reject(new Error('disk full')) }, logger: { error: (obj, msg) => void errors.push({ obj: obj as Record<string, unknown>, msg }) } });
    const ctx = contextFromHeaders(undefined, 'req-unrecorded-1');
    const res = await runWithContext(ctx, () => s.handle(req('MedicationRequest', `patient.identifier=${BSN}|${QA_BSN}`), 'internal'));
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).not.toContain('MedicationRequest/');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.obj).toMatchObject({ requestId: 'req-unrecorded-1', status: 200 });
    expect(errors[0]!.msg).toMatch(/could not be recorded/);
  });

  it('answers an unexpected backend failure with a recorded 500 OperationOutcome, logged', async () => {
    const events: unknown[] = [];
    const errors: unknown[] = [];
    const broken: FhirBackend = { ...watching(embedded), search: async () => Promise.reject(new TypeError('boom')) };
    const res = await service({ backend: broken, audit: { record: async (e) => void events.push(e) }, logger: { error: (obj) => void errors.push(obj) } }).handle(req('MedicationRequest', `patient.identifier=${BSN}|${QA_BSN}`), 'internal');
    expect(res.status).toBe(500);
    expect(res.body!.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).not.toContain('boom');
    expect(events).toMatchObject([{ interaction: 'search', outcome: { status: 500 }, patient: { bsn: [QA_BSN] } }]);
    expect(errors).toHaveLength(1);
  });
});

describe('every failure, of any class, ends in an OperationOutcome and an audit record', () => {
  const patientQuery = `patient.identifier=${BSN}|${QA_BSN}`;
  const failing = (overrides: Partial<FhirBackend>): FhirBackend => ({ ...watching(embedded), ...overrides });
  /** A service whose parts fail as given, with the records and error logs it produced. */
  function broken(parts: { backend?: FhirBackend; verifier?: FhirServiceDeps['verifier']; consent?: FhirServiceDeps['consent'] }) {
    const events: FhirAuditEvent[] = [];
    const errors: unknown[] = [];
    const s = new FhirService({ backend: parts.backend ?? watching(embedded), validator, authoriser: new FhirAuthoriser(), baseUrl: () => 'http://n.test/fhir', clock: Date.now, verifier: parts.verifier ?? tokens.verifier, ...(parts.consent ? { consent: parts.consent } : {}), audit: { record: async (e) => void events.push(e) }, logger: { error: (obj: unknown) => void errors.push(obj) } as never });
    return { s, events, errors };
  }
  const doctor = () => tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015', employee_identifier: 'uzi-1' });

  const cases: Array<{ name: string; run: () => Promise<{ res: FhirResponse; events: FhirAuditEvent[]; errors: unknown[] }>; record: Record<string, unknown> }> = [
    {
      name: 'a backend read that throws a plain Error (public surface)',
      run: async () => {
        const b = broken({ backend: failing({ read: async () => Promise.reject(new Error('socket hang up')) }) });
        return { ...b, res: await b.s.handle(req('MedicationRequest/anything', '', await doctor()), 'public') };
      },
      record: { interaction: 'read', surface: 'public', resourceType: 'MedicationRequest', id: 'anything', caller: { id: 'uzi-1' } },
    },
    {
      name: 'a token verifier that throws instead of answering',
      run: async () => {
        const b = broken({ verifier: { verify: async () => Promise.reject(new TypeError('cannot read properties of undefined')) } });
        return { ...b, res: await b.s.handle(req('MedicationRequest', patientQuery, 'some-token'), 'public') };
      },
      record: { interaction: 'search', surface: 'public', resourceType: 'MedicationRequest', query: patientQuery },
    },
    {
      name: 'a consent hook that throws',
      run: async () => {
        const b = broken({ consent: { check: async () => Promise.reject(new RangeError('mitz down')) } });
        return { ...b, res: await b.s.handle(req('MedicationRequest', patientQuery, await doctor()), 'public') };
      },
      record: { interaction: 'search', surface: 'public', patient: { bsn: [QA_BSN] }, caller: { id: 'uzi-1' } },
    },
    {
      name: 'an answer that cannot be written in the asked format (XML of an element R4 does not have)',
      run: async () => {
        const b = broken({ backend: failing({ read: async () => ({ resourceType: 'Patient', id: 'p1', madeUpElement: true }) }) });
        return { ...b, res: await b.s.handle({ ...req('Patient/p1', ''), format: 'xml' }, 'internal') };
      },
      record: { interaction: 'read', surface: 'internal', resourceType: 'Patient', id: 'p1', patient: { id: ['p1'] } },
    },
    {
      name: 'the HTTP adapter failing while reading the request',
      run: async () => {
        const b = broken({});
        return { ...b, res: await b.s.handle({ ...req('MedicationRequest', patientQuery), adapterFailure: new Error('parser bug') }, 'internal') };
      },
      record: { interaction: 'search', surface: 'internal', resourceType: 'MedicationRequest' },
    },
  ];

  it.each(cases)('$name: a logged 500 OperationOutcome that says nothing of the cause, recorded as a 500', async ({ run, record }) => {
    const { res, events, errors } = await run();
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'the request could not be processed' }] });
    expect(JSON.stringify(res.body)).not.toMatch(/hang up|undefined|mitz down|madeUpElement|parser bug/);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ...record, outcome: { status: 500, summary: 'exception: the request could not be processed' } });
    expect(errors).toHaveLength(1);
  });

  it('encodes the answer before recording it: an answer that can be written is recorded as served', async () => {
    const { s, events } = broken({});
    const res = await s.handle({ ...req('MedicationRequest', patientQuery), format: 'xml' }, 'internal');
    expect(res.status).toBe(200);
    expect(res.payload).toMatch(/<Bundle xmlns="http:\/\/hl7.org\/fhir">/);
    expect(events).toMatchObject([{ interaction: 'search', outcome: { status: 200 } }]);
  });
});
