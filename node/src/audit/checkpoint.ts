// Signed checkpoints: the node's audit key (kept outside the audit database, see keyfile.ts) signs the chain head as a
// compact JWS.
import { decodeProtectedHeader } from 'jose';
import { canonicalize } from './canonical.js';
import type { CheckpointPayload, StoredCheckpoint } from './chain.js';
import type { CheckpointSigner } from './keyfile.js';
import type { ChainHead } from './store.js';

export const checkpointKid = (nodeName: string) => `node:${nodeName}:audit-checkpoint`;

export async function signCheckpoint(signer: CheckpointSigner, node: string, head: ChainHead, now: number): Promise<StoredCheckpoint> {
  const payload: CheckpointPayload = { typ: 'nuts-lsp-lab/audit-checkpoint', node, seq: head.seq, hash: head.hash, iat: new Date(now).toISOString() };
  const jws = await signer.sign(new TextEncoder().encode(canonicalize(payload)), { typ: 'audit-checkpoint+jws' });
  return { seq: head.seq, hash: head.hash, createdAt: now, jws };
}

/** The kid a checkpoint was signed with (lets a verifier holding only the database find the key). */
export function checkpointKidOf(cp: StoredCheckpoint): string | undefined {
  try {
    return decodeProtectedHeader(cp.jws).kid;
  } catch {
    return undefined;
  }
}
