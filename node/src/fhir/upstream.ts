// Upstream mode: authorised interactions are forwarded with fhir-kit-client to an existing FHIR server instead of the embedded store.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { outgoingTraceHeaders } from '../core/context.js';
import type { FhirBackend } from './backend.js';
import { FhirError } from './errors.js';
import { appliedPairs, type ParsedSearch } from './search.js';
import type { FhirResource } from './types.js';

export class UpstreamBackend implements FhirBackend {
  readonly kind = 'upstream';
  private clientLoaded?: Promise<any>;

  constructor(
    private readonly upstreamUrl: string,
    private readonly baseUrl: () => string,
  ) {}

  /** The client library is loaded with the first forwarded interaction: nodes without an upstream never load it. */
  private client(): Promise<any> {
    return (this.clientLoaded ??= import('fhir-kit-client').then(({ Client }) => new (Client as any)({ baseUrl: this.upstreamUrl.replace(/\/+$/, ''), customHeaders: { accept: 'application/fhir+json' } })));
  }

  /** Runs a client call; the upstream's answer status (4xx) is passed on, anything else is a 502. */
  private async call<T>(fn: (client: any, options: { headers: Record<string, string> }) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await fn(client, { headers: outgoingTraceHeaders() });
    } catch (e) {
      const status = (e as { response?: { status?: number; data?: any } }).response?.status;
      const data = (e as { response?: { data?: any } }).response?.data;
      if (status === 404) throw new FhirError({ status: 404, issueCode: 'not-found', message: 'not found at the upstream FHIR server' });
      if (status && status >= 400 && status < 500) {
        const issue = (typeof data === 'object' ? data : undefined)?.issue?.[0];
        throw new FhirError({ status, issueCode: issue?.code ?? 'processing', message: `upstream FHIR server refused the request: ${issue?.diagnostics ?? `HTTP ${status}`}`, expression: issue?.expression });
      }
      throw new FhirError({ status: 502, issueCode: 'transient', message: `upstream FHIR server unavailable (${status ? `HTTP ${status}` : (e as Error).message})` });
    }
  }

  /** Links and fullUrls name this node's /fhir, not the upstream behind it (whatever base the upstream uses for itself). */
  private rebase<T>(body: T): T {
    const b = body as any;
    if (b?.resourceType !== 'Bundle') return body;
    const base = this.baseUrl();
    for (const l of Array.isArray(b.link) ? b.link : []) {
      const m = typeof l?.url === 'string' ? /\/([A-Z][A-Za-z]+(?:[?/].*)?)$/.exec(l.url) : null;
      if (m) l.url = `${base}/${m[1]}`;
    }
    for (const e of Array.isArray(b.entry) ? b.entry : []) {
      if (e?.resource?.resourceType && e.resource.id && typeof e.fullUrl === 'string' && /^https?:/.test(e.fullUrl)) e.fullUrl = `${base}/${e.resource.resourceType}/${e.resource.id}`;
    }
    return body;
  }

  async read(resourceType: string, id: string) {
    try {
      return this.rebase(await this.call((client, options) => client.read({ resourceType, id, options }))) as FhirResource;
    } catch (e) {
      if (e instanceof FhirError && e.status === 404) return undefined;
      throw e;
    }
  }

  async search(q: ParsedSearch) {
    const searchParams: Record<string, string[]> = {};
    for (const [k, v] of appliedPairs(q)) (searchParams[k] ??= []).push(v);
    return this.rebase(await this.call((client, options) => client.search({ resourceType: q.resourceType, searchParams, options }))) as FhirResource;
  }

  async create(resource: FhirResource) {
    return this.rebase(await this.call((client, options) => client.create({ resourceType: resource.resourceType, body: resource, options }))) as FhirResource;
  }

  async update(resource: FhirResource & { id: string }) {
    const existed = (await this.read(resource.resourceType, resource.id)) !== undefined;
    const r = this.rebase(await this.call((client, options) => client.update({ resourceType: resource.resourceType, id: resource.id, body: resource, options }))) as FhirResource;
    return { resource: r, created: !existed };
  }

  async delete(resourceType: string, id: string) {
    const existed = (await this.read(resourceType, id)) !== undefined;
    if (existed) await this.call((client, options) => client.delete({ resourceType, id, options }));
    return existed;
  }

  async bundle(bundle: FhirResource) {
    return this.rebase(await this.call((client, options) => (bundle.type === 'batch' ? client.batch({ body: bundle, options }) : client.transaction({ body: bundle, options })))) as FhirResource;
  }
}
