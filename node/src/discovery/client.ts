// RFC022 discovery client: activations (register, refresh, retract), a local copy of each service's list, and search.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { NodeError, invalidInput, notFound } from '../core/errors.js';
import { outgoingTraceHeaders } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { evaluateCandidate, explain, fieldValues, matchDefinition, select, selfAttestable, toPeCredential, withSingleSubject, type WireCredential } from '../pe/index.js';
import type { SubjectService } from '../vdr/index.js';
import type { CryptoService } from '../crypto/index.js';
import { parsePresentation, verifyPresentationFully } from '../auth/presentation.js';
import type { VcrPort } from '../auth/ports.js';
import type { ServiceDefinition } from './definitions.js';
import { RETRACTED_TYPE, type DiscoveryServer, type PresentationsResponse } from './server.js';
import type { Activation, SqlDiscoveryStore } from './store.js';

export const REGISTRATION_TYPE = 'DiscoveryRegistrationCredential';

export interface SearchResult {
  id: string;
  credential_subject_id: string;
  vp: string;
  fields: Record<string, unknown>;
  registrationParameters: Record<string, unknown>;
}

export interface DiscoveryClientOptions {
  definitions: () => Map<string, ServiceDefinition>;
  server: DiscoveryServer;
  store: SqlDiscoveryStore;
  subjects: SubjectService;
  crypto: CryptoService;
  vcr: () => VcrPort;
  fetch: typeof fetch;
  clock: () => number;
  baseUrl: () => string;
  logger: Logger;
  /** auth.requireTrustedIssuers: entries are verified as the server verifies registrations */
  requireTrustedIssuers?: boolean;
}

/** Case-insensitive match with `*` wildcards at start and/or end; a lone `*` means any non-empty value. */
export function matchesQuery(actual: unknown, pattern: string): boolean {
  if (typeof actual !== 'string') return false;
  const a = actual.toLowerCase();
  const p = pattern.toLowerCase();
  if (p === '*') return true;
  const starts = p.startsWith('*');
  const ends = p.endsWith('*') && p.length > 1;
  const core = p.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (starts && ends) return a.includes(core);
  if (starts) return a.endsWith(core);
  if (ends) return a.startsWith(core);
  return a === core;
}

export class DiscoveryClient {
  constructor(private readonly o: DiscoveryClientOptions) {}

  services(): ServiceDefinition[] {
    return [...this.o.definitions().values()];
  }

  private definition(serviceId: string): ServiceDefinition {
    const d = this.o.definitions().get(serviceId);
    if (!d) throw notFound(`discovery service '${serviceId}' is not known`);
    return d;
  }

  /** Registers the subject now and keeps it registered; 412 when its wallet cannot fulfil the service's definition. */
  async activate(serviceId: string, subject: string, parameters: Record<string, unknown> = {}): Promise<Activation> {
    this.definition(serviceId);
    await this.o.subjects.dids(subject);
    const previous = await this.o.store.activation(serviceId, subject);
    const activation: Activation = { serviceId, subject, parameters, status: 'error', refreshAt: this.o.clock(), ...(previous?.vpId ? { vpId: previous.vpId, vp: previous.vp } : {}) };
    try {
      await this.register(activation);
    } catch (e) {
      // a wallet that cannot qualify is the caller's problem: nothing is kept
      if (e instanceof NodeError && e.code === 'precondition_failed') throw e;
      activation.status = 'error';
      activation.error = (e as Error).message;
      await this.o.store.putActivation(activation);
      throw e;
    }
    return activation;
  }

