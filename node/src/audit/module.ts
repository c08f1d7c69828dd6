// Audit engine: owns the store, the recorder, the checkpoint key and timers (checkpoints every N records / T seconds,
// retention of closed periods), and the read side (query, overview, export, verify).
import type { Engine, HealthStatus } from '../core/engine.js';
import type { Kysely } from 'kysely';
import { SqlKeyStore, type CryptoEngine, type KeyType } from '../crypto/index.js';
import type { StoreEngine } from '../store/index.js';
import type { VdrEngine } from '../vdr/index.js';
import type { Logger } from '../core/logger.js';
import { verifyChain, type CheckpointKey, type StoredCheckpoint, type VerifyResult, type WitnessEvidence } from './chain.js';
import { checkpointKid, signCheckpoint } from './checkpoint.js';
import { IN_MEMORY_KEY, loadCheckpointSigner, type CheckpointSigner } from './keyfile.js';
import { fetchWitnessLog, Witness, WitnessClient, WitnessStore, witnessEvidence } from './witness.js';
import { overviewEntries, type OverviewEntry } from './overview.js';
import type { AuditFilter, AuditRecord } from './record.js';
import { AuditRecorder } from './recorder.js';
import { auditMigrations, iterateRecords, SqlAuditStore, type AuditStore, type AuditTables, type ChainHead } from './store.js';
import { isCompleteFilter, ndjsonExportLines } from './ndjson.js';

export interface AuditConfig {
  /** keep records at least this long (NEN 7513 / Stcrt. 2019-38007: 5 years from writing) */
  retentionDays: number;
  /** sign a checkpoint after this many records */
  checkpointEveryRecords: number;
  /** and at least this often while records arrive; 0 disables the timer */
  checkpointEverySeconds: number;
  /** how often the retention job runs; 0 disables it */
  retentionCheckSeconds: number;
  /**
   * where the checkpoint signing key lives, outside the audit database: a JSON key file (mode 0600), or ':memory:'
   * (in-memory nodes and tests; a restart then signs with a new key)
   */
  keyFile: string;
  /** internal base URLs of the peers that witness (countersign) this node's checkpoints */
  witnesses: string[];
  /** timeout of one call to a witness */
  witnessTimeoutMs: number;
}

export const DEFAULT_AUDIT_CONFIG: AuditConfig = { retentionDays: 1826, checkpointEveryRecords: 100, checkpointEverySeconds: 60, retentionCheckSeconds: 86_400, keyFile: IN_MEMORY_KEY, witnesses: [], witnessTimeoutMs: 3000 };

export interface AuditEngineOptions {
  clock: () => number;
  nodeName: string;
  config?: Partial<AuditConfig>;
  /** this node's public base URL (identifies the log source in exported AuditEvents) */
  baseUrl?: () => string;
  keyType?: KeyType;
  /** storage override (tests, other backends); default the SQL store on the node database */
  auditStore?: AuditStore;
  fetch?: typeof fetch;
  logger?: Logger;
}

