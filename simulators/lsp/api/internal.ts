// Internal API of the mock LSP (/internal/lsp/v1): scenarios, source control, Mitz consent, reference index view.
import { Router } from 'express';
import { z } from 'zod';
import { jsonBody, parseBody, notFound, invalidInput } from '../../../node/src/core/index.js';
import type { MitzConsent } from '../mitz.js';
import type { ReferenceIndex } from '../reference-index.js';
import type { ScenarioControl } from '../scenarios.js';
import type { AddressBookEntry, SourceSystem } from '../sources.js';
import { assertValidBsn } from '../bsn.js';
import { MemberRegistrationSchema, type OrganisationRegistry } from '../organisations.js';
import { readerFromRequest, type AuditRecorder } from '../../../node/src/audit/index.js';
import type { Request } from 'express';
import type { LspData } from '../data.js';
import { patientsIn, type DataBatch } from '../data-folder.js';
import { LSP_URA } from '../../shared/identity.js';
import type { FhirResource } from '../../../node/src/fhir/index.js';

/** the purpose named in the records of the data API: loading and reading the lab's test data */
const DATA_PROTOCOL = 'urn:nuts-lsp-lab:test-data-management';

const ConsentKey = z.object({ bsn: z.string(), holderCategory: z.string(), dataCategory: z.string(), consulterCategory: z.string() });
const ConsentBody = ConsentKey.extend({ choice: z.enum(['ja', 'nee']) });
const DataImport = z.object({ source: z.string().min(1), consent: z.enum(['ja', 'nee', 'none']).default('ja'), resources: z.array(z.looseObject({ resourceType: z.string(), id: z.string() })).min(1) });
const SourcePatch = z.object({ available: z.boolean().optional(), latencyMs: z.number().int().min(0).max(60_000).optional() });

export interface LspApiDeps {
  scenarios: ScenarioControl;
  sources: () => SourceSystem[];
  mitz: MitzConsent;
  index: ReferenceIndex;
  addressBook: () => AddressBookEntry[];
  organisations: OrganisationRegistry;
  /** the LSP's NEN 7513 log: every consent change is recorded with who made it (the client, a representative, an operator) */
  audit: AuditRecorder;
  data: LspData;
}

const sourceView = (s: SourceSystem) => ({
  id: s.config.id,
  name: s.config.name,
  ura: s.config.ura,
  organizationType: s.config.organizationType,
  appId: s.config.appId,
  /** which part of the MP9 picture it holds (gp, hospital, pharmacy, vvt): where imported building blocks go by default */
  demoData: s.config.demoData,
  fhirBase: s.fhirBase,
  available: s.state.available,
  latencyMs: s.state.latencyMs,
});

