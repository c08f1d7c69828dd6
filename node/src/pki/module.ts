// PKI engine: trusted did:x509 roots, certificate bindings, and the X509 credential hooks the VCR engine is built with.
import type { Router } from 'express';
import type { Engine, HealthStatus } from '../core/engine.js';
import type { StoreEngine } from '../store/index.js';
import type { VdrEngine } from '../vdr/index.js';
import { pkiInternalRouter } from './api/internal.js';
import { X509Credentials } from './credential.js';
import type { X509DidMethod } from './method.js';
import { PkiService } from './service.js';
import { SqlPkiStore, pkiMigrations } from './store.js';
import type { TrustAnchors } from './trust.js';

export interface PkiOptions {
  clock: () => number;
  /** vcr.x509.trustedRoots: PEM files or directories of trusted did:x509 root CAs */
  trustedRoots: readonly string[];
  /** directory of the test PKI (pki.json) organisations are bound from */
  pkiDir: string;
}

/**
 * Built after the VDR engine (whose resolver already holds `didMethod`'s driver) and before the VCR engine, which is
 * given `credentials` as its x509 issuing and verifying hooks: no engine changes another after construction.
 */
export class PkiEngine implements Engine {
  readonly name = 'pki';
  readonly trust: TrustAnchors;
  readonly service: PkiService;
  readonly credentials: X509Credentials;

  constructor(store: StoreEngine, vdr: VdrEngine, didMethod: X509DidMethod, private readonly opts: PkiOptions) {
    store.register(pkiMigrations);
    this.trust = didMethod.trust;
    this.service = new PkiService(new SqlPkiStore(store), vdr.subjects, opts.pkiDir, opts.clock);
    this.credentials = new X509Credentials(vdr.resolver, didMethod, opts.clock, this.service.materialFor);
  }

  configure(): void {
    this.trust.load(this.opts.trustedRoots);
  }

  internalRouter(): Router {
    return pkiInternalRouter(this);
  }

  health(): HealthStatus {
    return { status: 'UP', details: { trustedRoots: this.trust.anchors().length } };
  }
}