  /** Builds, signs and posts the registration VP; records the outcome on the activation. */
  private async register(a: Activation): Promise<void> {
    const def = this.definition(a.serviceId);
    const [did] = await this.o.subjects.dids(a.subject);
    const now = this.o.clock();
    const registration: WireCredential = {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'],
      type: ['VerifiableCredential', REGISTRATION_TYPE],
      id: `${did}#${randomUUID()}`,
      issuer: did!,
      issuanceDate: new Date(now).toISOString(),
      credentialSubject: { ...a.parameters, id: did, authServerURL: `${this.o.baseUrl()}/oauth2/${a.subject}` },
    };
    const wallet = await this.o.vcr().wallet.list(a.subject);
    const m = matchDefinition(def.presentation_definition, [...wallet, registration]);
    if (!m.ok) throw new NodeError('precondition_failed', `subject '${a.subject}' cannot register on '${a.serviceId}': ${explain(m.report)}`);
    const credentials = [...new Set([...m.chosen.map((c) => c.credential.wire), registration])];
    const vp = (await this.o.vcr().holder.createPresentation({ subjectOrDid: did, credentials, format: 'jwt_vp', audience: a.serviceId, lifetimeSeconds: def.presentation_max_validity - 1 })) as string;
    await this.post(def, vp);
    const claims = decodeJwt(vp);
    a.status = 'active';
    delete a.error;
    a.vp = vp;
    a.vpId = claims.jti as string;
    // renew when less than a quarter of the lifetime is left
    a.refreshAt = now + Math.floor(def.presentation_max_validity * 1000 * 0.75);
    await this.o.store.putActivation(a);
  }

  private async post(def: ServiceDefinition, vp: string): Promise<void> {
    if (this.o.server.serves(def.id)) return this.o.server.register(def.id, vp);
    let res: Response;
    try {
      res = await this.o.fetch(def.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...outgoingTraceHeaders() }, body: JSON.stringify(vp), signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new NodeError('unavailable', `discovery server ${def.endpoint} is unreachable: ${(e as Error).message}`);
    }
    if (res.status !== 201 && res.status !== 200) {
      const text = await res.text();
      let detail = text;
      try {
        detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
      } catch {
        /* keep text */
      }
      throw new NodeError('bad_gateway', `discovery server ${def.endpoint} refused the registration (HTTP ${res.status}): ${detail}`);
    }
  }

  /** Stops registering; retracts the live registration. Returns the reason when the retraction failed (202). */
  async deactivate(serviceId: string, subject: string): Promise<{ retracted: boolean; reason?: string }> {
    const def = this.definition(serviceId);
    const [did] = await this.o.subjects.dids(subject);
    const a = await this.o.store.activation(serviceId, subject);
    await this.o.store.deleteActivation(serviceId, subject);
    if (!a?.vpId) return { retracted: true };
    try {
      await this.post(def, await this.retraction(subject, did!, serviceId, a.vpId, def));
      return { retracted: true };
    } catch (e) {
      return { retracted: false, reason: (e as Error).message };
    }
  }

  /** RFC022 retraction: an empty VP of type RetractedVerifiablePresentation naming the registration in `retract_jti`. */
  private async retraction(subject: string, did: string, serviceId: string, retractJti: string, def: ServiceDefinition): Promise<string> {
    const key = await this.o.subjects.signingKey(subject);
    const now = Math.floor(this.o.clock() / 1000);
    const claims = {
      iss: did,
      sub: did,
      jti: `${did}#${randomUUID()}`,
      nbf: now,
      iat: now,
      exp: now + Math.min(60, def.presentation_max_validity - 1),
      aud: serviceId,
      retract_jti: retractJti,
      vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation', RETRACTED_TYPE] },
    };
    return this.o.crypto.signJwt(claims, key.kid, { headerKid: key.kid });
  }

  async activationStatus(serviceId: string, subject: string): Promise<{ activated: boolean; status?: string; error?: string; vp?: string[] }> {
    this.definition(serviceId);
    await this.o.subjects.dids(subject);
    const a = await this.o.store.activation(serviceId, subject);
    if (!a) return { activated: false };
    return { activated: true, status: a.status, ...(a.error ? { error: a.error } : {}), vp: a.status === 'active' && a.vp ? [a.vp] : [] };
  }

  /** Fetches what is new on every known service and renews registrations that are due. */
  async refresh(): Promise<void> {
    for (const def of this.services()) {
      try {
        await this.sync(def);
      } catch (e) {
        this.o.logger.warn({ service: def.id, err: (e as Error).message }, 'discovery sync failed');
      }
    }
    const now = this.o.clock();
    for (const a of await this.o.store.activations()) {
      if (a.status === 'active' && a.refreshAt > now) continue;
      try {
        await this.register(a);
      } catch (e) {
        a.status = 'error';
        a.error = (e as Error).message;
        await this.o.store.putActivation(a);
      }
    }
  }

