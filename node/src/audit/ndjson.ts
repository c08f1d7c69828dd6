// Reads an NDJSON export back (header, checkpoints, records) so it can be verified offline, with no node running.
import { verifyChain, type CheckpointKey, type StoredCheckpoint, type StoredRow, type VerifyResult } from './chain.js';
import type { AuditFilter, AuditRecord } from './record.js';

export const NDJSON_HEADER_KIND = 'nuts-lsp-lab/audit-export';

/** True when `filter` selects nothing out: only such an export is the whole log and can be verified. */
export const isCompleteFilter = (filter: AuditFilter) => Object.values(filter).every((v) => v === undefined);

/**
 * The export format: a header line (node, key, whether it is complete), the checkpoints, then the records. Only an
 * unfiltered export can be verified on its own. A record line also carries the row's indexed columns when given, so a
 * remote verifier sees a column edited to hide a record from queries, as the node's own verify does.
 */
export async function* ndjsonExportLines(head: { node?: string; exportedAt: number; filter: AuditFilter; key?: CheckpointKey }, checkpoints: StoredCheckpoint[], records: AsyncIterable<AuditRecord | StoredRow>): AsyncIterable<string> {
  const complete = isCompleteFilter(head.filter);
  yield JSON.stringify({ kind: NDJSON_HEADER_KIND, node: head.node, exportedAt: new Date(head.exportedAt).toISOString(), complete, filter: head.filter, key: head.key }) + '\n';
  for (const cp of checkpoints) yield JSON.stringify({ kind: 'checkpoint', ...cp }) + '\n';
  for await (const r of records) {
    const line = isStoredRow(r) ? { kind: 'record', ...(r.record ? { record: r.record } : { seq: r.seq, error: r.error }), ...(r.columns ? { columns: r.columns } : {}) } : { kind: 'record', record: r };
    yield JSON.stringify(line) + '\n';
  }
}

function isStoredRow(r: AuditRecord | StoredRow): r is StoredRow {
  return !('hash' in r && 'prevHash' in r);
}

export interface ParsedExport {
  node?: string;
  complete: boolean;
  key?: CheckpointKey;
  checkpoints: StoredCheckpoint[];
  rows: StoredRow[];
}

/** Parses an export; a line that is not JSON becomes an unparseable row, so the verifier names where it is. */
export function parseNdjsonExport(text: string): ParsedExport {
  const out: ParsedExport = { complete: false, checkpoints: [], rows: [] };
  const lines = text.split('\n');
  let lastSeq = 0;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let obj: { kind?: string; [k: string]: unknown };
    try {
      obj = JSON.parse(line);
    } catch (e) {
      out.rows.push({ seq: lastSeq + 1, error: `line ${i + 1} is not JSON (${(e as Error).message})` });
      return;
    }
    if (obj.kind === NDJSON_HEADER_KIND) {
      out.node = obj.node as string;
      out.complete = obj.complete === true;
      out.key = obj.key as CheckpointKey | undefined;
    } else if (obj.kind === 'checkpoint') {
      out.checkpoints.push({ seq: obj.seq as number, hash: obj.hash as string, createdAt: obj.createdAt as number, jws: obj.jws as string });
    } else if (obj.kind === 'record') {
      const record = obj.record as AuditRecord | undefined;
      // the position in the file is the order the log claims; the record's own seq is checked against it
      const seq = typeof record?.seq === 'number' ? record.seq : lastSeq + 1;
      const columns = obj.columns && typeof obj.columns === 'object' ? (obj.columns as StoredRow['columns']) : undefined;
      out.rows.push(record && typeof record === 'object' ? { seq, record, columns } : { seq, error: typeof obj.error === 'string' ? obj.error : `line ${i + 1} holds no record` });
      lastSeq = seq;
    }
  });
  // the file's order is the order the log claims: a record found where another seq belongs, while that seq appears
  // elsewhere in the file, was moved (reordering); a seq missing everywhere was deleted (a gap, found by the verifier)
  const present = new Set(out.rows.map((r) => r.record?.seq));
  for (let i = 1; i < out.rows.length; i++) {
    const expected = out.rows[i - 1]!.seq + 1;
    if (out.rows[i]!.seq !== expected && present.has(expected)) out.rows[i]!.seq = expected;
  }
  return out;
}

export async function verifyNdjsonExport(text: string, key?: CheckpointKey): Promise<VerifyResult & { complete: boolean }> {
  const p = parseNdjsonExport(text);
  const result = await verifyChain(p.rows, p.checkpoints, key ?? p.key, p.node);
  return { ...result, complete: p.complete };
}
