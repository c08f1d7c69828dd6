// FhirBackend contract: every place FHIR interactions run (embedded store on SQLite or PostgreSQL, an upstream FHIR
// server, the LSP broker) answers reads, writes, searches, paging and Bundles the same way a client sees them.
//
// Which implementation supports what, and why:
// - embedded (SQLite, PostgreSQL): every interaction, on every supported resource type.
// - upstream (node/src/fhir/upstream.ts, here in front of a lab node's /internal/fhir): every interaction, forwarded;
//   links and fullUrls name this node's base, the upstream's 4xx are passed on, an unreachable upstream is a 502.
// - broker (the mock LSP): only the types it keeps itself, List (reference index) and Consent, are stored, read and
//   searched here — in its embedded store. Medication data stays at the source systems: a write of it is refused
//   with 400, a read with 404 (both below, `brokerRefusals`), and a search fans out by the authorised patient to the
//   sources, which depends on registrations and consent rather than on a store (test/integration/lsp.test.ts).
//   So the patient-compartment search with _include (`patientSearch`) does not apply to it.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalCaller, parseQueryString, parseSearch, type FhirBackend, type FhirCaller, type FhirResource } from '../../node/src/fhir/index.js';
import type { LabNode } from '../../node/src/main.js';

export interface FhirBackendSubject {
  backend: FhirBackend;
  /** the base URL this node serves FHIR under: links and fullUrls must name it */
  baseUrl: string;
  close(): Promise<void>;
}

export interface FhirBackendContractOptions {
  /** MP9 searches in a patient's compartment with _include run against this backend's own store */
  patientSearch: boolean;
}

/** The backend a started node serves FHIR with, as its wiring built it. */
export function nodeBackend(node: LabNode, close: () => Promise<void> = () => node.stop()): FhirBackendSubject {
  return { backend: node.fhir.backend, baseUrl: `${node.url}/fhir`, close };
}

const caller: FhirCaller = internalCaller();
const TAG_SYSTEM = 'urn:nuts-lsp-lab:contract';

/** A List tagged with this test's code, so tests sharing one backend (or the LSP's own Lists) never see each other's. */
const list = (tag: string, extra: Partial<FhirResource> = {}): FhirResource => ({
  resourceType: 'List',
  status: 'current',
  mode: 'working',
  code: { coding: [{ system: TAG_SYSTEM, code: tag }] },
  ...extra,
});

const matches = (bundle: FhirResource) => ((bundle.entry ?? []) as Array<{ resource: FhirResource; search?: { mode?: string } }>).filter((e) => e.search?.mode === 'match').map((e) => e.resource);
const includes = (bundle: FhirResource) => ((bundle.entry ?? []) as Array<{ resource: FhirResource; search?: { mode?: string } }>).filter((e) => e.search?.mode === 'include').map((e) => e.resource);
const link = (bundle: FhirResource, relation: string): string | undefined => (bundle.link as Array<{ relation: string; url: string }> | undefined)?.find((l) => l.relation === relation)?.url;

