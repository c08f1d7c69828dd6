// Audit engine: owns the store, the recorder, the checkpoint key and timers (checkpoints every N records / T seconds,
// retention of closed periods), and the read side (query, overview, export, verify).
import type { Engine, HealthStatus } from '../core/engine.js';
import type { CryptoEngine, KeyType } from '../crypto/index.js';
import type { StoreEngine } from '../store/index.js';
import type { VdrEngine } from '../vdr/index.js';
import { verifyChain, type CheckpointKey, type StoredCheckpoint, type VerifyResult } from './chain.js';
import { checkpointKid, ensureCheckpointKey, signCheckpoint } from './checkpoint.js';
import { overviewEntries, type OverviewEntry } from './overview.js';
import type { AuditFilter, AuditRecord } from './record.js';
import { AuditRecorder } from './recorder.js';
import { auditMigrations, iterateRecords, SqlAuditStore, type AuditStore, type ChainHead } from './store.js';
import { ndjsonExportLines } from './ndjson.js';

export interface AuditConfig {
  /** keep records at least this long (NEN 7513 / Stcrt. 2019-38007: 5 years from writing) */
  retentionDays: number;
  /** sign a checkpoint after this many records */
  checkpointEveryRecords: number;
  /** and at least this often while records arrive; 0 disables the timer */
  checkpointEverySeconds: number;
  /** how often the retention job runs; 0 disables it */
  retentionCheckSeconds: number;
}

export const DEFAULT_AUDIT_CONFIG: AuditConfig = { retentionDays: 1826, checkpointEveryRecords: 100, checkpointEverySeconds: 60, retentionCheckSeconds: 86_400 };

export interface AuditEngineOptions {
  clock: () => number;
  nodeName: string;
  config?: Partial<AuditConfig>;
  /** this node's public base URL (identifies the log source in exported AuditEvents) */
  baseUrl?: () => string;
  keyType?: KeyType;
  /** storage override (tests, other backends); default the SQL store on the node database */
  auditStore?: AuditStore;
}

export class AuditEngine implements Engine {
  readonly name = 'audit';
  readonly store: AuditStore;
  readonly recorder: AuditRecorder;
  readonly config: AuditConfig;
  readonly kid: string;
  private key?: CheckpointKey;
  private lastCheckpointSeq = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    storeEngine: StoreEngine,
    private readonly crypto: CryptoEngine,
    // the VDR is taken for the composition root's uniform wiring; checkpoints are signed with a node key, not a DID key
    _vdr: VdrEngine | undefined,
    private readonly opts: AuditEngineOptions,
  ) {
    storeEngine.register(auditMigrations);
    this.config = { ...DEFAULT_AUDIT_CONFIG, ...opts.config };
    this.store = opts.auditStore ?? new SqlAuditStore(storeEngine);
    this.kid = checkpointKid(opts.nodeName);
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

  async start(): Promise<void> {
    this.key = await ensureCheckpointKey(this.crypto.service, this.kid, this.opts.keyType ?? 'P-256');
    const cps = await this.store.checkpoints();
    this.lastCheckpointSeq = cps.length ? cps[cps.length - 1]!.seq : 0;
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
    // close the open period so a clean shutdown leaves the whole chain signed
    await this.checkpoint().catch(() => {});
  }

  health(): HealthStatus {
    return { status: this.key ? 'UP' : 'DOWN', details: { lastCheckpointSeq: this.lastCheckpointSeq } };
  }

  /** Public key checkpoints are verified with. */
  publicKey(): CheckpointKey {
    if (!this.key) throw new Error('audit engine not started');
    return this.key;
  }

  /** Signs the current head, unless it is already signed. */
  checkpoint(): Promise<StoredCheckpoint | undefined> {
    return this.recorder.serialised(() => this.checkpointUnlocked());
  }

  private async checkpointUnlocked(at?: ChainHead): Promise<StoredCheckpoint | undefined> {
    const head = at ?? (await this.store.head());
    if (!head || head.seq <= this.lastCheckpointSeq) return undefined;
    const cp = await signCheckpoint(this.crypto.service, this.kid, this.opts.nodeName, head, this.opts.clock());
    await this.store.addCheckpoint(cp);
    this.lastCheckpointSeq = cp.seq;
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

  async verify(): Promise<VerifyResult> {
    return await verifyChain(this.store.rows(), await this.store.checkpoints(), this.key, this.opts.nodeName);
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
    yield* ndjsonExportLines({ node: this.opts.nodeName, exportedAt: this.opts.clock(), filter, key: this.key }, await this.store.checkpoints(), this.iterate(filter));
  }
}
