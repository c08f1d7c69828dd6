// Discovery engine: loads service definitions at configure time, serves the lists it is server for, and refreshes the client copy periodically.
import type { Engine, HealthStatus } from '../core/engine.js';
import type { Logger } from '../core/logger.js';
import type { CryptoEngine } from '../crypto/index.js';
import type { StoreEngine } from '../store/index.js';
import type { VdrEngine } from '../vdr/index.js';
import type { VcrPort } from '../auth/ports.js';
import { DiscoveryClient } from './client.js';
import { loadServiceDefinitions, type ServiceDefinition } from './definitions.js';
import { DiscoveryServer } from './server.js';
import { SqlDiscoveryStore, discoveryMigrations } from './store.js';

export interface DiscoveryOptions {
  directory: string;
  serverIds: string[];
  refreshIntervalMs: number;
  baseUrl: () => string;
  clock: () => number;
  fetch: typeof fetch;
  logger: Logger;
  /** registrations are verified like token requests: auth.requireTrustedIssuers applies to them too */
  requireTrustedIssuers?: boolean;
}

export class DiscoveryEngine implements Engine {
  readonly name = 'discovery';
  readonly server: DiscoveryServer;
  readonly client: DiscoveryClient;
  private defs?: Map<string, ServiceDefinition>;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;

  constructor(store: StoreEngine, crypto: CryptoEngine, vdr: VdrEngine, vcr: () => VcrPort, private readonly o: DiscoveryOptions) {
    store.register(discoveryMigrations);
    const s = new SqlDiscoveryStore(store);
    this.server = new DiscoveryServer(() => this.definitions, () => o.serverIds, s, () => vcr().verifier, o.clock, o.requireTrustedIssuers ?? false);
    this.client = new DiscoveryClient({ definitions: () => this.definitions, server: this.server, store: s, subjects: vdr.subjects, crypto: crypto.service, vcr, fetch: o.fetch, clock: o.clock, baseUrl: o.baseUrl, logger: o.logger, requireTrustedIssuers: o.requireTrustedIssuers });
  }

  get definitions(): Map<string, ServiceDefinition> {
    this.defs ??= loadServiceDefinitions(this.o.directory);
    return this.defs;
  }

  configure(): void {
    this.defs = loadServiceDefinitions(this.o.directory);
    for (const id of this.o.serverIds) if (!this.defs.has(id)) throw new Error(`discovery.serverIds names '${id}', which has no definition in ${this.o.directory}`);
  }

  start(): void {
    this.timer = setInterval(() => void this.refreshNow(), this.o.refreshIntervalMs);
    this.timer.unref();
  }

  /** One refresh at a time; callers (tests, the API) can await the next one. */
  refreshNow(): Promise<void> {
    this.refreshing ??= this.client.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing?.catch(() => {});
  }

  health(): HealthStatus {
    return { status: 'UP', details: { services: [...this.definitions.keys()], serving: this.o.serverIds } };
  }
}
