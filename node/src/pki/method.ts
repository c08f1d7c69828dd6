// did:x509 as a DID method of the node's resolver: the document comes from the certificate chain presented with a credential.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MethodDriver } from '../vdr/index.js';
import { resolveDidX509, type X509Resolution } from './didx509.js';
import { X509Failure } from './errors.js';
import type { TrustAnchors } from './trust.js';

interface ChainContext {
  x5c: unknown;
  at: Date;
  result?: X509Resolution;
}

/**
 * The driver takes the chain from the async context the verifier sets (`withChain`), so the resolver must never cache
 * its documents (`cache: false`). Built before the VDR engine, which receives `driver` as one of its methods.
 */
export class X509DidMethod {
  private readonly context = new AsyncLocalStorage<ChainContext>();

  constructor(readonly trust: TrustAnchors) {}

  readonly driver: MethodDriver = async (did) => {
    const ctx = this.context.getStore();
    if (!ctx) throw new X509Failure('x509', `${did} can only be resolved with the certificate chain that comes with it (the x5c header of the JWT being verified)`);
    if (ctx.result?.document.id !== did) ctx.result = await resolveDidX509(did, ctx.x5c, { trust: this.trust, at: ctx.at });
    return { document: ctx.result.document, documentMetadata: {} };
  };

  /** Runs `fn` with `x5c` as the chain did:x509 DIDs resolve with; returns its value and the last resolution. */
  async withChain<T>(x5c: unknown, at: Date, fn: () => Promise<T>): Promise<{ value: T; resolution?: X509Resolution }> {
    const ctx: ChainContext = { x5c, at };
    const value = await this.context.run(ctx, fn);
    return { value, ...(ctx.result ? { resolution: ctx.result } : {}) };
  }
}
