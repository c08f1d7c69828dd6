// Subjects and their did:web documents (VDR v2 semantics of nuts-node): create, list, deactivate, keys, services.
import { randomUUID } from 'node:crypto';
import { NodeError, conflict, invalidInput, notFound } from '../core/errors.js';
import type { CryptoService, KeyType, SigningAlg } from '../crypto/index.js';
import { algForKeyType } from '../crypto/index.js';
import { buildDidWebDocument, type DIDDocument, type DIDResolution, type Service, type VerificationMethod } from './document.js';
import { SUBJECT_ID, didWebForSubject } from './didweb.js';
import type { SubjectRecord, SubjectStore } from './store.js';

export interface ServiceRequest {
  type: string;
  serviceEndpoint: unknown;
}

export interface SigningKeyRef {
  /** DID URL of the verification method; also the key's id in the key store */
  kid: string;
  did: string;
  alg: SigningAlg;
}

/** how long another instance sharing the database may take to see a deactivation (this instance sees it at once) */
const ACTIVE_CACHE_MS = 1_000;
const ACTIVE_CACHE_MAX = 1_000;

export class SubjectService {
  // the authorization server asks on every token request whether its subject is active: remembered briefly
  private readonly activeDids = new Map<string, { did: string; until: number }>();
  // bumped by every deactivation, so a lookup that raced with one is not remembered
  private generation = 0;

  constructor(
    private readonly store: SubjectStore,
    private readonly crypto: CryptoService,
    private readonly baseUrl: () => string,
    private readonly clock: () => number,
    private readonly defaultKeyType: KeyType,
  ) {}

  async create(subject?: string, opts: { keyType?: KeyType } = {}): Promise<{ subject: string; documents: DIDDocument[] }> {
    const id = subject ?? randomUUID();
    if (!SUBJECT_ID.test(id)) throw invalidInput(`invalid subject '${id}': must match [a-zA-Z0-9._-]+`);
    const did = didWebForSubject(this.baseUrl(), id);
    const now = this.clock();
    await this.store.createSubject({ id, did, createdAt: now, updatedAt: now });
    await this.addKey(id, did, opts.keyType ?? this.defaultKeyType);
    return { subject: id, documents: [await this.document(id)] };
  }

  private async addKey(subject: string, did: string, keyType: KeyType): Promise<VerificationMethod> {
    const vmId = `${did}#${randomUUID()}`;
    const key = await this.crypto.generateKey(vmId, keyType);
    await this.store.addMethod({ id: vmId, subject, keyType, publicJwk: key.publicJwk, createdAt: this.clock() });
    await this.store.touch(subject, this.clock());
    return { id: vmId, type: 'JsonWebKey2020', controller: did, publicKeyJwk: key.publicJwk };
  }

  /** Active subject or 404. */
  private async active(id: string): Promise<SubjectRecord> {
    if (!SUBJECT_ID.test(id)) throw invalidInput(`invalid subject '${id}': must match [a-zA-Z0-9._-]+`);
    const s = await this.store.getSubject(id);
    if (!s || s.deactivatedAt !== undefined) throw notFound(`subject '${id}' not found`);
    return s;
  }

