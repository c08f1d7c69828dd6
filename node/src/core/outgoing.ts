// Every outgoing HTTP request of a node: https to public addresses only (trusted lab hosts excepted, checked after DNS),
// a byte limit enforced while the body streams in, one deadline for the whole exchange, and no redirects.
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Logger } from './logger.js';
import { OutgoingError } from './errors.js';

export interface OutgoingOptions {
  /** hosts (`name`, `name:port`, `[v6]:port`) that may be reached over http and on non-public addresses: the lab's own nodes */
  trustedHosts?: readonly string[];
  /** replaces the transport (tests that record or fake requests); policy and limits still apply */
  fetch?: typeof fetch;
  /** replaces DNS resolution (tests of the address policy) */
  lookup?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
  logger?: Pick<Logger, 'warn'>;
  /**
   * Keeps connections to trusted hosts open between requests (a caller that asks the same few configured hosts many
   * times, as the LSP broker its sources). Only trusted hosts: their address is never checked, so a pooled socket
   * cannot outlive a check. Call close() when done.
   */
  keepAliveTrusted?: boolean;
}

export interface OutgoingRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** what is fetched, for the log line (e.g. 'DID document', 'status list') */
  purpose: string;
  maxBytes: number;
  timeoutMs: number;
  /** the caller's own abort, on top of the deadline */
  signal?: AbortSignal;
}

export type OutgoingLimits = Pick<OutgoingRequest, 'purpose' | 'maxBytes' | 'timeoutMs'>;

