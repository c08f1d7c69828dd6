// FHIR engine: embedded store (or upstream) + profile validator + authoriser behind one FhirService, wired by main.ts.
import type { Engine, HealthStatus } from '../core/engine.js';
import type { Logger } from '../core/logger.js';
import type { StoreEngine } from '../store/index.js';
import { EmbeddedBackend, type FhirBackend } from './backend.js';
import { FhirAuthoriser, type AccessTokenVerifier, type ConsentHook } from './authz.js';
import type { FhirAuditHook } from './audit.js';
import { fhirMigrations, SqlFhirRepository, type FhirRepository } from './store.js';
import { FhirService } from './service.js';
import { ResourceValidator } from './validator.js';
import { setServerTimeZone } from './dates.js';
import { UpstreamBackend } from './upstream.js';

export interface FhirEngineOptions {
  /** public base URL of the node; the FHIR base is `<url>/fhir` */
  baseUrl: () => string;
  clock: () => number;
  /** forward authorised interactions to this FHIR server instead of the embedded store */
  upstream?: string;
  verifier?: AccessTokenVerifier;
  consent?: ConsentHook;
  audit?: FhirAuditHook;
  /** the embedded store's repository when the composition root built it (so a plug-in can use it); default built here */
  repository?: FhirRepository;
  /** replaces the backend (the mock LSP brokers searches to its sources); receives the embedded one for local types */
  backend?: (embedded: FhirBackend) => FhirBackend;
  version: string;
  /** IANA zone for dates without a zone (default Europe/Amsterdam) */
  timeZone?: string;
  /** folders of StructureDefinitions to validate against (loaded on first use) */
  profileDirs?: string[];
  /** reports accesses that could not be recorded (error level, with the request id) */
  logger?: Logger;
}

export class FhirEngine implements Engine {
  readonly name = 'fhir';
  /** the embedded store (also used to seed demo data when no upstream is configured) */
  readonly repository: FhirRepository;
  readonly service: FhirService;
  readonly backend: FhirBackend;

  constructor(store: StoreEngine, readonly opts: FhirEngineOptions) {
    // one zone per process: every node of a lab network serves the same (Dutch) users
    if (opts.timeZone) setServerTimeZone(opts.timeZone);
    store.register(fhirMigrations);
    this.repository = opts.repository ?? new SqlFhirRepository(store, opts.clock);
    const validator = new ResourceValidator(undefined, opts.profileDirs ?? []);
    const fhirBase = () => `${opts.baseUrl()}/fhir`;
    const embedded = new EmbeddedBackend(this.repository, validator, fhirBase);
    const base = opts.upstream ? new UpstreamBackend(opts.upstream, fhirBase) : embedded;
    this.backend = opts.backend ? opts.backend(embedded) : base;
    this.service = new FhirService({
      backend: this.backend,
      validator,
      authoriser: new FhirAuthoriser(),
      baseUrl: fhirBase,
      clock: opts.clock,
      verifier: opts.verifier,
      consent: opts.consent,
      audit: opts.audit,
      software: { name: 'nuts-lsp-lab', version: opts.version },
      logger: opts.logger,
    });
  }

  health(): HealthStatus {
    return { status: 'UP', details: { backend: this.backend.kind, ...(this.opts.upstream ? { upstream: this.opts.upstream } : {}) } };
  }
}
