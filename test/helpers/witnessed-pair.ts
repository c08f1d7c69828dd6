// Test helper: two real nodes that witness each other's audit checkpoints (as `npm start` wires the VVT node and the
// LSP), with SQLite files and key files under a temporary data directory, and the attacker's tools on the log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { CompactSign, importJWK } from 'jose';
import { canonicalize, type StoredCheckpoint } from '../../node/src/audit/index.js';
import type { LabNode } from '../../node/src/main.js';
import { fhirSearchInput } from './audit-engine.js';
import { startTestNode } from './node.js';
import { auditVerify } from '../../simulators/network/audit-cli.js';
import type { Io } from '../../simulators/shared/io.js';

export interface WitnessedPair {
  dir: string;
  vvt: LabNode;
  lsp: LabNode;
  /** records `n` patient-data events on the VVT node */
  record(n: number, bsnBase?: number): Promise<void>;
  /** signs the VVT node's head and waits until the LSP has countersigned it */
  checkpointWitnessed(): Promise<number>;
  /** SQL on the VVT node's database, as someone with access to its file */
  tamper(q: (db: LabNode['store']['db']['db']) => Promise<unknown>): Promise<void>;
  /** a checkpoint over (seq, hash) signed with the key taken from the VVT node's key file, as an attacker would */
  signWithStolenKey(seq: number, hash: string): Promise<StoredCheckpoint>;
  /** `nuts-lsp-lab audit verify --node <vvt internal> [--witness …]` */
  verify(witness?: string[]): Promise<{ code: number; out: string }>;
  stop(): Promise<void>;
}

export async function startWitnessedPair(): Promise<WitnessedPair> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nll-witness-'));
  const fileDb = (name: string) => ({ datadir: dir, database: { sqlite: path.join(dir, name, 'node.db') }, audit: { checkpointEverySeconds: 0, checkpointEveryRecords: 1000 } });
  const lsp = await startTestNode('lsp', fileDb('lsp'));
  const vvt = await startTestNode('vvt', fileDb('vvt'));
  vvt.audit.addWitness(lsp.internalUrl);
  lsp.audit.addWitness(vvt.internalUrl);
  return {
    dir,
    vvt,
    lsp,
    async record(n, bsnBase = 999900000) {
      for (let i = 0; i < n; i++) await vvt.audit.recorder.record(fhirSearchInput(String(bsnBase + i)));
    },
    async checkpointWitnessed() {
      const cp = await vvt.audit.checkpoint();
      await vvt.audit.witnessClient.sync();
      const st = vvt.audit.witnessClient.status()[0]!;
      if (st.lastError || st.witnessedThroughSeq !== cp?.seq) throw new Error(`checkpoint ${cp?.seq} not witnessed: ${JSON.stringify(st)}`);
      return cp!.seq;
    },
    async signWithStolenKey(seq, hash) {
      const keyFile = JSON.parse(readFileSync(path.join(dir, 'vvt', 'audit-checkpoint-key.json'), 'utf8'));
      const payload = { typ: 'nuts-lsp-lab/audit-checkpoint', node: 'vvt', seq, hash, iat: new Date().toISOString() };
      const jws = await new CompactSign(new TextEncoder().encode(canonicalize(payload))).setProtectedHeader({ typ: 'audit-checkpoint+jws', alg: keyFile.alg, kid: keyFile.kid }).sign(await importJWK(keyFile.privateJwk, keyFile.alg));
      return { seq, hash, createdAt: Date.now(), jws };
    },
    async tamper(q) {
      await q(vvt.store.db.db);
    },
    async verify(witness) {
      let out = '';
      const io: Io = { out: (s) => (out += s), err: (s) => (out += s) };
      const code = await auditVerify({ node: vvt.internalUrl, ...(witness ? { witness } : {}) }, io);
      return { code, out };
    },
    async stop() {
      await vvt.stop();
      await lsp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { sql };
