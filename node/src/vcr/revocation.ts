// Revocation: hosting StatusList2021 and BitstringStatusList lists for this node's issuers, and reading remote lists through a cache.
import { gunzipSync, gzipSync } from 'node:zlib';
import { outgoingTraceHeaders } from '../core/context.js';
import { invalidInput, notFound } from '../core/errors.js';
import { BoundedCache } from '../core/cache.js';
import type { Logger } from '../core/logger.js';
import { isJwt, parseDate } from './credential.js';
import { fail } from './errors.js';
import type { StatusListType, VcrStore } from './store.js';
import type { WireCredential, CredentialVerification } from './types.js';

/** 16 KiB bitstring, as nuts-node and the StatusList2021 privacy guidance use */
export const LIST_BITS = 16 * 1024 * 8;
const LIST_VALIDITY_MS = 24 * 3600_000;
/** Upper bound on how long a fetched remote status list is used (vcr.statusList.cacheMaxSeconds); nuts-node keeps them 15 min. */
export const DEFAULT_STATUS_LIST_CACHE_MS = 15 * 60_000;

/**
 * How long a fetched status list may be used: the issuer's `Cache-Control: max-age`, never longer than `upperBoundMs`;
 * `no-store`/`no-cache` mean "ask again next time"; without a max-age the upper bound applies (nuts-node's behaviour).
 */
export function statusListLifetimeMs(cacheControl: string | null | undefined, upperBoundMs: number): number {
  const directives = (cacheControl ?? '').toLowerCase().split(',').map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  const maxAge = directives.map((d) => /^max-age\s*=\s*"?(\d+)"?$/.exec(d)?.[1]).find((v) => v !== undefined);
  return maxAge === undefined ? upperBoundMs : Math.min(Number(maxAge) * 1000, upperBoundMs);
}

const ENTRY_TYPE: Record<StatusListType, string> = { StatusList2021: 'StatusList2021Entry', BitstringStatusList: 'BitstringStatusListEntry' };
const LIST_PATH: Record<StatusListType, string> = { StatusList2021: 'statuslist', BitstringStatusList: 'statuslist/bitstring' };

export function encodeBitstring(indexes: number[], type: StatusListType): string {
  const bytes = Buffer.alloc(LIST_BITS / 8);
  // bit 0 is the most significant bit of the first byte (both specifications)
  for (const i of indexes) bytes[i >> 3]! |= 0x80 >> (i & 7);
  const z = gzipSync(bytes).toString('base64url');
  return type === 'BitstringStatusList' ? `u${z}` : z;
}

/** Largest decoded status list accepted (the specifications' minimum is 16 KiB; a remote list is gzip, so bound the inflation). */
export const MAX_LIST_BYTES = 2 * 1024 * 1024;

export function decodeBitstring(encoded: string): Buffer {
  // BitstringStatusList uses multibase ('u' = base64url); StatusList2021 plain base64(url); Node decodes both alphabets
  return gunzipSync(Buffer.from(encoded.startsWith('u') ? encoded.slice(1) : encoded, 'base64url'), { maxOutputLength: MAX_LIST_BYTES });
}

export const bitAt = (bits: Buffer, i: number) => i >= 0 && i >> 3 < bits.length && (bits[i >> 3]! & (0x80 >> (i & 7))) !== 0;

export interface RevocationDeps {
  store: VcrStore;
  baseUrl: () => string;
  clock: () => number;
  fetch: typeof fetch;
  /** signs a status list credential for `issuer` in the list's own format */
  signList: (type: StatusListType, unsigned: Record<string, unknown>) => Promise<WireCredential>;
  /** verifies a fetched list credential (signature and dates, no revocation check of the list itself) */
  verifyList: (vc: WireCredential) => Promise<CredentialVerification>;
  /** upper bound on the lifetime of a fetched list; the issuer's max-age can only shorten it */
  cacheTtlMs?: number;
  fetchTimeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

interface CachedList {
  bits: Buffer;
  purpose: string;
  expires: number;
}

export class RevocationService {
  // bounded in count and in decoded bytes: issuers (remote parties) choose list URLs and sizes
  private readonly remote = new BoundedCache<string, CachedList>({ maxEntries: 5_000, maxBytes: 32 * 1024 * 1024 });
  private readonly inflight = new Map<string, Promise<CachedList>>();
  private readonly hosted = new Map<string, { vc: WireCredential; until: number; revoked: string }>();
  readonly stats = { fetches: 0, hits: 0 };

