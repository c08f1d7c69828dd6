// Where FHIR interactions are executed: the embedded store (search engine + repository) — upstream.ts is the other backend.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { randomUUID } from 'node:crypto';
import type { FhirRepository } from './store.js';
import { parseQueryString, parseSearch, runSearch, searchsetBundle, type ParsedSearch } from './search.js';
import { FhirError } from './errors.js';
import type { ProfileValidator } from './profiles.js';
import type { FhirCaller } from './caller.js';
import { ID_PATTERN, SUPPORTED_TYPES, type FhirResource } from './types.js';

/**
 * Where interactions run. Each call gets the typed caller, with the one patient the pipeline authorised
 * (`caller.patient`): a backend that needs the patient (the LSP broker) takes it from there, never from raw parameters.
 */
export interface FhirBackend {
  readonly kind: 'embedded' | 'upstream' | 'broker';
  read(resourceType: string, id: string, caller: FhirCaller): Promise<FhirResource | undefined>;
  search(q: ParsedSearch, caller: FhirCaller): Promise<FhirResource>;
  create(resource: FhirResource, caller: FhirCaller): Promise<FhirResource>;
  update(resource: FhirResource & { id: string }, caller: FhirCaller): Promise<{ resource: FhirResource; created: boolean }>;
  delete(resourceType: string, id: string, caller: FhirCaller): Promise<boolean>;
  bundle(bundle: FhirResource, caller: FhirCaller): Promise<FhirResource>;
}

export function checkType(resourceType: string): void {
  if (!SUPPORTED_TYPES.includes(resourceType)) throw new FhirError({ status: 404, issueCode: 'not-supported', message: `resource type ${resourceType.length > 64 ? `${resourceType.slice(0, 64)}…` : resourceType} is not supported by this server` });
}

/** Checks a resource before it is written: shape, type and id agreement, and the MP9 profiles it claims. */
export function checkWritable(validator: ProfileValidator, r: unknown, type: string, id: string | undefined, prefix = ''): FhirResource {
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new FhirError({ status: 400, issueCode: 'structure', message: 'the body must be a FHIR resource (JSON object)', expression: [prefix || 'Resource'] });
  const res = r as FhirResource;
  if (res.resourceType !== type) throw new FhirError({ status: 400, issueCode: 'invalid', message: `resourceType '${res.resourceType}' does not match the URL type ${type}`, expression: [`${prefix}resourceType`] });
  if (id !== undefined && res.id !== id) throw new FhirError({ status: 400, issueCode: 'invalid', message: `resource id '${res.id ?? ''}' must equal the id in the URL (${id})`, expression: [`${prefix}${type}.id`] });
  if (id !== undefined && !ID_PATTERN.test(id)) throw new FhirError({ status: 400, issueCode: 'invalid', message: `'${id}' is not a valid FHIR id`, expression: [`${prefix}${type}.id`] });
  const issues = validator.validate(res);
  if (issues.length) {
    const withPrefix = issues.map((i) => ({ ...i, expression: i.expression?.map((e) => (prefix ? `${prefix}${e.slice(e.indexOf('.') + 1)}` : e)) }));
    throw new FhirError({ status: 400, issueCode: 'processing', message: issues.map((i) => i.diagnostics).join('; '), expression: withPrefix[0]?.expression, issues: withPrefix });
  }
  return res;
}

/** Replaces every `reference` value found in the map (urn:uuid fullUrls of a transaction) throughout a resource. */
function rewriteReferences(node: any, map: Map<string, string>): void {
  if (Array.isArray(node)) for (const x of node) rewriteReferences(x, map);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string' && map.has(v)) node[k] = map.get(v);
      else rewriteReferences(v, map);
    }
  }
}

const statusLine = (s: number) => `${s} ${{ 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 404: 'Not Found', 410: 'Gone' }[s] ?? ''}`.trim();

export class EmbeddedBackend implements FhirBackend {
  readonly kind = 'embedded';

  constructor(
    private readonly repo: FhirRepository,
    private readonly validator: ProfileValidator,
    private readonly baseUrl: () => string,
  ) {}

  read(resourceType: string, id: string) {
    return this.repo.read(resourceType, id);
  }

  async search(q: ParsedSearch) {
    const base = this.baseUrl();
    return searchsetBundle(q, await runSearch(q, { repo: this.repo, baseUrl: base }), base);
  }

  async create(resource: FhirResource) {
    return (await this.repo.put({ ...resource, id: randomUUID() })).resource;
  }

  update(resource: FhirResource & { id: string }) {
    return this.repo.put(resource);
  }

  delete(resourceType: string, id: string) {
    return this.repo.delete(resourceType, id);
  }

