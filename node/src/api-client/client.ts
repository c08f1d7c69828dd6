// Typed clients of the internal APIs (openapi-fetch over the types generated from node/api/*.yaml): every call either
// returns what the API promises or throws one NodeApiError.
import createClient, { type Client } from 'openapi-fetch';
import type { paths as Audit } from '../../api/generated/audit-v1.js';
import type { paths as Auth } from '../../api/generated/auth-v2.js';
import type { paths as Discovery } from '../../api/generated/discovery-v1.js';
import type { paths as Monitoring } from '../../api/generated/monitoring-v1.js';
import type { paths as Pki } from '../../api/generated/pki-v1.js';
import type { paths as Vcr } from '../../api/generated/vcr-v2.js';
import type { paths as Vdr } from '../../api/generated/vdr-v2.js';
import { NodeApiError } from './errors.js';

/** Only the routes of the internal port (the OpenAPI files also describe public ones). */
type InternalOnly<P> = { [K in keyof P as K extends `/internal/${string}` | '/health' | `/status${string}` ? K : never]: P[K] };

/** Every operation of a node's internal port: VDR v2, VCR v2, Auth v2, Discovery v1, PKI v1, audit v1, monitoring. */
export type NodeInternalPaths = InternalOnly<Vdr & Vcr & Auth & Discovery & Pki & Audit & Monitoring>;

export interface ApiClientOptions {
  /** how the target is named in error messages (`node`, `LSP`); default its origin */
  label?: string;
  /** per call; default 15 s */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** sent with every call (e.g. the X-User-* headers naming who reads an audit log) */
  headers?: Record<string, string>;
  /**
   * `throw` (default): a non-2xx answer throws NodeApiError, so what a call returns is the success body. `return`: the
   * answer comes back as openapi-fetch gives it ({data} or {error}, with the response), for callers that judge the wire
   * themselves (the conformance suite); an unreachable target throws either way.
   */
  refusals?: 'throw' | 'return';
}

export type ApiClient<Paths extends object> = Client<Paths> & { readonly baseUrl: string; readonly label?: string };
export type NodeClient = ApiClient<NodeInternalPaths>;

// a kept-alive connection to a node that restarted on the same port fails once, before the request is read
const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);
const causeCode = (e: unknown) => (e as { cause?: { code?: string } }).cause?.code;

/** A typed client of any API described by generated `paths` (the node's, the mock LSP's). */
export function createApiClient<Paths extends object>(baseUrl: string, o: ApiClientOptions = {}): ApiClient<Paths> {
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 15_000;
  const send = o.fetch ?? fetch;
  const guarded = async (request: Request): Promise<Response> => {
    const method = request.method;
    const path = new URL(request.url).pathname;
    // an injected fetch gets (url, init) with plain headers and a string body, as any fetch stand-in expects
    const payload = method === 'GET' || method === 'HEAD' ? '' : await request.text();
    const init: RequestInit = { method, headers: Object.fromEntries(request.headers), ...(payload ? { body: payload } : {}), signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) };
    let res: Response;
    try {
      res = await send(request.url, init).catch((e: unknown) => (STALE_SOCKET.has(causeCode(e) ?? '') ? send(request.url, init) : Promise.reject(e)));
    } catch (e) {
      const cause = causeCode(e) ?? ((e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e as Error).message);
      throw new NodeApiError({ kind: 'unreachable', baseUrl: base, label: o.label, method, path, cause });
    }
    if (res.ok || o.refusals === 'return') return res;
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text is what the target said
    }
    throw new NodeApiError({ kind: 'refused', baseUrl: base, label: o.label, method, path, status: res.status, body });
  };
  const client = createClient<Paths>({ baseUrl: base, fetch: guarded, headers: { accept: 'application/json', ...o.headers } });
  return Object.assign(client, { baseUrl: base, label: o.label });
}

/** A typed client of a node's internal API (base URL of the internal port, e.g. http://127.0.0.1:8081). */
export function nodeClient(baseUrl: string, o: ApiClientOptions = {}): NodeClient {
  return createApiClient<NodeInternalPaths>(baseUrl, o);
}

/**
 * The success body of an answer. With a throwing client every answer that comes back is a success; with `refusals:
 * 'return'` a refusal throws here.
 */
export async function body<T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const r = await answer;
  if (!r.response.ok) {
    const url = r.response.url ? new URL(r.response.url) : undefined;
    throw new NodeApiError({ kind: 'refused', baseUrl: url?.origin ?? 'the API', method: '', path: url?.pathname ?? '', status: r.response.status, body: r.error });
  }
  return r.data as T;
}
