// DID resolution for did:web, did:jwk, did:key and static fixtures, with a TTL cache, a negative cache and key import caching (all bounded).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { importJWK, type JWK } from 'jose';
import type { JoseKey } from '../crypto/service.js';
import { parse as parseDid } from 'did-resolver';
import type { Resolvable, DIDResolutionResult, DIDResolutionOptions } from 'did-resolver';
import { NodeError, invalidInput, notFound } from '../core/errors.js';
import { outgoingTraceHeaders } from '../core/context.js';
import { BoundedCache } from '../core/cache.js';
import { OutgoingHttp } from '../core/outgoing.js';
import type { Logger } from '../core/logger.js';
import { didJwkDocument, didKeyDocument } from './didkey.js';
import { didWebToUrl } from './didweb.js';
import { methodsFor, type DIDDocument, type DIDResolution, type Relationship, type VerificationMethod } from './document.js';

export type MethodDriver = (did: string) => Promise<DIDResolution>;

/** A did:web document larger than this is refused while it streams in (nuts-node's documents are a few KiB). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024;

export interface ResolverOptions {
  /** the node's outgoing HTTP (address policy, limits); built from `fetch` and `httpHosts` when absent */
  outgoing?: OutgoingHttp;
  fetch?: typeof fetch;
  clock?: () => number;
  /** trusted hosts (`host` or `host:port`) fetched over http and allowed on non-public addresses; default none */
  httpHosts?: readonly string[];
  cacheTtlMs?: number;
  negativeCacheTtlMs?: number;
  fetchTimeoutMs?: number;
  maxDocumentBytes?: number;
  /** resolution cache bounds: documents held at once, and their total size */
  cacheMaxEntries?: number;
  cacheMaxBytes?: number;
  /** where the reasons of failed resolutions go (the caller only learns that the DID could not be resolved) */
  logger?: Pick<Logger, 'warn'>;
  /** directory of *.json DID documents resolved without network */
  staticDir?: string;
  /** resolution of DIDs this node hosts, consulted before anything else */
  local?: (did: string) => Promise<DIDResolution | undefined>;
  /** further DID methods (e.g. did:x509 from the PKI); `cache: false` when a document depends on context */
  methods?: Readonly<Record<string, { driver: MethodDriver; cache?: boolean }>>;
}

interface CacheEntry {
  expires: number;
  result?: DIDResolution;
  error?: NodeError;
}

/** Size of a resolved document as the cache counts it (its JSON length; fixed cost for errors). */
const documentBytes = (r: DIDResolution) => JSON.stringify(r.document).length + 64;

export interface ResolvedKey {
  vm: VerificationMethod;
  key: JoseKey;
  jwk: JWK;
}

