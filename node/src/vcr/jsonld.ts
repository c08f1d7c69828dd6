// JSON-LD proofs: URDNA2015 canonicalisation over embedded contexts only, and JsonWebSignature2020 (detached JWS, b64:false).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type jsonldTypes from 'jsonld';
import { flattenedVerify, decodeProtectedHeader } from 'jose';
import type { JoseKey } from '../crypto/index.js';
import { CREDENTIALS_DIR } from './paths.js';
import { UnknownContextError } from './errors.js';

const CONTEXT_DIR = path.join(CREDENTIALS_DIR, 'contexts');

let contexts: Map<string, unknown> | undefined;

function embeddedContexts(): Map<string, unknown> {
  if (contexts) return contexts;
  const index = JSON.parse(readFileSync(path.join(CONTEXT_DIR, 'index.json'), 'utf8')) as { contexts: Record<string, string> };
  contexts = new Map(Object.entries(index.contexts).map(([url, file]) => [url, JSON.parse(readFileSync(path.join(CONTEXT_DIR, file), 'utf8'))]));
  return contexts;
}

/** Context URLs the node knows; anything else is refused rather than fetched. */
export function knownContexts(): string[] {
  return [...embeddedContexts().keys()];
}

// Offline loader: a credential naming a context we do not embed cannot be canonicalised, so it cannot verify.
const documentLoader = async (url: string) => {
  const document = embeddedContexts().get(url);
  if (!document) throw new UnknownContextError(`JSON-LD context '${url}' is not known to this node (no remote contexts are fetched)`);
  return { contextUrl: undefined, documentUrl: url, document };
};

// loaded on the first JSON-LD proof, not at start: most nodes and runs never see one (jwt_vc is the default)
let jsonldModule: Promise<typeof jsonldTypes> | undefined;
const loadJsonld = () => (jsonldModule ??= import('jsonld').then((m) => m.default));

/** URDNA2015 N-Quads; safe mode makes terms the contexts do not define an error instead of silently unsigned data. */
export async function canonicalize(doc: Record<string, unknown>, safe = true): Promise<string> {
  const jsonld = await loadJsonld();
  return (await jsonld.canonize(doc as jsonldTypes.JsonLdDocument, { algorithm: 'URDNA2015', format: 'application/n-quads', documentLoader, safe } as unknown as jsonldTypes.Options.Normalize)) as string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** The bytes JsonWebSignature2020 signs: sha256(canonical proof options) || sha256(canonical document). */
export async function ldSigningInput(document: Record<string, unknown>, proof: Record<string, unknown>): Promise<Uint8Array> {
  const { proof: _ignored, ...unsigned } = document;
  const { jws: _jws, proofValue: _pv, ...options } = proof;
  // Proof options are canonicalised the way nuts-node's json-gold does (a relative verificationMethod such as
  // 'key-id' is dropped, not an error); the verifier binds verificationMethod to the issuer separately.
  const [p, d] = await Promise.all([canonicalize({ '@context': document['@context'], ...options }, false), canonicalize(unsigned)]);
  return Buffer.concat([sha256(p), sha256(d)]);
}

/** Verifies a detached b64:false JWS over the LD signing input; returns false on a bad signature. */
export async function verifyDetachedJws(jws: string, signingInput: Uint8Array, key: JoseKey | ((alg: string) => Promise<JoseKey>)): Promise<boolean> {
  const [h, payload, s] = jws.split('.');
  if (!h || payload !== '' || !s) return false;
  const header = decodeProtectedHeader(jws);
  if (header.b64 !== false) return false;
  const k = typeof key === 'function' ? await key(String(header.alg)) : key;
  try {
    await flattenedVerify({ protected: h, payload: signingInput, signature: s }, k);
    return true;
  } catch {
    return false;
  }
}

/** Verifies a JsonWebSignature2020 proof with a given key (for vectors whose verificationMethod is not a DID URL). */
export async function verifyLdProofWithKey(doc: Record<string, unknown>, key: JoseKey): Promise<boolean> {
  const proof = doc.proof as Record<string, unknown> | undefined;
  if (!proof || typeof proof.jws !== 'string') return false;
  return verifyDetachedJws(proof.jws, await ldSigningInput(doc, proof), key);
}