// Address ranges a remote party may not make the node connect to (nuts-node strict mode refuses the same kinds).
const RANGES: Array<[string, string, number, 'ipv4' | 'ipv6']> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['carrier-grade NAT', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local (cloud metadata)', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['documentation', '192.0.2.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['benchmarking', '198.18.0.0', 15, 'ipv4'],
  ['documentation', '198.51.100.0', 24, 'ipv4'],
  ['documentation', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['unique-local', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['documentation', '2001:db8::', 32, 'ipv6'],
];
const BLOCKS = RANGES.map(([name, net, prefix, type]) => {
  const b = new BlockList();
  b.addSubnet(net, prefix, type);
  return { name, b, type };
});

/** The name of the refused range `ip` lies in, or undefined for a public address. IPv4 inside IPv6 (mapped, NAT64) is judged as IPv4. */
export function refusedRange(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? embeddedV4(ip);
    if (embedded) return refusedRange(embedded);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return BLOCKS.find((x) => x.type === type && x.b.check(ip, type))?.name;
}

/** ::ffff:7f00:1 and 64:ff9b::7f00:1 written in hex groups */
function embeddedV4(ip: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!m) return undefined;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

/** `host`, `host:port`, `[v6]` or `[v6]:port` → its parts; hostnames lower-cased as URL parsing does. */
function parseHostEntry(entry: string): { hostname: string; port?: string } {
  const e = entry.trim().toLowerCase();
  const v6 = /^(\[[^\]]+\])(?::(\d+))?$/.exec(e);
  if (v6) return { hostname: v6[1]!, port: v6[2] };
  const m = /^([^:]+)(?::(\d+))?$/.exec(e);
  return m ? { hostname: m[1]!, port: m[2] } : { hostname: e };
}

/** A predicate for a list of trusted host entries: an entry without a port trusts every port of that host. */
export function hostMatcher(entries: readonly string[]): (url: URL) => boolean {
  const trusted = entries.filter((h) => h.trim()).map(parseHostEntry);
  return (url) => {
    const port = url.port || defaultPort(url.protocol);
    return trusted.some((t) => t.hostname === url.hostname && (t.port === undefined || t.port === port));
  };
}

async function systemLookup(hostname: string): Promise<Array<{ address: string; family: number }>> {
  return dnsLookup(hostname, { all: true, verbatim: true });
}

/** Outgoing HTTP for one node; construct once and share, so every fetch obeys the same policy. */
export class OutgoingHttp {
  /** A listed lab host: reached over http when asked, and allowed on loopback or private addresses. */
  readonly isTrusted: (url: URL) => boolean;
  private readonly lookup: (hostname: string) => Promise<Array<{ address: string; family: number }>>;

  private readonly trustedAgent?: http.Agent;

  constructor(private readonly o: OutgoingOptions = {}) {
    this.isTrusted = hostMatcher(o.trustedHosts ?? []);
    this.lookup = o.lookup ?? systemLookup;
    // idle sockets are unref'd by the agent, so a pool never holds the process open
    if (o.keepAliveTrusted) this.trustedAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  }

  /** Closes pooled connections (keepAliveTrusted). */
  close(): void {
    this.trustedAgent?.destroy();
  }

  /**
   * Fetches `url` under the policy. Throws OutgoingError (never a bare network error) when the request is refused or
   * fails; an answer with any status comes back as a Response whose body is already read (within `maxBytes`).
   */
  async fetch(target: string | URL, req: OutgoingRequest): Promise<Response> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw this.failed(new OutgoingError('invalid_url', String(target), `${req.purpose} URL '${String(target)}' is not a URL`), req);
    }
    try {
      const pinned = await this.check(url);
      if (!this.o.fetch) return await this.viaNode(url, req, pinned);
      const deadline = req.signal ? AbortSignal.any([AbortSignal.timeout(req.timeoutMs), req.signal]) : AbortSignal.timeout(req.timeoutMs);
      return await this.viaFetch(url, req, deadline);
    } catch (e) {
      throw this.failed(e instanceof OutgoingError ? e : new OutgoingError('unreachable', url.href, `${req.purpose} ${url.href} is unreachable: ${describe(e)}`, e), req);
    }
  }

  /**
   * This policy as a `fetch`, for modules that take one (status lists, the OAuth client, discovery): each gets its own
   * purpose and limits. Bodies must be strings or URLSearchParams; answers come back fully read.
   */
  fetcher(limits: OutgoingLimits): typeof fetch {
    return (async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : input;
      const b = init?.body;
      if (b != null && typeof b !== 'string' && !(b instanceof URLSearchParams)) throw new TypeError('outgoing request bodies are strings or URLSearchParams');
      return this.fetch(url, {
        ...limits,
        method: init?.method,
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        ...(b != null ? { body: String(b) } : {}),
        ...(init?.signal ? { signal: init.signal } : {}),
      });
    }) as typeof fetch;
  }

  private failed(e: OutgoingError, req: OutgoingRequest): OutgoingError {
    this.o.logger?.warn({ purpose: req.purpose, url: e.url, failure: e.kind, detail: e.message }, 'outgoing request failed');
    return e;
  }

  /** Scheme and address policy; returns the checked address to connect to (undefined for trusted hosts). */
  private async check(url: URL): Promise<{ address: string; family: number } | undefined> {
    const refuse = (why: string) => new OutgoingError('refused', url.href, `${url.href} is refused: ${why}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse(`scheme ${url.protocol} is not allowed`);
    if (url.username || url.password) throw refuse('credentials in the URL are not allowed');
    if (this.isTrusted(url)) return undefined;
    if (url.protocol !== 'https:') throw refuse(`plain http is only allowed for trusted hosts (${url.host} is not listed in vdr.httpHosts)`);
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(literal)) addresses = [{ address: literal, family: isIP(literal) }];
    else {
      try {
        addresses = await this.lookup(url.hostname);
      } catch (e) {
        throw new OutgoingError('unreachable', url.href, `${url.hostname} does not resolve: ${describe(e)}`);
      }
    }
    if (!addresses.length) throw new OutgoingError('unreachable', url.href, `${url.hostname} does not resolve`);
    // every address is judged: a name with one public and one internal address is refused, not half-trusted
    for (const a of addresses) {
      const range = refusedRange(a.address);
      if (range) throw refuse(`${url.hostname} resolves to ${a.address} (${range}); only public addresses are fetched unless the host is listed in vdr.httpHosts`);
    }
    return addresses[0];
  }

  /**
   * node:http with the checked address pinned in `lookup`, so a second DNS answer (rebinding) is never consulted. The
   * deadline is a plain timer (composed AbortSignals cost more than the rest of a pooled request); the caller's
   * signal, when given, ends the request as well.
   */
  private viaNode(url: URL, req: OutgoingRequest, pinned: { address: string; family: number } | undefined): Promise<Response> {
    const lookup: LookupFunction | undefined = pinned
      ? (_host, options, cb) => {
          if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
          else cb(null, pinned.address, pinned.family);
        }
      : undefined;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const done = (e: Error | undefined, res?: Response) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(res!);
      };
      // a connection per request (no pooled socket outlives the check of the address it was opened to), except to a
      // trusted plain-http host when pooling is asked for: no address was checked for it
      const agent = this.trustedAgent && url.protocol === 'http:' && this.isTrusted(url) ? this.trustedAgent : false;
      const request = mod.request(url, { agent, method: req.method ?? 'GET', headers: { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) }, ...(lookup ? { lookup } : {}) });
      const onAbort = () => {
        const err = new OutgoingError('timeout', url.href, `${req.purpose} ${url.href} did not answer within ${req.timeoutMs} ms`);
        request.destroy(err);
        done(err);
      };
      const timer = setTimeout(onAbort, req.timeoutMs);
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (e) => done(e instanceof OutgoingError ? e : new OutgoingError('unreachable', url.href, `${req.purpose} ${url.href} is unreachable: ${describe(e)}`, e)));
      request.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          return done(new OutgoingError('redirect', url.href, `${req.purpose} ${url.href} answered a redirect (HTTP ${status}); redirects are not followed`));
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > req.maxBytes) {
          res.destroy();
          return done(tooLarge(url, req));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > req.maxBytes) {
            res.destroy();
            request.destroy();
            return done(tooLarge(url, req));
          }
          chunks.push(c);
        });
        res.on('error', (e) => done(new OutgoingError('unreachable', url.href, `${req.purpose} ${url.href} broke off: ${describe(e)}`)));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            try {
              if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
            } catch {
              // a header value fetch's Headers will not hold (non-Latin-1) is dropped, not thrown out of an event handler
            }
          }
          done(undefined, toResponse(status, headers, Buffer.concat(chunks)));
        });
      });
      if (req.body !== undefined) request.write(req.body);
      request.end();
    });
  }

  /** The injected transport, read through the same limits (its body is a stream we cut off at `maxBytes`). */
  private async viaFetch(url: URL, req: OutgoingRequest, signal: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await this.o.fetch!(url, { method: req.method ?? 'GET', headers: req.headers, body: req.body, redirect: 'manual', signal });
    } catch (e) {
      if (signal.aborted) throw new OutgoingError('timeout', url.href, `${req.purpose} ${url.href} did not answer within ${req.timeoutMs} ms`);
      throw e;
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => {});
      throw new OutgoingError('redirect', url.href, `${req.purpose} ${url.href} answered a redirect (HTTP ${res.status}); redirects are not followed`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > req.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(url, req);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > req.maxBytes) {
            await reader.cancel().catch(() => {});
            throw tooLarge(url, req);
          }
          chunks.push(value);
        }
      } catch (e) {
        if (e instanceof OutgoingError) throw e;
        if (signal.aborted) throw new OutgoingError('timeout', url.href, `${req.purpose} ${url.href} did not answer within ${req.timeoutMs} ms`);
        throw e;
      }
    }
    return toResponse(res.status, res.headers, Buffer.concat(chunks));
  }
}

function tooLarge(url: URL, req: OutgoingRequest): OutgoingError {
  return new OutgoingError('too_large', url.href, `${req.purpose} ${url.href} is larger than ${req.maxBytes} bytes`);
}

function toResponse(status: number, headers: Headers, body: Buffer): Response {
  const nullBody = status === 204 || status === 205 || status === 304;
  // Response accepts 200-599 only; anything else from a remote server is treated as a failed answer
  return new Response(nullBody ? null : (body as unknown as ArrayBuffer), { status: status >= 200 && status <= 599 ? status : 502, headers });
}

function describe(e: unknown): string {
  const err = e as Error & { cause?: unknown; code?: string };
  if (err?.cause) return String((err.cause as Error).message ?? err.cause);
  return err?.code ? `${err.code}${err.message && !err.message.includes(err.code) ? ` ${err.message}` : ''}` : String(err?.message ?? e);
}
