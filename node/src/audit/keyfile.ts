// The checkpoint signing key, kept outside the audit database (a key file, or memory for tests): whoever can rewrite the
// log's tables must not also find the key that would re-sign it.
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { KeyStore } from '../crypto/index.js';
import { algForKeyType, type KeyType, type JoseKey } from '../crypto/index.js';
import type { CheckpointKey } from './chain.js';

/** The value of `audit.keyFile` that keeps the key in memory only (in-memory nodes and tests). */
export const IN_MEMORY_KEY = ':memory:';

/** File name of the key next to a node's database, under the node's data directory. */
export const CHECKPOINT_KEY_FILE = 'audit-checkpoint-key.json';

interface KeyFileContent extends CheckpointKey {
  privateJwk: JWK;
  createdAt: string;
}

export interface CheckpointSigner {
  readonly key: CheckpointKey;
  sign(payload: Uint8Array, header: Record<string, unknown>): Promise<string>;
}

async function signerOf(content: KeyFileContent): Promise<CheckpointSigner> {
  const privateKey = (await importJWK(content.privateJwk, content.alg)) as JoseKey;
  const key: CheckpointKey = { kid: content.kid, alg: content.alg, publicJwk: content.publicJwk };
  return {
    key,
    sign: (payload, header) => new CompactSign(payload).setProtectedHeader({ ...header, alg: key.alg, kid: key.kid }).sign(privateKey),
  };
}

/**
 * Loads the key from `file`, or creates it there (mode 0600). A key still held by the database from before the key
 * moved out is moved to the file and deleted from the database, so old checkpoints keep verifying.
 */
export async function loadCheckpointSigner(opts: { file: string; kid: string; keyType: KeyType; legacy?: KeyStore; now: number }): Promise<CheckpointSigner> {
  if (opts.file !== IN_MEMORY_KEY && existsSync(opts.file)) {
    const content = JSON.parse(readFileSync(opts.file, 'utf8')) as KeyFileContent;
    if (content.kid !== opts.kid) throw new Error(`${opts.file} holds key ${content.kid}, not this node's ${opts.kid}`);
    return await signerOf(content);
  }
  const old = await opts.legacy?.get(opts.kid);
  let content: KeyFileContent;
  if (old) {
    content = { kid: old.kid, alg: old.alg, publicJwk: old.publicJwk, privateJwk: old.privateJwk, createdAt: new Date(old.createdAt).toISOString() };
  } else {
    const alg = algForKeyType(opts.keyType);
    const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    content = { kid: opts.kid, alg, publicJwk: await exportJWK(pair.publicKey), privateJwk: await exportJWK(pair.privateKey), createdAt: new Date(opts.now).toISOString() };
  }
  if (opts.file !== IN_MEMORY_KEY) {
    mkdirSync(path.dirname(opts.file), { recursive: true });
    // write, then link into place: a crash never leaves half a key, and of two instances starting at once the
    // second finds the first one's key instead of overwriting it
    const tmp = `${opts.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
    try {
      linkSync(tmp, opts.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      content = JSON.parse(readFileSync(opts.file, 'utf8')) as KeyFileContent;
    } finally {
      unlinkSync(tmp);
    }
  }
  if (old && opts.file !== IN_MEMORY_KEY) await opts.legacy!.delete(opts.kid);
  return await signerOf(content);
}

/** The public half of a key file (what `audit verify --db` trusts when no `--key` is given). */
export function readPublicKeyFile(file: string): CheckpointKey | undefined {
  if (!existsSync(file)) return undefined;
  const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeyFileContent>;
  return c.kid && c.alg && c.publicJwk ? { kid: c.kid, alg: c.alg, publicJwk: c.publicJwk } : undefined;
}
