// VDR engine: subjects with did:web documents plus the DID resolver, wired to the store and crypto engines.
import type { Engine, HealthStatus } from '../core/engine.js';
import type { CryptoEngine, KeyType } from '../crypto/index.js';
import type { StoreEngine } from '../store/index.js';
import { DidResolver, type ResolverOptions } from './resolver.js';
import { SubjectService } from './service.js';
import { SqlSubjectStore, vdrMigrations } from './store.js';

export interface VdrOptions {
  baseUrl: () => string;
  clock: () => number;
  keyType: KeyType;
  resolver: Omit<ResolverOptions, 'local' | 'clock'>;
}

export class VdrEngine implements Engine {
  readonly name = 'vdr';
  private subjectService?: SubjectService;
  readonly resolver: DidResolver;

  constructor(
    private readonly store: StoreEngine,
    private readonly crypto: CryptoEngine,
    private readonly opts: VdrOptions,
  ) {
    store.register(vdrMigrations);
    this.resolver = new DidResolver({ ...opts.resolver, clock: opts.clock, local: (did) => this.subjects.resolveLocal(did) });
  }

  get subjects(): SubjectService {
    this.subjectService ??= new SubjectService(new SqlSubjectStore(this.store), this.crypto.service, this.opts.baseUrl, this.opts.clock, this.opts.keyType);
    return this.subjectService;
  }

  health(): HealthStatus {
    return { status: 'UP', details: { cache: this.resolver.stats } };
  }
}
