// Hash chain and signed checkpoints: how a record's hash is computed, and the verifier that names the first break.
import { compactVerify, importJWK, type JWK } from 'jose';
import { canonicalize, sha256Hex } from './canonical.js';
import { GENESIS_HASH, type AuditRecord } from './record.js';

/** One link of the hash chain without the record: enough to check the chain between two heads, no patient data. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

/** SHA-256 over the RFC 8785 form of the record without its own `hash`. */
export function recordHash(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  if (!('hash' in record)) return sha256Hex(canonicalize(record));
  const { hash: _omit, ...body } = record;
  return sha256Hex(canonicalize(body));
}

/** What a checkpoint JWS signs: the chain head at `seq`. */
export interface CheckpointPayload {
  typ: 'nuts-lsp-lab/audit-checkpoint';
  node: string;
  seq: number;
  hash: string;
  /** ISO time the checkpoint was made */
  iat: string;
}

export interface StoredCheckpoint {
  seq: number;
  hash: string;
  createdAt: number;
  jws: string;
}

/** The public key checkpoints are verified with (published at /internal/audit/v1/key and in every export). */
export interface CheckpointKey {
  kid: string;
  alg: string;
  publicJwk: JWK;
}

export type BreakReason =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'sequence_gap'
  | 'out_of_order'
  | 'column_mismatch'
  | 'unparseable'
  | 'checkpoint_signature'
  | 'checkpoint_mismatch'
  | 'unanchored_start'
  | 'witness_key'
  | 'witness_mismatch'
  | 'witness_truncated';

/** The heads a witness countersigned for this log (already checked against the witness's and the node's keys). */
export interface WitnessEvidence {
  witness: string;
  heads: Array<{ seq: number; hash: string; receivedAt: number }>;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  /** the first record (or checkpoint) where the chain does not hold */
  firstBroken?: { seq: number; id?: string; reason: BreakReason; message: string };
  /** last sequence number covered by a valid signed checkpoint */
  lastCheckpointSeq?: number;
  /** per witness consulted: the last head it countersigned that the log still matches */
  witnessed?: Array<{ witness: string; heads: number; throughSeq?: number }>;
}

/** A record as read back from storage or an export line, with the row-level fields it was stored under. */
export interface StoredRow {
  seq: number;
  /** the record as stored; `undefined` when it could not be parsed */
  record?: AuditRecord;
  /** indexed columns next to the body, which must agree with it */
  columns?: Partial<Pick<AuditRecord, 'id' | 'event' | 'hash' | 'prevHash'>> & { patient?: string | null; user?: string | null; organisation?: string | null; traceId?: string | null };
  error?: string;
}

/**
 * Verifies an ordered sequence of records plus checkpoints. Detects a changed record (its hash), a deleted one (a gap
 * in `seq` and a `prevHash` that does not match), reordering (`seq` not increasing, or a body whose `seq` is not the
 * row's), and a rewritten stretch whose hashes were recomputed (a signed checkpoint no longer matches). The first
 * record after a retention purge must chain onto a signed checkpoint.
 */
