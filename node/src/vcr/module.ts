// VCR engine: wires issuer, verifier, holder, wallet, revocation and trust over the store, crypto and VDR engines.
import type { Router } from 'express';
import type { Engine, HealthStatus } from '../core/engine.js';
import type { Logger } from '../core/logger.js';
import type { CryptoEngine } from '../crypto/index.js';
import type { StoreEngine } from '../store/index.js';
import type { VdrEngine } from '../vdr/index.js';
import { vcrInternalRouter } from './api/internal.js';
import { statusListRouter } from './api/public.js';
import { Holder, Wallet } from './holder.js';
import { Issuer, type VcrAuditPort, type X509Issuing } from './issuer.js';
import { RevocationService } from './revocation.js';
import { SqlVcrStore, vcrMigrations, type VcrStore } from './store.js';
import { TrustList } from './trust.js';
import { Verifier, type X509JwtVerifier } from './verifier.js';
import { DeziVerifier } from './dezi.js';

export interface VcrOptions {
  clock: () => number;
  fetch?: typeof fetch;
  baseUrl: () => string;
  /** upper bound on how long a fetched remote status list is used (default 15 min; the issuer's max-age can shorten it, never past its expiry) */
  statusListCacheMs?: number;
  /** Cache-Control max-age this node serves on its own status lists (default 5 s) */
  statusListMaxAgeSeconds?: number;
  /** NEN 7513 log of issuance and revocation (the audit module's recorder) */
  audit?: VcrAuditPort;
  /** where reasons of failed status-list fetches go (the remote caller only learns the list could not be fetched) */
  logger?: Pick<Logger, 'warn'>;
  /** DeziUserCredentials: the verklaring key sets (jku URLs) accepted (nuts-node vcr.dezi.allowedjku) and how they and statuses are fetched */
  dezi?: { allowedJku: readonly string[]; fetch?: typeof fetch };
  /** X509Credential issuing and did:x509 verification (the PKI engine's `credentials`); without it both are refused */
  x509?: { plan: X509Issuing; verify: X509JwtVerifier };
}

export class VcrEngine implements Engine {
  readonly name = 'vcr';
  readonly store: VcrStore;
  readonly trust: TrustList;
  readonly revocation: RevocationService;
  readonly verifier: Verifier;
  readonly issuer: Issuer;
  readonly wallet: Wallet;
  readonly holder: Holder;

  private readonly statusListMaxAgeSeconds: number;

  constructor(storeEngine: StoreEngine, crypto: CryptoEngine, vdr: VdrEngine, opts: VcrOptions) {
    this.statusListMaxAgeSeconds = opts.statusListMaxAgeSeconds ?? 5;
    storeEngine.register(vcrMigrations);
    this.store = new SqlVcrStore(storeEngine);
    this.trust = new TrustList(this.store);
    // revocation needs to sign (issuer) and verify (verifier) list credentials; both are built right after it
    this.revocation = new RevocationService({
      store: this.store,
      baseUrl: opts.baseUrl,
      clock: opts.clock,
      fetch: opts.fetch ?? fetch,
      cacheTtlMs: opts.statusListCacheMs,
      logger: opts.logger,
      signList: async (type, unsigned) => {
        const key = await vdr.subjects.signingKey(unsigned.issuer as string);
        if (type === 'StatusList2021') return this.issuer.signLd(unsigned, key.kid, 'assertionMethod');
        const { '@context': ctx, id, type: types, issuer, issuanceDate, expirationDate, credentialSubject } = unsigned;
        const claims = { iss: issuer as string, jti: id as string, nbf: Date.parse(issuanceDate as string) / 1000, exp: Date.parse(expirationDate as string) / 1000, vc: { '@context': ctx, type: types, credentialSubject } };
        return crypto.service.signJwt(claims, key.kid, { headerKid: key.kid });
      },
      verifyList: (vc) => this.verifier.verifyCredential(vc, { checkRevocation: false }),
    });
    const dezi = new DeziVerifier({ allowedJku: opts.dezi?.allowedJku ?? [], fetch: opts.dezi?.fetch ?? opts.fetch, clock: opts.clock });
    this.verifier = new Verifier(vdr.resolver, this.revocation, this.trust, opts.clock, dezi, opts.x509?.verify);
    this.issuer = new Issuer(this.store, crypto.service, vdr.subjects, this.revocation, opts.clock, opts.audit, opts.x509?.plan);
    this.wallet = new Wallet(this.store, vdr.subjects, opts.clock, this.trust.noteIssuer, (vc) => this.verifier.verifyCredential(vc, { checkRevocation: true }));
    this.holder = new Holder(crypto.service, vdr.subjects, this.issuer, opts.clock);
  }

  internalRouter(): Router {
    return vcrInternalRouter(this);
  }

  publicRouter(): Router {
    return statusListRouter(this.revocation, this.statusListMaxAgeSeconds);
  }

  health(): HealthStatus {
    return { status: 'UP', details: { statusLists: this.revocation.stats } };
  }
}