  constructor(private readonly deps: RevocationDeps) {}

  listUrl(type: StatusListType, issuer: string, page: number): string {
    return `${this.deps.baseUrl()}/${LIST_PATH[type]}/${encodeURIComponent(issuer)}/${page}`;
  }

  /** Reserves a status index for a new credential and returns its credentialStatus entry. */
  async allocate(type: StatusListType, issuer: string): Promise<{ entry: Record<string, unknown>; page: number; index: number }> {
    const { page, index } = await this.deps.store.allocateStatusIndex(issuer, type, LIST_BITS);
    const url = this.listUrl(type, issuer, page);
    return { page, index, entry: { id: `${url}#${index}`, type: ENTRY_TYPE[type], statusPurpose: 'revocation', statusListIndex: String(index), statusListCredential: url } };
  }

  /** Drops the cached signed list so the next request shows a revocation at once. */
  invalidate(type: StatusListType, issuer: string, page: number): void {
    this.hosted.delete(`${type}|${issuer}|${page}`);
  }

  /** The signed list credential for one page of an issuer's list (cached until it changes or half its validity passed). */
  async hostedList(type: StatusListType, issuer: string, page: number): Promise<WireCredential> {
    if (!Number.isInteger(page) || page < 1) throw invalidInput(`invalid status list page '${page}'`);
    const key = `${type}|${issuer}|${page}`;
    const now = this.deps.clock();
    // the revocations are read from the store on every request, only the signed list is cached: a replica on the same
    // database (or another engine instance) may have revoked since, and invalidate() reaches this process only
    const revokedIndexes = await this.deps.store.revokedIndexes(issuer, type, page);
    const revoked = [...revokedIndexes].sort((a, b) => a - b).join(',');
    const cached = this.hosted.get(key);
    if (cached && cached.until > now && cached.revoked === revoked) return cached.vc;
    const issued = await this.deps.store.searchIssued({ issuer });
    if (!issued.some((r) => r.status?.type === type && r.status.page === page)) throw notFound(`no ${type} page ${page} for ${issuer}`);
    const url = this.listUrl(type, issuer, page);
    const encodedList = encodeBitstring(revokedIndexes, type);
    const issuedAt = new Date(Math.floor(now / 1000) * 1000);
    const expires = new Date(issuedAt.getTime() + LIST_VALIDITY_MS);
    const unsigned: Record<string, unknown> =
      type === 'StatusList2021'
        ? {
            '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1', 'https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json'],
            id: url,
            type: ['VerifiableCredential', 'StatusList2021Credential'],
            issuer,
            issuanceDate: issuedAt.toISOString(),
            expirationDate: expires.toISOString(),
            credentialSubject: { id: `${url}#list`, type: 'StatusList2021', statusPurpose: 'revocation', encodedList },
          }
        : {
            '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts-lsp-lab.nl/credentials/v1'],
            id: url,
            type: ['VerifiableCredential', 'BitstringStatusListCredential'],
            issuer,
            issuanceDate: issuedAt.toISOString(),
            expirationDate: expires.toISOString(),
            credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList },
          };
    const vc = await this.deps.signList(type, unsigned);
    this.hosted.set(key, { vc, until: now + LIST_VALIDITY_MS / 2, revoked });
    return vc;
  }

  /** True when `entry` marks a credential of `credentialIssuer` revoked. Lists of this node are read from the store. */
  async isRevoked(entry: Record<string, unknown>, credentialIssuer: string): Promise<boolean> {
    const type = entry.type === 'StatusList2021Entry' ? 'StatusList2021' : entry.type === 'BitstringStatusListEntry' ? 'BitstringStatusList' : undefined;
    if (!type) return fail('status_unavailable', `unsupported credentialStatus type '${String(entry.type)}'`);
    const purpose = entry.statusPurpose ?? 'revocation';
    if (purpose !== 'revocation') return false; // only revocation is a reason to refuse here; suspension is unsupported as in nuts-node
    const index = Number(entry.statusListIndex);
    const url = entry.statusListCredential;
    if (!Number.isInteger(index) || index < 0 || typeof url !== 'string') return fail('malformed', 'credentialStatus needs statusListIndex and statusListCredential');
    const local = this.localList(type, url);
    if (local) {
      if (local.issuer !== credentialIssuer) fail('status_unavailable', `status list ${url} belongs to ${local.issuer}, not to the credential issuer`);
      return (await this.deps.store.revokedIndexes(local.issuer, type, local.page)).includes(index);
    }
    const list = await this.remoteList(url, credentialIssuer);
    if (list.purpose !== purpose) fail('status_unavailable', `status list ${url} has purpose '${list.purpose}', entry wants '${String(purpose)}'`);
    if (index >= list.bits.length * 8) fail('status_unavailable', `status list index ${index} is beyond the list ${url}`);
    return bitAt(list.bits, index);
  }

  private localList(type: StatusListType, url: string): { issuer: string; page: number } | undefined {
    const prefix = `${this.deps.baseUrl()}/${LIST_PATH[type]}/`;
    if (!url.startsWith(prefix)) return undefined;
    const m = /^([^/]+)\/(\d+)$/.exec(url.slice(prefix.length));
    return m ? { issuer: decodeURIComponent(m[1]!), page: Number(m[2]) } : undefined;
  }

  private async remoteList(url: string, issuer: string): Promise<CachedList> {
    const key = `${issuer}|${url}`;
    const hit = this.remote.get(key);
    if (hit && hit.expires > this.deps.clock()) {
      this.stats.hits++;
      return hit;
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.fetchList(url, issuer).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    const list = await p;
    this.remote.set(key, list, list.bits.length + key.length + 64);
    return list;
  }

  private async fetchList(url: string, issuer: string): Promise<CachedList> {
    this.stats.fetches++;
    // the URL came with a presented credential: its caller learns only that the list could not be fetched, the log why
    const unavailable = (detail: string): never => {
      this.deps.logger?.warn({ url, issuer, detail }, 'status list could not be fetched');
      return fail('status_unavailable', `status list ${url} could not be fetched`);
    };
    let body: string;
    let cacheControl: string | null = null;
    try {
      const res = await this.deps.fetch(url, { headers: { accept: 'application/json, application/vc+jwt', ...outgoingTraceHeaders() }, signal: AbortSignal.timeout(this.deps.fetchTimeoutMs ?? 5000), redirect: 'error' });
      if (!res.ok) return unavailable(`${url} answered HTTP ${res.status}`);
      cacheControl = res.headers.get('cache-control');
      body = (await res.text()).trim();
    } catch (e) {
      if ((e as { code?: string }).code) throw e;
      return unavailable((e as Error).message);
    }
    let vc: WireCredential;
    try {
      vc = isJwt(body) ? body : (JSON.parse(body) as Record<string, unknown>);
    } catch {
      return fail('status_unavailable', `status list ${url} is not a credential`);
    }
    const r = await this.deps.verifyList(vc);
    if (!r.valid) return fail('status_unavailable', `status list ${url} does not verify: ${r.message}`);
    const c = r.credential!;
    // a list only speaks for credentials of its own issuer; anyone else's list could 'un-revoke' them
    if (c.issuer !== issuer) fail('status_unavailable', `status list ${url} is issued by ${c.issuer}, not by the credential issuer ${issuer}`);
    const subject = c.subjects[0]!;
    if (typeof subject.encodedList !== 'string') fail('status_unavailable', `status list ${url} has no encodedList`);
    let bits: Buffer;
    try {
      bits = decodeBitstring(subject.encodedList as string);
    } catch {
      return fail('status_unavailable', `status list ${url} has an undecodable encodedList`);
    }
    const validUntil = c.expirationDate?.getTime() ?? parseDate(subject.validUntil, 'validUntil')?.getTime() ?? Infinity;
    const lifetime = statusListLifetimeMs(cacheControl, this.deps.cacheTtlMs ?? DEFAULT_STATUS_LIST_CACHE_MS);
    return { bits, purpose: String(subject.statusPurpose ?? 'revocation'), expires: Math.min(validUntil, this.deps.clock() + lifetime) };
  }
}
