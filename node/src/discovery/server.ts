// RFC022 discovery server: registers JWT presentations per service under Lamport timestamps with a per-list seed; retraction via retract_jti.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { NodeError, invalidInput, notFound } from '../core/errors.js';
import { explain, matchDefinition, selfAttestable } from '../pe/index.js';
import { parsePresentation, verifyPresentationFully } from '../auth/presentation.js';
import type { CredentialVerifierPort } from '../auth/ports.js';
import type { ServiceDefinition } from './definitions.js';
import type { SqlDiscoveryStore } from './store.js';

export const RETRACTED_TYPE = 'RetractedVerifiablePresentation';

export interface PresentationsResponse {
  seed: string;
  timestamp: number;
  entries: Record<string, string>;
}

export class DiscoveryServer {
  constructor(
    private readonly definitions: () => Map<string, ServiceDefinition>,
    private readonly servedIds: () => string[],
    private readonly store: SqlDiscoveryStore,
    private readonly verifier: () => CredentialVerifierPort,
    private readonly clock: () => number,
    private readonly requireTrustedIssuers = false,
  ) {}

  serves(serviceId: string): boolean {
    return this.servedIds().includes(serviceId) && this.definitions().has(serviceId);
  }

  private definition(serviceId: string): ServiceDefinition {
    if (!this.serves(serviceId)) throw notFound(`discovery service '${serviceId}' is not served by this node`);
    return this.definitions().get(serviceId)!;
  }

  /** The seed is made once per list and kept, so clients notice only a real reset. */
  private async list(serviceId: string): Promise<{ seed: string; lastTimestamp: number }> {
    const l = await this.store.list('discovery_server_lists', serviceId);
    if (l) return l;
    const seed = randomUUID();
    await this.store.setList('discovery_server_lists', serviceId, seed, 0);
    return { seed, lastTimestamp: 0 };
  }

  async presentations(serviceId: string, timestamp = 0): Promise<PresentationsResponse> {
    this.definition(serviceId);
    if (!Number.isInteger(timestamp) || timestamp < 0) throw invalidInput('timestamp must be a non-negative integer');
    const list = await this.list(serviceId);
    const entries: Record<string, string> = {};
    for (const e of await this.store.serverEntriesAfter(serviceId, timestamp, this.clock())) entries[String(e.timestamp)] = e.vp;
    return { seed: list.seed, timestamp: list.lastTimestamp, entries };
  }

  /** Validates and stores a registration or a retraction; a 400 names the check that failed. */
  async register(serviceId: string, body: unknown): Promise<void> {
    const def = this.definition(serviceId);
    if (typeof body !== 'string' || body.split('.').length !== 3) throw invalidInput('presentation must be a JWT verifiable presentation (a JSON string)');
    const vp = (() => {
      try {
        return parsePresentation(body);
      } catch (e) {
        throw invalidInput((e as Error).message);
      }
    })();
    const claims = decodeJwt(body) as Record<string, unknown>;
    if (!vp.audiences.includes(serviceId)) throw invalidInput(`presentation audience must be the service id '${serviceId}'`);
    if (typeof claims.jti !== 'string' || !claims.jti) throw invalidInput('presentation has no jti');
    if (vp.expires === undefined) throw invalidInput('presentation has no exp');
    const start = vp.notBefore ?? this.clock();
    if (vp.expires - start > def.presentation_max_validity * 1000) throw invalidInput(`presentation is valid for too long (max ${def.presentation_max_validity}s)`);
    if (!vp.signer) throw invalidInput('presentation signer cannot be determined');
    if (def.did_methods?.length && !def.did_methods.includes(vp.signer.split(':')[1]!)) throw invalidInput(`DID method of ${vp.signer} is not allowed (allowed: ${def.did_methods.join(', ')})`);
    if (await this.store.seen(serviceId, claims.jti, this.clock())) throw invalidInput(`presentation '${claims.jti}' was already registered`);
    const types = vp.json.type;
    const retracted = Array.isArray(types) ? types.includes(RETRACTED_TYPE) : types === RETRACTED_TYPE;

    let retractId: string | undefined;
    let allowed: ReturnType<typeof selfAttestable> = [];
    if (retracted) {
      if (vp.credentials.length) throw invalidInput('a retraction must not contain credentials');
      if (typeof claims.retract_jti !== 'string') throw invalidInput('a retraction needs a retract_jti claim');
      const target = await this.store.serverEntry(serviceId, claims.retract_jti);
      if (!target || target.retracted) throw invalidInput(`presentation '${claims.retract_jti}' to retract is not registered`);
      if (target.subject !== vp.signer) throw invalidInput('a retraction must be signed by the subject of the retracted presentation');
      retractId = claims.retract_jti;
    } else {
      const m = matchDefinition(def.presentation_definition, vp.credentials);
      if (!m.ok) throw invalidInput(`presentation does not fulfil the service's presentation definition: ${explain(m.report)}`);
      allowed = selfAttestable(m.chosen);
    }
    // verified like a token request: trusted issuers for what establishes the organisation, self-attestation only where the definition allows it
    const v = await verifyPresentationFully(this.verifier(), vp, { validAt: new Date(this.clock()), checkTrust: this.requireTrustedIssuers, selfAttestable: allowed });
    if (!v.ok) throw invalidInput(`registration refused: ${v.reason}`);
    // holder binding for credentials without a proof: every credential is about the signer
    for (const c of vp.credentials) {
      const cs = typeof c === 'string' ? (decodeJwt(c).sub as string | undefined) : ((c.credentialSubject as { id?: string } | undefined)?.id);
      if (cs !== vp.signer) throw invalidInput(`credential subject ${String(cs)} is not the presentation signer ${vp.signer}`);
    }
    await this.list(serviceId);
    try {
      await this.store.append({ serviceId, id: claims.jti, subject: vp.signer, vp: body, expiresAt: vp.expires, retracted }, retractId);
    } catch (e) {
      throw new NodeError('unavailable', `registration could not be stored: ${(e as Error).message}`, { cause: e });
    }
  }
}