export function lspInternalRouter(d: LspApiDeps): Router {
  const r = Router();
  r.use(jsonBody());

  r.get('/v1/scenarios', (_req, res) => void res.json(d.scenarios.list()));
  r.post('/v1/scenarios/:name', async (req, res) => void res.json(await d.scenarios.apply(req.params.name as string)));

  r.get('/v1/sources', (_req, res) => void res.json(d.sources().map(sourceView)));
  r.patch('/v1/sources/:id', async (req, res) => {
    const s = d.sources().find((x) => x.config.id === req.params.id);
    if (!s) throw notFound(`unknown source '${req.params.id}'`);
    const body = parseBody(SourcePatch, req.body);
    if (body.available !== undefined) await s.setAvailable(body.available);
    if (body.latencyMs !== undefined) await s.setLatency(body.latencyMs);
    res.json(sourceView(s));
  });

  r.get('/v1/addressbook', (_req, res) => void res.json(d.addressBook()));

  r.get('/v1/consent', async (req, res) => {
    const bsn = typeof req.query.bsn === 'string' ? req.query.bsn : undefined;
    if (bsn) assertValidBsn(bsn);
    res.json(await d.mitz.list(bsn));
  });
  // checked, then recorded, then changed: a consent change without its record does not happen
  const recordConsent = (req: Request, k: z.infer<typeof ConsentKey>, action: 'U' | 'D', description: string) =>
    d.audit.record({
      event: 'consent.update',
      action,
      ...readerFromRequest(req),
      patient: { bsn: k.bsn },
      object: { type: 'Consent', id: [k.holderCategory, k.dataCategory, k.consulterCategory].join('/'), description },
    });
  r.put('/v1/consent', async (req, res) => {
    const b = parseBody(ConsentBody, req.body);
    d.mitz.validate(b, true);
    await recordConsent(req, b, 'U', `consent '${b.choice}' for ${b.dataCategory} held by ${b.holderCategory}, shown to ${b.consulterCategory}`);
    res.json(await d.mitz.record(b, b.choice));
  });
  r.delete('/v1/consent', async (req, res) => {
    const b = parseBody(ConsentKey, req.body);
    d.mitz.validate(b, true);
    if (!(await d.mitz.list(b.bsn)).some((c) => c.holderCategory === b.holderCategory && c.dataCategory === b.dataCategory && c.consulterCategory === b.consulterCategory)) {
      throw notFound('no consent choice recorded for that combination');
    }
    await recordConsent(req, b, 'D', `consent choice withdrawn for ${b.dataCategory} held by ${b.holderCategory}, shown to ${b.consulterCategory} (no choice means no)`);
    await d.mitz.withdraw(b);
    res.status(204).end();
  });
  r.post('/v1/consent/decision', async (req, res) => {
    res.json(await d.mitz.decide(parseBody(ConsentKey, req.body)));
  });
  r.get('/v1/consent/fhir', async (req, res) => {
    const bsn = typeof req.query.bsn === 'string' ? req.query.bsn : undefined;
    if (!bsn) throw invalidInput('query parameter bsn is required');
    assertValidBsn(bsn);
    const consents = (await d.mitz.list(bsn)).map((c) => d.mitz.toFhirConsent(c));
    res.type('application/fhir+json').send(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: consents.length, entry: consents.map((c) => ({ resource: c, search: { mode: 'match' } })) }));
  });

  // organisations holding a URA credential of the LSP: registering one (re)issues it into the organisation's wallet
  r.get('/v1/organisations', async (_req, res) => void res.json(await d.organisations.list()));
  r.post('/v1/organisations', async (req, res) => void res.json(await d.organisations.register(parseBody(MemberRegistrationSchema, req.body))));

  // own data for the source systems: import (kept for the next start), list, export. Each patient whose data is
  // written or read gets its record (a refused import too), by the LSP's operator unless X-User-* names a person.
  const dataActor = (req: Request) => {
    const { actor, client } = readerFromRequest(req);
    return {
      actor: {
        ...actor,
        role: actor.role ?? { code: 'system', system: 'urn:nuts-lsp-lab:actor' },
        organisation: actor.organisation ?? { ura: LSP_URA, name: 'LSP (mock)' },
        ...(actor.kind === 'process' ? { responsible: { id: 'lsp:operator', name: 'operator of the mock LSP' } } : {}),
      },
      client,
      authorisation: { protocol: DATA_PROTOCOL },
    };
  };
  const recordData = (req: Request, bsns: string[], rec: { event: 'fhir.transaction' | 'fhir.search' | 'consent.update'; action: 'E' | 'U' | 'D'; type: string; description: string; outcome?: { code: '4'; description: string } }) =>
    Promise.all(bsns.map((bsn) => d.audit.record({ event: rec.event, action: rec.action, ...dataActor(req), patient: { bsn }, object: { type: rec.type, description: rec.description }, ...(rec.outcome ? { outcome: rec.outcome } : {}) })));

  r.post('/v1/data', async (req, res) => {
    const b = parseBody(DataImport, req.body);
    const batch: DataBatch = { source: b.source, consent: b.consent, resources: b.resources as DataBatch['resources'], origin: [] };
    const bsns = patientsIn(batch.resources).map((p) => p.bsn);
    const what = `import of ${batch.resources.length} resources into source ${batch.source}`;
    try {
      d.data.check(batch);
    } catch (e) {
      await recordData(req, bsns, { event: 'fhir.transaction', action: 'E', type: 'Bundle', description: what, outcome: { code: '4', description: (e as Error).message.slice(0, 2000) } });
      throw e;
    }
    // checked, then recorded, then written
    await recordData(req, bsns, { event: 'fhir.transaction', action: 'E', type: 'Bundle', description: what });
    await recordData(req, bsns, { event: 'consent.update', action: b.consent === 'none' ? 'D' : 'U', type: 'Consent', description: b.consent === 'none' ? 'consent choice removed by a data import (no choice means no)' : `consent '${b.consent}' for medication data recorded by a data import` });
    res.json(await d.data.import(batch, { persist: true }));
  });
  r.get('/v1/data', async (req, res) => {
    const list = await d.data.list();
    await recordData(req, [...new Set(list.flatMap((s) => s.patients.map((p) => p.bsn)))], { event: 'fhir.search', action: 'E', type: 'Patient', description: 'list of the patients the source systems hold (data list)' });
    res.json(list);
  });
  r.get('/v1/data/export', async (req, res) => {
    const bsn = typeof req.query.bsn === 'string' ? req.query.bsn : undefined;
    if (bsn) assertValidBsn(bsn);
    const bundles = await d.data.export({ source: typeof req.query.source === 'string' ? req.query.source : undefined, bsn });
    const exported = Object.values(bundles).flatMap((b) => patientsIn(((b.entry ?? []) as Array<{ resource: FhirResource }>).map((e) => e.resource)).map((p) => p.bsn));
    await recordData(req, [...new Set(exported)], { event: 'fhir.search', action: 'E', type: 'Bundle', description: `data export${req.query.source ? ` of source ${String(req.query.source)}` : ''}` });
    res.json(bundles);
  });

  r.get('/v1/registrations', async (req, res) => {
    const bsn = typeof req.query.bsn === 'string' ? req.query.bsn : undefined;
    if (bsn) assertValidBsn(bsn);
    res.json(bsn ? await d.index.forBsn(bsn) : await d.index.all());
  });
  return r;
}
