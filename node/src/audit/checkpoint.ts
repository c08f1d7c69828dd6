// Signed checkpoints: the node's audit key (created idempotently) signs the chain head as a compact JWS.
import { decodeProtectedHeader } from 'jose';
import type { CryptoService, KeyType } from '../crypto/index.js';
import { NodeError } from '../core/errors.js';
import { canonicalize } from './canonical.js';
import type { CheckpointKey, CheckpointPayload, StoredCheckpoint } from './chain.js';
import type { ChainHead } from './store.js';

export const checkpointKid = (nodeName: string) => `node:${nodeName}:audit-checkpoint`;

/** Creates the checkpoint key on first start; a concurrent start that lost the race just reads it. */
export async function ensureCheckpointKey(crypto: CryptoService, kid: string, keyType: KeyType): Promise<CheckpointKey> {
  if (!(await crypto.exists(kid))) {
    try {
      await crypto.generateKey(kid, keyType);
    } catch (e) {
      if (!(e instanceof NodeError && e.code === 'conflict')) throw e;
    }
  }
  const k = await crypto.publicKey(kid);
  return { kid: k.kid, alg: k.alg, publicJwk: k.publicJwk };
}

export async function signCheckpoint(crypto: CryptoService, kid: string, node: string, head: ChainHead, now: number): Promise<StoredCheckpoint> {
  const payload: CheckpointPayload = { typ: 'nuts-lsp-lab/audit-checkpoint', node, seq: head.seq, hash: head.hash, iat: new Date(now).toISOString() };
  const jws = await crypto.signJws(new TextEncoder().encode(canonicalize(payload)), kid, { header: { typ: 'audit-checkpoint+jws' } });
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