export class AuditEngine implements Engine {
  readonly name = 'audit';
  readonly store: AuditStore;
  readonly recorder: AuditRecorder;
  readonly config: AuditConfig;
  readonly kid: string;
  /** this node as witness of other nodes' logs */
  readonly witness: Witness;
  /** this node's checkpoints sent to its witnesses */
  readonly witnessClient: WitnessClient;
  private signer?: CheckpointSigner;
  private lastCheckpointSeq = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    storeEngine: StoreEngine,
    // the checkpoint key is not a crypto-engine key: it must not live in the database the log lives in
    _crypto: CryptoEngine,
    // the VDR is taken for the composition root's uniform wiring; checkpoints are signed with a node key, not a DID key
    _vdr: VdrEngine | undefined,
    private readonly opts: AuditEngineOptions,
  ) {
    storeEngine.register(auditMigrations);
    this.config = { ...DEFAULT_AUDIT_CONFIG, ...opts.config };
    this.store = opts.auditStore ?? new SqlAuditStore(storeEngine);
    this.kid = checkpointKid(opts.nodeName);
    const db = () => storeEngine.db.db as Kysely<AuditTables>;
    this.legacyKeys = new SqlKeyStore(storeEngine);
    this.witness = new Witness(opts.nodeName, new WitnessStore(db), () => this.requireSigner(), opts.clock);
    this.witnessClient = new WitnessClient(
      {
        node: opts.nodeName,
        key: () => this.publicKey(),
        checkpoints: () => this.store.checkpoints(),
        links: (after, through) => this.store.links(after, through),
        timeoutMs: this.config.witnessTimeoutMs,
        fetch: opts.fetch,
        onError: (url, message) => opts.logger?.warn({ witness: url, err: message }, 'audit checkpoint not witnessed (retried with the next checkpoint)'),
      },
      [...this.config.witnesses],
    );
    this.recorder = new AuditRecorder(this.store, {
      clock: opts.clock,
      nodeName: opts.nodeName,
      nodeUrl: () => {
        try {
          return opts.baseUrl?.();
        } catch {
          return undefined;
        }
      },
      afterAppend: async (records) => {
        // sign exactly every N records, also when a group commit crossed a boundary in its middle
        for (const r of records) if (r.seq - this.lastCheckpointSeq >= this.config.checkpointEveryRecords) await this.checkpointUnlocked(r);
      },
    });
  }

  private readonly legacyKeys: SqlKeyStore;

  private requireSigner(): CheckpointSigner {
    if (!this.signer) throw new Error('audit engine not started');
    return this.signer;
  }

  async start(): Promise<void> {
    this.signer = await loadCheckpointSigner({ file: this.config.keyFile, kid: this.kid, keyType: this.opts.keyType ?? 'P-256', legacy: this.legacyKeys, now: this.opts.clock() });
    const cps = await this.store.checkpoints();
    this.lastCheckpointSeq = cps.length ? cps[cps.length - 1]!.seq : 0;
    // checkpoints signed while a witness was unreachable (or before a restart) go out now
    if (this.witnessClient.witnesses.length) void this.witnessClient.sync();
    if (this.config.checkpointEverySeconds > 0) {
      this.timers.push(setInterval(() => void this.checkpoint().catch(() => {}), this.config.checkpointEverySeconds * 1000).unref());
    }
    if (this.config.retentionCheckSeconds > 0) {
      await this.applyRetention().catch(() => {});
      this.timers.push(setInterval(() => void this.applyRetention().catch(() => {}), this.config.retentionCheckSeconds * 1000).unref());
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // close the open period so a clean shutdown leaves the whole chain signed, and witnessed when a witness is up
    await this.checkpoint().catch(() => {});
    await this.witnessClient.sync();
  }

  health(): HealthStatus {
    return { status: this.signer ? 'UP' : 'DOWN', details: { lastCheckpointSeq: this.lastCheckpointSeq, ...(this.witnessClient.witnesses.length ? { witnesses: this.witnessClient.status() } : {}) } };
  }

  /** Public key checkpoints are verified with. */
  publicKey(): CheckpointKey {
    return this.requireSigner().key;
  }

  /** Adds a peer (internal base URL) that witnesses this node's checkpoints, e.g. once its port is known. */
  addWitness(url: string): void {
    this.witnessClient.add(url);
    void this.witnessClient.sync();
  }

  /** Signs the current head, unless it is already signed. */
  checkpoint(): Promise<StoredCheckpoint | undefined> {
    return this.recorder.serialised(() => this.checkpointUnlocked());
  }

  private async checkpointUnlocked(at?: ChainHead): Promise<StoredCheckpoint | undefined> {
    const head = at ?? (await this.store.head());
    if (!head || head.seq <= this.lastCheckpointSeq) return undefined;
    const cp = await signCheckpoint(this.requireSigner(), this.opts.nodeName, head, this.opts.clock());
    await this.store.addCheckpoint(cp);
    this.lastCheckpointSeq = cp.seq;
    // witnessing runs outside the append queue: a slow or absent peer never holds up recording
    if (this.witnessClient.witnesses.length) void this.witnessClient.sync();
    return cp;
  }

  /**
   * Removes whole closed periods: every record up to the newest checkpoint signed before the retention cut-off.
   * The checkpoints stay, so the remaining chain still starts from a signed anchor; the purge is itself recorded.
   */
  async applyRetention(now = this.opts.clock()): Promise<{ removedThroughSeq?: number; removed: number }> {
    const cutoff = now - this.config.retentionDays * 86_400_000;
    const cps = await this.store.checkpoints();
    const closed = cps.filter((c) => c.createdAt < cutoff).pop();
    const first = await this.store.firstSeq();
    if (!closed || first === undefined || first > closed.seq) return { removed: 0 };
    const removed = await this.store.deleteThrough(closed.seq);
    await this.recorder.record({
      event: 'audit.retention',
      actor: { userId: `node:${this.opts.nodeName}:retention`, kind: 'process' },
      object: { type: 'AuditLog', description: `removed records seq ${first}..${closed.seq} (closed by checkpoint signed ${new Date(closed.createdAt).toISOString()}); retention ${this.config.retentionDays} days` },
    });
    return { removedThroughSeq: closed.seq, removed };
  }

  /**
   * Chain, checkpoints, indexed columns, and what each configured witness holds of this log. A witness that cannot be
   * reached is reported in `witnessErrors` (the log is then only as good as its own checkpoints).
   */
  async verify(): Promise<VerifyResult & { witnessErrors?: string[]; witnessesChecked: number }> {
    const evidence: WitnessEvidence[] = [];
    const errors: string[] = [];
    for (const url of this.witnessClient.witnesses) {
      const w = await fetchWitnessLog(url, this.opts.nodeName, { timeoutMs: this.config.witnessTimeoutMs, fetch: this.opts.fetch });
      if (!w.log) {
        errors.push(w.error!);
        continue;
      }
      const e = await witnessEvidence(w.log, this.signer?.key, w.witnessKey);
      if (e.problem) return { ok: false, records: 0, checkpoints: 0, firstBroken: { seq: 0, reason: 'witness_key', message: e.problem }, witnessesChecked: evidence.length };
      evidence.push(e.evidence!);
    }
    const result = await verifyChain(this.store.rows(), await this.store.checkpoints(), this.signer?.key, this.opts.nodeName, evidence);
    // how many witnesses' copies the chain was held against (0 when none is configured or reachable)
    return errors.length ? { ...result, witnessesChecked: evidence.length, witnessErrors: errors } : { ...result, witnessesChecked: evidence.length };
  }

  async overview(bsn: string, range: { from?: number; to?: number } = {}): Promise<OverviewEntry[]> {
    const all: AuditRecord[] = [];
    for await (const r of this.iterate({ patient: bsn, ...range })) all.push(r);
    return overviewEntries(all);
  }

  /** Every record matching `filter`, in chain order. */
  iterate(filter: AuditFilter = {}): AsyncIterable<AuditRecord> {
    return iterateRecords(this.store, filter);
  }

  /** NDJSON export (see ndjson.ts); only an unfiltered export verifies on its own. */
  async *exportNdjson(filter: AuditFilter = {}): AsyncIterable<string> {
    // a complete export carries each row's indexed columns, so a remote verifier checks them too
    const records = isCompleteFilter(filter) ? this.store.rows() : this.iterate(filter);
    yield* ndjsonExportLines({ node: this.opts.nodeName, exportedAt: this.opts.clock(), filter, key: this.signer?.key }, await this.store.checkpoints(), records);
  }
}