export function fhirBackendContract(name: string, open: () => Promise<FhirBackendSubject>, opts: FhirBackendContractOptions): void {
  describe(`FhirBackend contract: ${name}`, () => {
    let s: FhirBackendSubject;
    let backend: FhirBackend;
    let tag: () => string;
    beforeAll(async () => {
      s = await open();
      backend = s.backend;
      tag = () => `t${randomBytes(6).toString('hex')}`;
    });
    afterAll(async () => {
      await s?.close();
    });
    const search = (type: string, qs: string) => backend.search(parseSearch(type, parseQueryString(qs)), caller);

    it('creates with a server-assigned id and version 1, and reads it back as stored', async () => {
      const t = tag();
      const created = await backend.create(list(t, { title: 'created' }), caller);
      expect(created).toMatchObject({ resourceType: 'List', title: 'created', meta: { versionId: '1' } });
      expect(created.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
      expect(Date.parse(created.meta!.lastUpdated as string)).not.toBeNaN();
      expect(await backend.read('List', created.id!, caller)).toEqual(created);
    });

    it('updates: a new id is created, an existing one gets the next version', async () => {
      const id = tag();
      const first = await backend.update({ ...list(id, { title: 'one' }), id }, caller);
      expect(first).toMatchObject({ created: true, resource: { id, title: 'one', meta: { versionId: '1' } } });
      const second = await backend.update({ ...list(id, { title: 'two' }), id }, caller);
      expect(second).toMatchObject({ created: false, resource: { id, title: 'two', meta: { versionId: '2' } } });
      expect(await backend.read('List', id, caller)).toMatchObject({ title: 'two', meta: { versionId: '2' } });
    });

    it('reads an unknown id as absent, not as a failure', async () => {
      expect(await backend.read('List', tag(), caller)).toBeUndefined();
    });

    it('deletes once: the resource is gone, a second delete reports nothing deleted', async () => {
      const id = tag();
      await backend.update({ ...list(id), id }, caller);
      expect(await backend.delete('List', id, caller)).toBe(true);
      expect(await backend.read('List', id, caller)).toBeUndefined();
      expect(await backend.delete('List', id, caller)).toBe(false);
      expect(matches(await search('List', `_id=${id}`))).toEqual([]);
    });

    it('searches: only matching resources, the total, fullUrls and the self link on this node’s base', async () => {
      const t = tag();
      const mine = await Promise.all([backend.create(list(t, { title: 'a' }), caller), backend.create(list(t, { title: 'b' }), caller)]);
      await backend.create(list(tag(), { title: 'other' }), caller);
      const bundle = await search('List', `code=${TAG_SYSTEM}|${t}`);
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
      expect(matches(bundle).map((r) => r.id).sort()).toEqual(mine.map((r) => r.id).sort());
      for (const e of bundle.entry as Array<{ fullUrl: string; resource: FhirResource }>) expect(e.fullUrl).toBe(`${s.baseUrl}/List/${e.resource.id}`);
      expect(link(bundle, 'self')?.startsWith(`${s.baseUrl}/List?`)).toBe(true);
      expect(matches(await search('List', `code=${TAG_SYSTEM}|${tag()}`))).toEqual([]);
    });

    it('pages with _count: a next link on this node’s base until every match was seen once', async () => {
      const t = tag();
      const ids = (await Promise.all(Array.from({ length: 5 }, (_, i) => backend.create(list(t, { title: `p${i}` }), caller)))).map((r) => r.id);
      const seen: string[] = [];
      let qs: string | undefined = `code=${TAG_SYSTEM}|${t}&_count=2`;
      let pages = 0;
      while (qs !== undefined) {
        const page = await search('List', qs);
        expect(page.total).toBe(5);
        expect(matches(page).length).toBeLessThanOrEqual(2);
        seen.push(...matches(page).map((r) => r.id!));
        const next = link(page, 'next');
        if (next) expect(next.startsWith(`${s.baseUrl}/List?`)).toBe(true);
        qs = next ? new URL(next).search : undefined;
        if (++pages > 5) throw new Error('paging does not end');
      }
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('runs a transaction all or nothing, with urn:uuid references rewritten to the new ids', async () => {
      const t = tag();
      const tmp = `urn:uuid:${randomUUID()}`;
      const res = await backend.bundle(
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: tmp, resource: list(t, { title: 'target' }), request: { method: 'POST', url: 'List' } },
            { resource: { ...list(t, { title: 'pointer' }), id: `${t}-ptr`, entry: [{ item: { reference: tmp } }] }, request: { method: 'PUT', url: `List/${t}-ptr` } },
          ],
        },
        caller,
      );
      expect(res).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
      const [post, put] = res.entry as Array<{ response: { status: string; location: string } }>;
      expect(post!.response.status).toMatch(/^201/);
      expect(put!.response.status).toMatch(/^201/);
      const targetId = /^List\/([^/]+)\//.exec(post!.response.location)?.[1];
      expect((await backend.read('List', `${t}-ptr`, caller))?.entry).toEqual([{ item: { reference: `List/${targetId}` } }]);
      expect(await backend.read('List', targetId!, caller)).toMatchObject({ title: 'target' });

      // one bad entry: nothing of the transaction is written, and the refusal names the entry
      const failed = backend.bundle(
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: { ...list(t), id: `${t}-kept` }, request: { method: 'PUT', url: `List/${t}-kept` } },
            { resource: { ...list(t), id: 'mismatch' }, request: { method: 'PUT', url: `List/${t}-other` } },
          ],
        },
        caller,
      );
      await expect(failed).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/must equal the id in the URL/) });
      expect(await backend.read('List', `${t}-kept`, caller)).toBeUndefined();
    });

    it('runs a batch entry by entry: each answers with its own status', async () => {
      const t = tag();
      const res = await backend.bundle(
        {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { resource: list(t, { title: 'batched' }), request: { method: 'POST', url: 'List' } },
            { request: { method: 'GET', url: `List/${t}-missing` } },
          ],
        },
        caller,
      );
      expect(res).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
      expect((res.entry as Array<{ response: { status: string } }>).map((e) => e.response.status.slice(0, 3))).toEqual(['201', '404']);
      expect(matches(await search('List', `code=${TAG_SYSTEM}|${t}`)).map((r) => r.title)).toEqual(['batched']);
    });

    it('refuses a Bundle that is neither a transaction nor a batch with 400', async () => {
      await expect(backend.bundle({ resourceType: 'Bundle', type: 'collection', entry: [] }, caller)).rejects.toMatchObject({ status: 400 });
    });

    // not registered for the broker at all: there it is a fan-out to the sources, not a search of a store
    if (opts.patientSearch) describe('MP9 search in a patient’s compartment', () => {
      it('finds a patient’s MedicationRequests with their Medication included, and nobody else’s', async () => {
        const t = tag();
        const patient = `${t}-pat`;
        const medication = `${t}-med`;
        await backend.update({ resourceType: 'Patient', id: patient }, caller);
        await backend.update({ resourceType: 'Patient', id: `${t}-other` }, caller);
        await backend.update({ resourceType: 'Medication', id: medication, code: { text: 'paracetamol 500 mg' } }, caller);
        const request = (id: string, who: string) => ({ resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: { reference: `Patient/${who}` }, medicationReference: { reference: `Medication/${medication}` } });
        for (const id of ['a', 'b', 'c']) await backend.update(request(`${t}-${id}`, patient), caller);
        await backend.update(request(`${t}-x`, `${t}-other`), caller);
        const bundle = await search('MedicationRequest', `patient=Patient/${patient}&_include=MedicationRequest:medication`);
        expect(bundle.total).toBe(3);
        expect(matches(bundle).map((r) => r.id).sort()).toEqual([`${t}-a`, `${t}-b`, `${t}-c`]);
        expect(includes(bundle).map((r) => `${r.resourceType}/${r.id}`)).toEqual([`Medication/${medication}`]);
      });
    });
  });
}

/** The broker keeps no medication data: what a client sees when it tries to store or read some there. */
export function brokerRefusals(name: string, open: () => Promise<FhirBackendSubject>): void {
  describe(`FhirBackend contract: ${name}, medication data stays at the sources`, () => {
    let s: FhirBackendSubject;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s?.close();
    });
    const ma = { resourceType: 'MedicationRequest', id: 'ma-1', status: 'active', intent: 'order', subject: { reference: 'Patient/p' } };

    it('refuses to store medication data with 400, in any interaction', async () => {
      await expect(s.backend.create(ma, caller)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/stores no MedicationRequest/) });
      await expect(s.backend.update(ma, caller)).rejects.toMatchObject({ status: 400 });
      await expect(s.backend.delete('MedicationRequest', 'ma-1', caller)).rejects.toMatchObject({ status: 400 });
      await expect(s.backend.bundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: ma, request: { method: 'PUT', url: 'MedicationRequest/ma-1' } }] }, caller)).rejects.toMatchObject({ status: 400 });
    });

    it('answers a read of medication data with 404 that points to the search by patient', async () => {
      await expect(s.backend.read('MedicationRequest', 'ma-1', caller)).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/search by patient/) });
    });
  });
}