  /** Copies new entries of one service list; a changed seed means the server was reset, so start over. */
  async sync(def: ServiceDefinition): Promise<void> {
    const local = await this.o.store.list('discovery_client_lists', def.id);
    const since = local?.lastTimestamp ?? 0;
    let resp = await this.fetchList(def, since);
    if (local && resp.seed !== local.seed) {
      await this.o.store.clearClientEntries(def.id);
      resp = await this.fetchList(def, 0);
    }
    const ordered = Object.entries(resp.entries).sort(([x], [y]) => Number(x) - Number(y));
    for (const [, vp] of ordered) {
      try {
        await this.accept(def, vp);
      } catch (e) {
        this.o.logger.warn({ service: def.id, err: (e as Error).message }, 'discovery entry rejected');
      }
    }
    await this.o.store.setList('discovery_client_lists', def.id, resp.seed, resp.timestamp);
  }

  private async fetchList(def: ServiceDefinition, since: number): Promise<PresentationsResponse> {
    if (this.o.server.serves(def.id)) return this.o.server.presentations(def.id, since);
    const url = new URL(def.endpoint);
    url.searchParams.set('timestamp', String(since));
    const res = await this.o.fetch(url, { headers: { accept: 'application/json', ...outgoingTraceHeaders() }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new NodeError('bad_gateway', `discovery server ${def.endpoint} answered HTTP ${res.status}`);
    return (await res.json()) as PresentationsResponse;
  }

  /** A client does not take the server's word: every entry is verified again before it can be found. */
  private async accept(def: ServiceDefinition, vp: string): Promise<void> {
    const env = parsePresentation(vp);
    const claims = decodeJwt(vp);
    const types = env.json.type;
    if (Array.isArray(types) ? types.includes(RETRACTED_TYPE) : types === RETRACTED_TYPE) {
      if (typeof claims.retract_jti === 'string') await this.o.store.deleteClientEntry(def.id, claims.retract_jti);
      return;
    }
    // the server's checks, again: the definition, then trusted issuers and self-attestation only where it allows it
    const m = matchDefinition(def.presentation_definition, env.credentials);
    if (!m.ok) throw invalidInput(`entry does not fulfil the service's presentation definition: ${explain(m.report)}`);
    const v = await verifyPresentationFully(this.o.vcr().verifier, env, { validAt: new Date(this.o.clock()), checkTrust: this.o.requireTrustedIssuers, selfAttestable: selfAttestable(m.chosen) });
    if (!v.ok) throw invalidInput(v.reason);
    await this.o.store.putClientEntry({ serviceId: def.id, id: claims.jti as string, subject: env.signer!, vp, expiresAt: env.expires ?? this.o.clock() + def.presentation_max_validity * 1000 });
  }

  /** Presentations with a credential matching every query parameter (a simple child path without `$.`). */
  async search(serviceId: string, query: Record<string, string>): Promise<SearchResult[]> {
    const def = this.definition(serviceId);
    for (const k of Object.keys(query)) {
      if (!/^[A-Za-z0-9_@-]+(\.[A-Za-z0-9_@-]+)*$/.test(k)) throw invalidInput(`invalid search path '${k}': only simple child selectors without '$.' are supported`);
    }
    const out: SearchResult[] = [];
    for (const e of await this.o.store.clientEntries(serviceId, this.o.clock())) {
      const env = parsePresentation(e.vp);
      const creds = env.credentials.map((c) => toPeCredential(c));
      // nuts-node indexes credential properties without list positions: credentialSubject.subject.O finds a JWT credential's subject
      const hit = creds.some((c) => Object.entries(query).every(([path, value]) => select(withSingleSubject(c.json), `$.${path}`).some((v) => matchesQuery(v, value))));
      if (!hit) continue;
      const fields: Record<string, unknown> = {};
      for (const d of def.presentation_definition.input_descriptors) {
        for (const [i, c] of creds.entries()) {
          const r = evaluateCandidate(def.presentation_definition, d, c, i);
          if (r.ok) {
            Object.assign(fields, fieldValues(d, r));
            break;
          }
        }
      }
      const reg = creds.find((c) => (Array.isArray(c.json.type) ? c.json.type : [c.json.type]).includes(REGISTRATION_TYPE));
      const { id: _id, ...registrationParameters } = ((reg && withSingleSubject(reg.json).credentialSubject) ?? {}) as Record<string, unknown>;
      out.push({ id: e.id, credential_subject_id: e.subject, vp: e.vp, fields, registrationParameters });
    }
    return out;
  }
}
