// The suite's HTTP client: one call shape for every check, body parsed when it is JSON, network failures as TargetUnreachable.
// Calls of a node's internal API go through the typed client instead; `answerOf` gives its answers the same shape.
import { readBody } from '../../node/src/core/index.js';
import { TargetUnreachable } from './report.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** parsed body when it is JSON (any JSON content type, or text that parses), else undefined */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  url: string;
}

export type FetchLike = typeof fetch;

export interface HttpOptions {
  timeoutMs: number;
  fetch?: FetchLike;
}

export function http(opts: HttpOptions) {
  const doFetch = opts.fetch ?? fetch;
  return async function call(method: string, url: string, init: { body?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof init.body === 'string' && headers['content-type'] !== 'application/json' ? init.body : JSON.stringify(init.body);
    }
    let res: Response;
    try {
      res = await doFetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      throw new TargetUnreachable(new URL(url).origin, err.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message));
    }
    const { text, json } = await readBody(res);
    return { status: res.status, headers: res.headers, text, json, url };
  };
}

export type Http = ReturnType<typeof http>;

/** An answer of the typed internal-API client (with `refusals: 'return'`) in the shape every check reads. */
export async function answerOf(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<HttpAnswer> {
  const { data, error, response } = await call;
  const base = { status: response.status, headers: response.headers, url: response.url };
  // a success body is parsed JSON (a JWT is a JSON string); an error body that is a string did not parse
  if (response.ok || typeof error !== 'string') return { ...base, text: '', json: response.ok ? data : error };
  return { ...base, text: error, json: undefined };
}

export const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** A short, single-line view of a body for failure messages. */
export function brief(a: HttpAnswer, max = 300): string {
  const s = (a.json !== undefined ? JSON.stringify(a.json) : a.text).replace(/\s+/g, ' ');
  return `HTTP ${a.status}${s ? ` ${s.length > max ? `${s.slice(0, max)}…` : s}` : ''}`;
}
