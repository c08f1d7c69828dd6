// PKI engine: trusted did:x509 roots, the did:x509 method on the node's resolver, certificate bindings, and the X509 hooks of the VCR.
import type { Router } from 'express';
import type { Engine, HealthStatus } from '../core/engine.js';
import type { StoreEngine } from '../store/index.js';
import type { VcrEngine } from '../vcr/index.js';
import type { VdrEngine } from '../vdr/index.js';
import { pkiInternalRouter } from './api/internal.js';
import { X509Credentials } from './credential.js';
import { PkiService } from './service.js';
import { SqlPkiStore, pkiMigrations } from './store.js';
import { TrustAnchors } from './trust.js';

export interface PkiOptions {
  clock: () => number;
  /** vcr.x509.trustedRoots: PEM files or directories of trusted did:x509 root CAs */
  trustedRoots: readonly string[];
  /** directory of the test PKI (pki.json) organisations are bound from */
  pkiDir: string;
}

export class PkiEngine implements Engine {
  readonly name = 'pki';
  readonly trust = new TrustAnchors();
  readonly service: PkiService;
  readonly credentials: X509Credentials;

  constructor(store: StoreEngine, vdr: VdrEngine, vcr: VcrEngine, private readonly opts: PkiOptions) {
    store.register(pkiMigrations);
    this.service = new PkiService(new SqlPkiStore(store), vdr.subjects, opts.pkiDir, opts.clock);
    this.credentials = new X509Credentials(vdr.resolver, this.trust, opts.clock, this.service.materialFor);
    vdr.resolver.registerMethod('x509', this.credentials.driver, { cache: false });
    vcr.issuer.x509Issuing = this.credentials.plan;
    vcr.verifier.x509 = this.credentials.verify;
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
