// Test helper: the real store, crypto and audit engines on one SQLite database, without HTTP.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineSet } from '../../node/src/core/engine.js';
import { StoreEngine, type DatabaseOptions } from '../../node/src/store/index.js';
import { CryptoEngine } from '../../node/src/crypto/index.js';
import { AuditEngine, CHECKPOINT_KEY_FILE, IN_MEMORY_KEY, type AuditConfig, type AuditInput } from '../../node/src/audit/index.js';

/** Where the checkpoint key lives, as a node keeps it: next to a SQLite file; per schema for instances sharing one. */
function keyFileFor(db: string | DatabaseOptions): string {
  if (typeof db === 'string') return db === ':memory:' ? IN_MEMORY_KEY : path.join(path.dirname(db), CHECKPOINT_KEY_FILE);
  return path.join(tmpdir(), `nll-audit-key-${db.schema ?? 'public'}.json`);
}

export interface EngineHarness {
  audit: AuditEngine;
  store: StoreEngine;
  clock: { now: number };
  stop(): Promise<void>;
}

/** `db`: a SQLite path (default in-memory) or database options (PostgreSQL url + schema). */
export async function startAuditEngine(db: string | DatabaseOptions = ':memory:', config: Partial<AuditConfig> = {}, nodeName = 'unit'): Promise<EngineHarness> {
  const clock = { now: Date.parse('2026-03-14T09:00:00Z') };
  const store = new StoreEngine(typeof db === 'string' ? { sqlite: db } : db);
  const crypto = new CryptoEngine(store, () => clock.now);
  const audit = new AuditEngine(store, crypto, undefined, {
    clock: () => clock.now,
    nodeName,
    baseUrl: () => 'http://localhost:9999',
    config: { checkpointEverySeconds: 0, retentionCheckSeconds: 0, checkpointEveryRecords: 5, keyFile: keyFileFor(db), ...config },
  });
  const set = new EngineSet([store, crypto, audit]);
  await set.configure();
  await set.start();
  return { audit, store, clock, stop: () => set.stop() };
}

/** A complete, successful patient-data event as the FHIR layer would record it. */
export function fhirSearchInput(bsn = '999911120', over: Partial<AuditInput> = {}): AuditInput {
  return {
    event: 'fhir.search',
    actor: {
      userId: '900012345',
      userIdSystem: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers',
      userName: 'X. Voorbeeld',
      role: { code: '01.015', system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode', display: 'Huisarts' },
      organisation: { ura: '90000123', name: 'Zorggroep Y' },
      responsible: { id: '900054321', name: 'Dr. Z. Verantwoordelijk' },
      clientId: 'ecd-y',
    },
    patient: { bsn },
    object: { type: 'MedicationRequest', query: `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}` },
    authorisation: { protocol: 'https://example.org/autorisatieprotocol/v1', scope: 'medicatieoverdracht', purposeOfUse: 'TREAT', tokenId: '4f0c2b9e-8a7d-4d3e-b1c2-9e8f7a6b5c4d', credentials: [{ id: 'urn:uuid:cred-1', type: 'NutsUraCredential' }] },
    consent: { profile: 'https://example.org/toestemmingsprofiel/opt-in-medicatie', checks: { authorisation: true, treatmentRelation: true, consent: true, emergency: false } },
    client: { address: '203.0.113.10', system: 'https://ecd.example.org' },
    peer: { url: 'http://localhost:1234', ura: '90000123', name: 'Zorggroep Y' },
    ...over,
  };
}
