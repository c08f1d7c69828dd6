// Public face of the audit capability (NEN 7513 access log).
export { AuditEngine, DEFAULT_AUDIT_CONFIG, type AuditConfig, type AuditEngineOptions } from './module.js';
export { AuditRecorder, hashToken } from './recorder.js';
export { AUDIT_EVENTS, AUDIT_EVENT_CODES, EVENT_CODE_SYSTEM, eventDefinition, isAuditEventCode, type AuditAction, type AuditEventCode, type OutcomeCode } from './events.js';
export { AuditInputSchema, GENESIS_HASH, type AuditActor, type AuditFilter, type AuditInput, type AuditRecord } from './record.js';
export { AuditError, auditFailure503, isAuditUnavailable, AUDIT_UNAVAILABLE_MESSAGE, type AuditErrorReason } from './errors.js';
export { canonicalize, sha256Hex } from './canonical.js';
export { recordHash, verifyChain, type VerifyResult, type StoredCheckpoint, type CheckpointKey, type StoredRow, type WitnessEvidence, type ChainLink } from './chain.js';
export { SqlAuditStore, auditMigrations, iterateRecords, type AuditStore, type ChainHead } from './store.js';
export { toAuditEvent, toAuditBundle, balpProfile } from './fhir.js';
export { overviewEntries, overviewPage, type OverviewEntry, type OverviewPage } from './overview.js';
export { isCompleteFilter, parseNdjsonExport, verifyNdjsonExport, ndjsonExportLines, NDJSON_HEADER_KIND } from './ndjson.js';
export { checkpointKid, checkpointKidOf } from './checkpoint.js';
export { CHECKPOINT_KEY_FILE, IN_MEMORY_KEY, readPublicKeyFile } from './keyfile.js';
export { Witness, WitnessClient, fetchWitnessLog, witnessEvidence, type WitnessedLog, type WitnessedHead } from './witness.js';
export { auditRouter, filterFromQuery, readerFromRequest } from './api/internal.js';
export { fhirAuditHook, fhirAccessToAuditInputs, type FhirAccessEvent, type FhirHookOptions } from './fhir-hook.js';
export { actorOf, type ActorFacts } from './actor.js';