export async function verifyChain(rows: Iterable<StoredRow> | AsyncIterable<StoredRow>, checkpoints: StoredCheckpoint[], key: CheckpointKey | undefined, node?: string, witnesses: WitnessEvidence[] = []): Promise<VerifyResult> {
  const result: VerifyResult = { ok: true, records: 0, checkpoints: 0 };
  if (witnesses.length) result.witnessed = witnesses.map((w) => ({ witness: w.witness, heads: w.heads.length }));
  // seq -> what each witness holds there: the log must still have exactly that head
  const witnessedAt = new Map<number, Array<{ witness: string; hash: string; receivedAt: number }>>();
  for (const w of witnesses) for (const h of w.heads) witnessedAt.set(h.seq, [...(witnessedAt.get(h.seq) ?? []), { witness: w.witness, hash: h.hash, receivedAt: h.receivedAt }]);
  const witnessFail = (seq: number, found: string | undefined, id?: string) => {
    const w = witnessedAt.get(seq)!.find((x) => x.hash !== found)!;
    return fail(seq, 'witness_mismatch', `witness ${w.witness} countersigned the head at seq ${seq} on ${new Date(w.receivedAt).toISOString()}, but the log ${found ? 'has another record there' : 'no longer has it'}: records up to seq ${seq} were rewritten or removed`, id);
  };
  const fail = (seq: number, reason: BreakReason, message: string, id?: string): VerifyResult => {
    result.ok = false;
    result.firstBroken = { seq, id, reason, message };
    return result;
  };

  // checkpoints first: a bad signature is a break in itself, and the valid ones anchor the records
  const valid = new Map<number, StoredCheckpoint>();
  const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);
  if (sorted.length && !key) return fail(sorted[0]!.seq, 'checkpoint_signature', 'checkpoints present but no public key to verify them');
  const publicKey = key ? await importJWK(key.publicJwk, key.alg) : undefined;
  for (const cp of sorted) {
    let payload: CheckpointPayload;
    try {
      const v = await compactVerify(cp.jws, publicKey!, { algorithms: [key!.alg] });
      payload = JSON.parse(new TextDecoder().decode(v.payload)) as CheckpointPayload;
    } catch (e) {
      return fail(cp.seq, 'checkpoint_signature', `checkpoint at seq ${cp.seq}: signature does not verify (${(e as Error).message})`);
    }
    if (payload.seq !== cp.seq || payload.hash !== cp.hash || (node && payload.node !== node)) {
      return fail(cp.seq, 'checkpoint_mismatch', `checkpoint at seq ${cp.seq}: stored fields differ from the signed payload`);
    }
    valid.set(cp.seq, cp);
    result.checkpoints++;
  }

  let prev: { seq: number; hash: string } | undefined;
  for await (const row of rows as AsyncIterable<StoredRow>) {
    const r = row.record;
    if (!r) return fail(row.seq, 'unparseable', `record seq ${row.seq}: ${row.error ?? 'cannot be parsed'}`);
    if (prev && row.seq <= prev.seq) return fail(row.seq, 'out_of_order', `record seq ${row.seq} (${r.id}) comes after seq ${prev.seq}: the log was reordered`, r.id);
    if (r.seq !== row.seq) return fail(row.seq, 'out_of_order', `record ${r.id} is stored at seq ${row.seq} but was written as seq ${r.seq}: the log was reordered`, r.id);
    const computed = recordHash(r);
    if (computed !== r.hash) return fail(r.seq, 'hash_mismatch', `record seq ${r.seq} (${r.id}) was changed: its content no longer matches its hash`, r.id);
    const c = row.columns;
    if (c) {
      const mismatch =
        (c.id !== undefined && c.id !== r.id) ||
        (c.event !== undefined && c.event !== r.event) ||
        (c.hash !== undefined && c.hash !== r.hash) ||
        (c.prevHash !== undefined && c.prevHash !== r.prevHash) ||
        (c.patient !== undefined && (c.patient ?? undefined) !== r.patient?.bsn) ||
        (c.user !== undefined && (c.user ?? undefined) !== r.actor?.userId) ||
        (c.organisation !== undefined && (c.organisation ?? undefined) !== r.actor?.organisation?.ura) ||
        (c.traceId !== undefined && (c.traceId ?? undefined) !== r.traceId);
      if (mismatch) return fail(r.seq, 'column_mismatch', `record seq ${r.seq} (${r.id}) was changed: its indexed columns differ from the hashed record`, r.id);
    }
    if (prev) {
      if (r.seq !== prev.seq + 1) return fail(r.seq, 'sequence_gap', `record seq ${r.seq} (${r.id}) follows seq ${prev.seq}: ${r.seq - prev.seq - 1} record(s) were removed`, r.id);
      if (r.prevHash !== prev.hash) return fail(r.seq, 'prev_hash_mismatch', `record seq ${r.seq} (${r.id}) does not chain onto seq ${prev.seq}`, r.id);
    } else if (r.seq === 1) {
      if (r.prevHash !== GENESIS_HASH) return fail(r.seq, 'prev_hash_mismatch', `record seq 1 (${r.id}) does not start from the genesis hash`, r.id);
    } else {
      // the log starts later: only allowed when a retention purge left a signed checkpoint at seq - 1
      const anchor = valid.get(r.seq - 1);
      // heads witnessed before the purge are checked against the checkpoints that stayed
      for (const seq of witnessedAt.keys()) if (seq < r.seq && witnessedAt.get(seq)!.some((w) => w.hash !== valid.get(seq)?.hash)) return witnessFail(seq, valid.get(seq)?.hash);
      if (!anchor) return fail(r.seq, 'unanchored_start', `the log starts at seq ${r.seq} (${r.id}) without a signed checkpoint at seq ${r.seq - 1}: earlier records were removed`, r.id);
      if (anchor.hash !== r.prevHash) return fail(r.seq, 'prev_hash_mismatch', `record seq ${r.seq} (${r.id}) does not chain onto the checkpoint at seq ${r.seq - 1}`, r.id);
    }
    const cp = valid.get(r.seq);
    if (cp) {
      if (cp.hash !== r.hash) return fail(r.seq, 'checkpoint_mismatch', `record seq ${r.seq} (${r.id}) differs from the signed checkpoint at seq ${r.seq}: records between seq ${(result.lastCheckpointSeq ?? 0) + 1} and ${r.seq} were rewritten`, r.id);
      result.lastCheckpointSeq = r.seq;
    }
    if (witnessedAt.get(r.seq)?.some((w) => w.hash !== r.hash)) return witnessFail(r.seq, r.hash, r.id);
    prev = { seq: r.seq, hash: r.hash };
    result.records++;
  }
  // a signed checkpoint beyond the last record means records at the end were removed
  const lastCp = sorted[sorted.length - 1];
  if (prev && lastCp && lastCp.seq > prev.seq) {
    return fail(prev.seq + 1, 'sequence_gap', `a signed checkpoint covers seq ${lastCp.seq} but the log ends at seq ${prev.seq}: records at the end were removed`);
  }
  // a head a witness holds beyond the end of the log: the log was cut (with the checkpoints that covered the cut)
  for (const w of witnesses) {
    const last = w.heads.reduce<WitnessEvidence['heads'][number] | undefined>((a, h) => (!a || h.seq > a.seq ? h : a), undefined);
    if (last && last.seq > (prev?.seq ?? 0)) {
      return fail((prev?.seq ?? 0) + 1, 'witness_truncated', `witness ${w.witness} countersigned the head at seq ${last.seq} on ${new Date(last.receivedAt).toISOString()}, but the log ends at seq ${prev?.seq ?? 0}: records at the end were removed`);
    }
    result.witnessed!.find((x) => x.witness === w.witness)!.throughSeq = last?.seq;
  }
  return result;
}
