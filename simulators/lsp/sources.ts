// Simulated source systems: each a real FHIR server (own store, own port) the broker reaches over HTTP.
import express from 'express';
import { readFileSync } from 'node:fs';
import { openDatabase, type Database } from '../../node/src/store/index.js';
import { packagePath } from '../../node/src/core/index.js';
import { EmbeddedBackend, FhirService, FhirAuthoriser, ProfileValidator, SqlFhirRepository, fhirMigrations, fhirInternalRouter, type DemoSource, type FhirRepository, type FhirResource } from '../../node/src/fhir/index.js';
import { SourceServer, type SourceServerState } from './source-server.js';
import { blockOfResource, type BuildingBlock } from './building-blocks.js';
import { BSN_SYSTEM } from './bsn.js';

export interface SourceConfig {
  id: string;
  name: string;
  ura: string;
  /** zorgaanbiedertype, e.g. J8 openbare apotheek */
  organizationType: string;
  /** AORTA application id of the source system */
  appId: string;
  /** which part of the demo data set this source holds */
  demoData: DemoSource;
  latencyMs?: number;
  available?: boolean;
}

export interface AddressBookEntry {
  ura: string;
  name: string;
  organizationType: string;
}

export interface SourcesFile {
  sources: SourceConfig[];
  organizations: AddressBookEntry[];
}

export function loadSourcesFile(file: string | URL = packagePath('simulators', 'lsp', 'config', 'sources.json')): SourcesFile {
  return JSON.parse(readFileSync(file, 'utf8')) as SourcesFile;
}

/**
 * What the LSP holds of a source system, wherever it runs (in this process, or in the source process beside it): its
 * configuration and live state, the failure switches, and the store its data folders and imports are written to.
 */
export interface SourceSystem {
  readonly config: SourceConfig;
  /** the latency configured for this source (scenarios change the live value and reset to this) */
  readonly defaultLatencyMs: number;
  /** known once started */
  readonly fhirBase: string;
  readonly state: SourceServerState;
  setAvailable(available: boolean): Promise<void>;
  setLatency(ms: number): Promise<void>;
  /** Which building blocks this source holds for which BSN, read from its own store (what it would register at the LSP). */
  holdings(): Promise<Map<string, Set<BuildingBlock>>>;
  /** Writes resources (PUT by id), all or nothing. */
  put(resources: Array<FhirResource & { id: string }>): Promise<void>;
  list(resourceType: string): Promise<FhirResource[]>;
  read(resourceType: string, id: string): Promise<FhirResource | undefined>;
}

export class SimulatedSource implements SourceSystem {
  private database?: Database;
  repository!: FhirRepository;
  private server?: SourceServer;
  /** the latency configured for this source (scenarios change the live value and reset to this) */
  readonly defaultLatencyMs: number;

  /** `brokerSecret`: the per-start secret the LSP broker presents; nobody else is answered */
  constructor(
    readonly config: SourceConfig,
    private readonly brokerSecret: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.defaultLatencyMs = config.latencyMs ?? 0;
  }

  get fhirBase(): string {
    return `${this.server!.url}/fhir`;
  }

  get state(): SourceServerState {
    return this.server!.state;
  }

  async start(opts: { sqlite?: string } = {}): Promise<void> {
    this.database = await openDatabase({ sqlite: opts.sqlite ?? ':memory:' });
    await this.database.migrate(fhirMigrations);
    this.repository = new SqlFhirRepository({ db: this.database }, this.clock);
    const validator = new ProfileValidator();
    let base = '';
    // behind its secret the source trusts the broker like its own systems (the internal surface): the LSP has authorised and asked Mitz
    const service = new FhirService({ backend: new EmbeddedBackend(this.repository, validator, () => base), validator, authoriser: new FhirAuthoriser(), baseUrl: () => base, clock: this.clock });
    const app = express();
    app.disable('x-powered-by');
    app.use('/fhir', fhirInternalRouter(service, () => base.replace(/\/fhir$/, '')));
    this.server = new SourceServer(app, { secret: this.brokerSecret, available: this.config.available ?? true, latencyMs: this.defaultLatencyMs });
    await this.server.start();
    base = this.fhirBase;
    if (this.config.available === false) await this.server.setAvailable(false);
  }

  async put(resources: Array<FhirResource & { id: string }>): Promise<void> {
    await this.repository.atomically(async (tx) => {
      for (const r of resources) await tx.put(r);
    });
  }

  list(resourceType: string): Promise<FhirResource[]> {
    return this.repository.list(resourceType);
  }

  read(resourceType: string, id: string): Promise<FhirResource | undefined> {
    return this.repository.read(resourceType, id);
  }

  async holdings(): Promise<Map<string, Set<BuildingBlock>>> {
    const patients = new Map<string, string>();
    for (const p of await this.repository.list('Patient')) {
      const bsn = (p.identifier as Array<{ system?: string; value?: string }> | undefined)?.find((i) => i.system === BSN_SYSTEM)?.value;
      if (bsn) patients.set(p.id!, bsn);
    }
    const out = new Map<string, Set<BuildingBlock>>();
    for (const type of ['MedicationRequest', 'MedicationDispense', 'MedicationStatement', 'MedicationAdministration']) {
      for (const r of await this.repository.list(type)) {
        const block = blockOfResource(r as Parameters<typeof blockOfResource>[0]);
        const pid = String((r.subject as { reference?: string } | undefined)?.reference ?? '').replace(/^Patient\//, '');
        const bsn = patients.get(pid);
        if (!block || !bsn) continue;
        if (!out.has(bsn)) out.set(bsn, new Set());
        out.get(bsn)!.add(block.block);
      }
    }
    return out;
  }

  async setAvailable(available: boolean): Promise<void> {
    await this.server!.setAvailable(available);
  }

  async setLatency(ms: number): Promise<void> {
    this.server!.setLatency(ms);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    await this.database?.close();
  }
}
