// Crypto engine: owns the key store and the signing service.
import type { Engine, HealthStatus } from '../core/engine.js';
import type { StoreEngine } from '../store/index.js';
import { CryptoService } from './service.js';
import { SqlKeyStore, cryptoMigrations } from './store.js';

export class CryptoEngine implements Engine {
  readonly name = 'crypto';
  private svc?: CryptoService;

  constructor(
    private readonly store: StoreEngine,
    private readonly clock: () => number,
  ) {
    store.register(cryptoMigrations);
  }

  get service(): CryptoService {
    this.svc ??= new CryptoService(new SqlKeyStore(this.store), this.clock);
    return this.svc;
  }

  health(): HealthStatus {
    return { status: 'UP' };
  }
}