  /** transaction (all or nothing, urn:uuid references rewritten) or batch (each entry on its own). */
  async bundle(bundle: FhirResource): Promise<FhirResource> {
    if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
      throw new FhirError({ status: 400, issueCode: 'invalid', message: 'a POST to the base must carry a Bundle of type transaction or batch', expression: ['Bundle.type'] });
    }
    const entries: any[] = Array.isArray(bundle.entry) ? bundle.entry : [];
    const planned = entries.map((e, i) => this.plan(e, i));
    if (bundle.type === 'batch') {
      const out = [];
      for (const p of planned) {
        try {
          if (p instanceof FhirError) throw p;
          out.push(await this.perform(p, this.repo));
        } catch (e) {
          const fe = FhirError.from(e);
          if (!fe) throw e;
          out.push({ response: { status: statusLine(fe.status), outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: fe.issueCode, diagnostics: fe.message, ...(fe.expression ? { expression: fe.expression } : {}) }] } } });
        }
      }
      return { resourceType: 'Bundle', type: 'batch-response', entry: out };
    }
    const bad = planned.find((p) => p instanceof FhirError);
    if (bad) throw bad;
    const plans = planned as Plan[];
    const map = new Map<string, string>();
    for (const p of plans) if (p.fullUrl && p.type && p.id && (p.method === 'POST' || p.method === 'PUT')) map.set(p.fullUrl, `${p.type}/${p.id}`);
    for (const p of plans) {
      if (p.resource) {
        rewriteReferences(p.resource, map);
        checkWritable(this.validator, p.resource, p.type!, p.method === 'PUT' ? p.id : undefined, `Bundle.entry[${p.index}].resource.`);
        if (p.method === 'POST') p.resource.id = p.id;
      }
    }
    // FHIR processing order: DELETE, POST, PUT, then GET (reads see the transaction's writes)
    const order = ['DELETE', 'POST', 'PUT', 'GET'];
    const sorted = [...plans].sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
    const results = new Map<number, unknown>();
    await this.repo.atomically(async (tx) => {
      for (const p of sorted) results.set(p.index, await this.perform(p, tx));
    });
    return { resourceType: 'Bundle', type: 'transaction-response', entry: plans.map((p) => results.get(p.index)) };
  }

  private plan(e: any, index: number): Plan | FhirError {
    const at = `Bundle.entry[${index}]`;
    const method = String(e?.request?.method ?? '').toUpperCase();
    const url = String(e?.request?.url ?? '').replace(/^\//, '');
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method) || !url) return new FhirError({ status: 400, issueCode: 'required', message: `${at}.request needs method (GET|POST|PUT|DELETE) and url`, expression: [`${at}.request`] });
    const [pathPart, query] = url.split('?');
    const [type, id] = pathPart!.split('/');
    if (!type || !SUPPORTED_TYPES.includes(type)) return new FhirError({ status: 400, issueCode: 'not-supported', message: `${at}.request.url: resource type ${type} is not supported`, expression: [`${at}.request.url`] });
    if ((method === 'PUT' || method === 'DELETE') && (!id || !ID_PATTERN.test(id))) return new FhirError({ status: 400, issueCode: 'invalid', message: `${at}.request.url must be <Type>/<id> for ${method}`, expression: [`${at}.request.url`] });
    if ((method === 'POST' || method === 'PUT') && !e.resource) return new FhirError({ status: 400, issueCode: 'required', message: `${at}.resource is required for ${method}`, expression: [`${at}.resource`] });
    return {
      index,
      method: method as Plan['method'],
      type,
      id: method === 'POST' ? randomUUID() : id,
      query,
      fullUrl: typeof e.fullUrl === 'string' ? e.fullUrl : undefined,
      resource: e.resource ? structuredClone(e.resource) : undefined,
    };
  }

  private async perform(p: Plan, repo: FhirRepository): Promise<unknown> {
    const base = this.baseUrl();
    switch (p.method) {
      case 'POST':
      case 'PUT': {
        const res = p.resource!;
        if (repo === this.repo) checkWritable(this.validator, res, p.type!, p.method === 'PUT' ? p.id : undefined, `Bundle.entry[${p.index}].resource.`);
        const { resource, created } = await repo.put({ ...res, id: p.id! });
        return { fullUrl: `${base}/${p.type}/${p.id}`, resource, response: { status: statusLine(created ? 201 : 200), location: `${p.type}/${p.id}/_history/${resource.meta?.versionId}`, etag: `W/"${resource.meta?.versionId}"` } };
      }
      case 'DELETE':
        await repo.delete(p.type!, p.id!);
        return { response: { status: statusLine(204) } };
      case 'GET': {
        if (p.id) {
          const r = await repo.read(p.type!, p.id);
          if (!r) throw new FhirError({ status: 404, issueCode: 'not-found', message: `${p.type}/${p.id} not found` });
          return { fullUrl: `${base}/${p.type}/${p.id}`, resource: r, response: { status: statusLine(200) } };
        }
        const q = parseSearch(p.type!, parseQueryString(p.query ?? ''));
        return { resource: searchsetBundle(q, await runSearch(q, { repo, baseUrl: base }), base), response: { status: statusLine(200) } };
      }
    }
  }
}

interface Plan {
  index: number;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  type?: string;
  id?: string;
  query?: string;
  fullUrl?: string;
  resource?: FhirResource;
}
