// DID document types and the builder for the node's own did:web documents.
import type { JWK } from 'jose';

export const DID_CONTEXTS = ['https://www.w3.org/ns/did/v1', 'https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json'] as const;

export interface VerificationMethod {
  id: string;
  type: string;
  controller: string;
  publicKeyJwk?: JWK;
  publicKeyMultibase?: string;
  [k: string]: unknown;
}

export interface Service {
  id: string;
  type: string;
  serviceEndpoint: unknown;
}

export type Relationship = 'authentication' | 'assertionMethod' | 'capabilityInvocation' | 'capabilityDelegation' | 'keyAgreement';

export interface DIDDocument {
  '@context'?: string | string[];
  id: string;
  controller?: string | string[];
  verificationMethod?: VerificationMethod[];
  authentication?: Array<string | VerificationMethod>;
  assertionMethod?: Array<string | VerificationMethod>;
  capabilityInvocation?: Array<string | VerificationMethod>;
  capabilityDelegation?: Array<string | VerificationMethod>;
  keyAgreement?: Array<string | VerificationMethod>;
  service?: Service[];
  [k: string]: unknown;
}

export interface DIDDocumentMetadata {
  created?: string;
  updated?: string;
  deactivated?: boolean;
}

export interface DIDResolution {
  document: DIDDocument;
  documentMetadata: DIDDocumentMetadata;
}

/** Verification methods of a document that are listed under `relationship` (references and embedded). */
export function methodsFor(doc: DIDDocument, relationship: Relationship): VerificationMethod[] {
  const all = doc.verificationMethod ?? [];
  const out: VerificationMethod[] = [];
  for (const ref of doc[relationship] ?? []) {
    if (typeof ref === 'string') {
      const abs = ref.startsWith('#') ? doc.id + ref : ref;
      const vm = all.find((v) => v.id === abs || (v.id.startsWith('#') && doc.id + v.id === abs));
      if (vm) out.push(vm);
    } else out.push(ref);
  }
  return out;
}

export function buildDidWebDocument(did: string, keys: Array<{ id: string; publicJwk: JWK }>, services: Service[]): DIDDocument {
  const vms: VerificationMethod[] = keys.map((k) => ({ id: k.id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: k.publicJwk }));
  const ids = vms.map((v) => v.id);
  return {
    '@context': [...DID_CONTEXTS],
    id: did,
    verificationMethod: vms,
    authentication: ids,
    assertionMethod: ids,
    capabilityInvocation: ids,
    capabilityDelegation: ids,
    ...(services.length ? { service: services } : {}),
  };
}