  async list(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const s of await this.store.listSubjects()) if (s.deactivatedAt === undefined) out[s.id] = [s.did];
    return out;
  }

  async dids(id: string): Promise<string[]> {
    const hit = this.activeDids.get(id);
    if (hit && hit.until > performance.now()) return [hit.did];
    const generation = this.generation;
    const { did } = await this.active(id);
    if (generation === this.generation) {
      if (this.activeDids.size >= ACTIVE_CACHE_MAX) this.activeDids.clear();
      this.activeDids.set(id, { did, until: performance.now() + ACTIVE_CACHE_MS });
    }
    return [did];
  }

  async deactivate(id: string): Promise<void> {
    if (!SUBJECT_ID.test(id)) throw invalidInput(`invalid subject '${id}': must match [a-zA-Z0-9._-]+`);
    const s = await this.store.getSubject(id);
    if (!s) throw notFound(`subject '${id}' not found`);
    if (s.deactivatedAt !== undefined) throw conflict(`subject '${id}' is already deactivated`);
    this.generation++;
    this.activeDids.delete(id);
    await this.store.markDeactivated(id, this.clock());
    this.generation++;
    this.activeDids.delete(id);
    // a deactivated DID must never sign again
    for (const m of await this.store.methods(id)) await this.crypto.deleteKey(m.id).catch(() => {});
  }

  private async buildDocument(s: SubjectRecord): Promise<DIDDocument> {
    const methods = await this.store.methods(s.id);
    const services = await this.store.services(s.id);
    return buildDidWebDocument(
      s.did,
      methods.map((m) => ({ id: m.id, publicJwk: m.publicJwk })),
      services.map((x) => ({ id: x.id, type: x.type, serviceEndpoint: x.endpoint })),
    );
  }

  async document(id: string): Promise<DIDDocument> {
    return this.buildDocument(await this.active(id));
  }

  /** Resolution of a DID this node hosts; undefined when it is not ours. */
  async resolveLocal(did: string): Promise<DIDResolution | undefined> {
    const s = await this.store.subjectByDid(did);
    if (!s) return undefined;
    if (s.deactivatedAt !== undefined) throw notFound(`DID ${did} is deactivated`);
    return {
      document: await this.buildDocument(s),
      documentMetadata: { created: new Date(s.createdAt).toISOString(), updated: new Date(s.updatedAt).toISOString() },
    };
  }

  async addVerificationMethod(id: string, opts: { assertionKey?: boolean; encryptionKey?: boolean; keyType?: KeyType }): Promise<VerificationMethod[]> {
    const s = await this.active(id);
    if (opts.encryptionKey) throw invalidInput('key agreement not supported for did:web');
    if (opts.assertionKey === false) return [];
    return [await this.addKey(s.id, s.did, opts.keyType ?? this.defaultKeyType)];
  }

  async addService(id: string, req: ServiceRequest): Promise<Service[]> {
    const s = await this.active(id);
    validateService(req);
    const existing = await this.store.services(s.id);
    const same = existing.find((x) => x.type === req.type && JSON.stringify(x.endpoint) === JSON.stringify(req.serviceEndpoint));
    if (same) return [{ id: same.id, type: same.type, serviceEndpoint: same.endpoint }];
    const service: Service = { id: `${s.did}#${randomUUID()}`, type: req.type, serviceEndpoint: req.serviceEndpoint };
    await this.store.addService({ id: service.id, subject: s.id, type: service.type, endpoint: service.serviceEndpoint, createdAt: this.clock() });
    await this.store.touch(s.id, this.clock());
    return [service];
  }

  async findServices(id: string, filter: { type?: string; endpointType?: string }): Promise<Service[]> {
    const s = await this.active(id);
    if (filter.endpointType !== undefined && !['string', 'object', 'array'].includes(filter.endpointType)) {
      throw invalidInput(`invalid endpointType '${filter.endpointType}': must be string, object or array`);
    }
    return (await this.store.services(s.id))
      .filter((x) => filter.type === undefined || x.type === filter.type)
      .filter((x) => filter.endpointType === undefined || endpointKind(x.endpoint) === filter.endpointType)
      .map((x) => ({ id: x.id, type: x.type, serviceEndpoint: x.endpoint }));
  }

  private async findService(s: SubjectRecord, serviceId: string) {
    const fragment = serviceFragment(serviceId);
    const svc = (await this.store.services(s.id)).find((x) => x.id === `${s.did}#${fragment}`);
    if (!svc) throw notFound(`service '${serviceId}' not found for subject '${s.id}'`);
    return svc;
  }

  async deleteService(id: string, serviceId: string): Promise<void> {
    const s = await this.active(id);
    const svc = await this.findService(s, serviceId);
    await this.store.deleteService(svc.id);
    await this.store.touch(s.id, this.clock());
  }

  async updateService(id: string, serviceId: string, req: ServiceRequest): Promise<Service[]> {
    const s = await this.active(id);
    validateService(req);
    const current = await this.findService(s, serviceId);
    const others = (await this.store.services(s.id)).filter((x) => x.id !== current.id);
    if (others.some((x) => x.type === req.type)) throw conflict(`subject '${id}' already has a service of type '${req.type}'`);
    await this.store.deleteService(current.id);
    return this.addService(id, req);
  }

  /** The key a subject (or one of its DIDs) signs assertions with: its newest assertion method. */
  async signingKey(subjectOrDid: string): Promise<SigningKeyRef> {
    const s = subjectOrDid.startsWith('did:') ? await this.store.subjectByDid(subjectOrDid) : await this.store.getSubject(subjectOrDid);
    if (!s || s.deactivatedAt !== undefined) throw notFound(`subject '${subjectOrDid}' not found`);
    const methods = await this.store.methods(s.id);
    const m = methods[methods.length - 1];
    if (!m) throw new NodeError('precondition_failed', `subject '${s.id}' has no signing key`);
    return { kid: m.id, did: s.did, alg: algForKeyType(m.keyType as KeyType) };
  }
}

function validateService(req: ServiceRequest): void {
  if (!req || typeof req.type !== 'string' || req.type.trim() === '') throw invalidInput('service.type must be a non-empty string');
  const e = req.serviceEndpoint;
  if (e === undefined || e === null || e === '' || (typeof e !== 'string' && typeof e !== 'object')) {
    throw invalidInput('service.serviceEndpoint must be a URI string, an object or an array');
  }
  if (typeof e === 'string') {
    try {
      new URL(e);
    } catch {
      throw invalidInput(`service.serviceEndpoint '${e}' is not a valid URI`);
    }
  }
}

function endpointKind(e: unknown): 'string' | 'object' | 'array' {
  return typeof e === 'string' ? 'string' : Array.isArray(e) ? 'array' : 'object';
}

/** Long form `did:…#frag` or short form `#frag`; matching is on the fragment, as nuts-node does. */
function serviceFragment(serviceId: string): string {
  const i = serviceId.indexOf('#');
  if (i < 0 || i === serviceId.length - 1) throw invalidInput(`invalid service id '${serviceId}': expected '<did>#<id>' or '#<id>'`);
  return serviceId.slice(i + 1);
}