export class DidResolver {
  private readonly cache: BoundedCache<string, CacheEntry>;
  private readonly inflight = new Map<string, Promise<DIDResolution>>();
  private readonly keys = new BoundedCache<string, { doc: WeakRef<DIDDocument>; alg: string; key: JoseKey }>({ maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 });
  private readonly statics = new Map<string, DIDDocument>();
  private readonly drivers = new Map<string, MethodDriver>();
  private readonly uncached = new Set<string>();
  private readonly outgoing: OutgoingHttp;
  private readonly clock: () => number;
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly opts: ResolverOptions = {}) {
    this.outgoing = opts.outgoing ?? new OutgoingHttp({ trustedHosts: opts.httpHosts ?? [], fetch: opts.fetch, logger: opts.logger });
    this.cache = new BoundedCache({ maxEntries: opts.cacheMaxEntries ?? 10_000, maxBytes: opts.cacheMaxBytes ?? 16 * 1024 * 1024 });
    this.clock = opts.clock ?? Date.now;
    this.drivers.set('web', (did) => this.resolveWeb(did));
    this.drivers.set('jwk', async (did) => ({ document: didJwkDocument(did), documentMetadata: {} }));
    this.drivers.set('key', async (did) => ({ document: didKeyDocument(did), documentMetadata: {} }));
    if (opts.staticDir) this.loadStaticDir(opts.staticDir);
    for (const [method, m] of Object.entries(opts.methods ?? {})) this.registerMethod(method, m.driver, m);
  }

  /** A further DID method (the `methods` option); `cache: false` when a document depends on context. */
  private registerMethod(method: string, driver: MethodDriver, opts: { cache?: boolean } = {}): void {
    this.drivers.set(method, driver);
    if (opts.cache === false) this.uncached.add(method);
  }

  /** Serves a fixed document for its DID, e.g. the did:nuts documents of upstream test vectors. */
  addStatic(doc: DIDDocument): void {
    if (!doc?.id?.startsWith('did:')) throw invalidInput('static DID document needs an id starting with did:');
    this.statics.set(doc.id, doc);
    this.invalidate(doc.id);
  }

  private loadStaticDir(dir: string): void {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      this.addStatic(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as DIDDocument);
    }
  }

  invalidate(did?: string): void {
    if (did) this.cache.delete(did);
    else this.cache.clear();
  }

  /** Resolves a DID (a DID URL is cut at its fragment/query). Throws 400 for a malformed DID, 404 when not found. */
  async resolve(didOrUrl: string): Promise<DIDResolution> {
    const did = baseDid(didOrUrl);
    if (this.uncached.has(did.split(':')[1] ?? '')) return this.resolveUncached(did);
    const now = this.clock();
    const hit = this.cache.get(did);
    if (hit && hit.expires > now) {
      this.stats.hits++;
      if (hit.error) throw hit.error;
      return hit.result!;
    }
    this.stats.misses++;
    const pending = this.inflight.get(did);
    if (pending) return pending;
    const p = this.resolveUncached(did).then(
      (result) => {
        this.cache.set(did, { expires: this.clock() + (this.opts.cacheTtlMs ?? 300_000), result }, documentBytes(result));
        return result;
      },
      (err: unknown) => {
        if (err instanceof NodeError && err.code === 'not_found') {
          this.cache.set(did, { expires: this.clock() + (this.opts.negativeCacheTtlMs ?? 30_000), error: err }, did.length + err.message.length + 64);
        }
        throw err;
      },
    );
    this.inflight.set(did, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(did);
    }
  }

  private async resolveUncached(did: string): Promise<DIDResolution> {
    const parsed = parseDid(did);
    if (!parsed || parsed.did !== did) throw invalidInput(`invalid DID: ${did}`);
    const local = await this.opts.local?.(did);
    if (local) return local;
    const fixed = this.statics.get(did);
    if (fixed) return { document: fixed, documentMetadata: {} };
    const driver = this.drivers.get(parsed.method);
    if (!driver) throw notFound(`unsupported DID method '${parsed.method}' (supported: ${[...this.drivers.keys()].map((m) => `did:${m}`).join(', ')})`);
    return driver(did);
  }

  /**
   * did:web over the node's outgoing HTTP. Whatever went wrong (refused address, no answer, too large, not JSON), the
   * caller learns only that the DID could not be resolved: the remote party chose the DID, and the reason would tell it
   * what answers inside our network. The reason goes to the log and stays on the error's cause.
   */
  private async resolveWeb(did: string): Promise<DIDResolution> {
    const url = didWebToUrl(did, this.outgoing.isTrusted);
    const unresolvable = (detail: string) => {
      this.opts.logger?.warn({ did, url, detail }, 'DID could not be resolved');
      return new NodeError('not_found', `DID ${did} could not be resolved`, { cause: new Error(detail) });
    };
    let res: Response;
    try {
      res = await this.outgoing.fetch(url, {
        purpose: 'DID document',
        headers: { accept: 'application/did+json, application/json', ...outgoingTraceHeaders() },
        timeoutMs: this.opts.fetchTimeoutMs ?? 5000,
        maxBytes: this.opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
      });
    } catch (e) {
      throw unresolvable((e as Error).message);
    }
    if (!res.ok) throw unresolvable(`${url} answered HTTP ${res.status}`);
    let doc: DIDDocument;
    try {
      doc = (await res.json()) as DIDDocument;
    } catch {
      throw unresolvable(`${url} did not return JSON`);
    }
    if (doc?.id !== did) throw unresolvable(`document id '${String(doc?.id).slice(0, 200)}' does not match`);
    return { document: doc, documentMetadata: {} };
  }

  /**
   * The verification method `didUrl` (or, for a bare DID, its first method under `relationship`) and its
   * imported public key. Fails when the method is not listed under `relationship`.
   */
  async resolveKey(didUrl: string, relationship: Relationship, alg?: string): Promise<ResolvedKey> {
    const { document } = await this.resolve(didUrl);
    const methods = methodsFor(document, relationship);
    const vm = didUrl.includes('#') ? methods.find((m) => m.id === didUrl || document.id + m.id === didUrl) : methods[0];
    if (!vm) throw notFound(`no ${relationship} key ${didUrl.includes('#') ? `'${didUrl}'` : ''} in DID document of ${document.id}`.replace('  ', ' '));
    if (!vm.publicKeyJwk) throw new NodeError('invalid_input', `verification method ${vm.id} has no publicKeyJwk`);
    const algorithm = alg ?? defaultAlg(vm.publicKeyJwk);
    const cacheKey = `${vm.id}|${algorithm}`;
    const cached = this.keys.get(cacheKey);
    if (cached && cached.doc.deref() === document) return { vm, key: cached.key, jwk: vm.publicKeyJwk };
    let key: JoseKey;
    try {
      key = (await importJWK(vm.publicKeyJwk, algorithm)) as JoseKey;
    } catch (e) {
      throw new NodeError('invalid_input', `key ${vm.id} cannot be used with ${algorithm}: ${(e as Error).message}`);
    }
    // a weak reference: an imported key must not keep an evicted (possibly large) document alive
    this.keys.set(cacheKey, { doc: new WeakRef(document), alg: algorithm, key }, cacheKey.length + JSON.stringify(vm.publicKeyJwk).length + 256);
    return { vm, key, jwk: vm.publicKeyJwk };
  }

  /** This resolver as a did-resolver `Resolvable`, for libraries such as Veramo. */
  asResolvable(): Resolvable {
    return {
      resolve: async (didUrl: string, _options?: DIDResolutionOptions): Promise<DIDResolutionResult> => {
        try {
          const r = await this.resolve(didUrl);
          return { didDocument: r.document as DIDResolutionResult['didDocument'], didDocumentMetadata: r.documentMetadata, didResolutionMetadata: { contentType: 'application/did+json' } };
        } catch (e) {
          const err = e as NodeError;
          return { didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error: err.code === 'invalid_input' ? 'invalidDid' : 'notFound', message: err.message } };
        }
      },
    };
  }
}

export function baseDid(didOrUrl: string): string {
  return didOrUrl.split('#')[0]!.split('?')[0]!;
}

function defaultAlg(jwk: JWK): string {
  if (jwk.kty === 'OKP') return 'EdDSA';
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
  if (jwk.kty === 'RSA') return jwk.alg ?? 'PS256';
  return jwk.alg ?? 'ES256';
}
