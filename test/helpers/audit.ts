// Test helper: a node's audit records straight from its engine (no audit.read is recorded), for asserting what a request logged.
import type { LabNode } from '../../node/src/main.js';
import type { AuditFilter, AuditRecord } from '../../node/src/audit/index.js';

export async function auditRecords(node: LabNode, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of node.audit.iterate(filter)) out.push(r);
  return out;
}
