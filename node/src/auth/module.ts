// Auth engine: session store, authorization server, client and the access-token verifier, wired to vdr, crypto, policy and vcr.
import type { Engine, HealthStatus } from '../core/engine.js';
import type { CryptoEngine } from '../crypto/index.js';
import type { PolicyEngine } from '../policy/index.js';
import type { StoreEngine } from '../store/index.js';
import type { VdrEngine } from '../vdr/index.js';
import { AuthClient } from './client.js';
import { OpenId4Vp } from './openid4vp/index.js';
import type { AuditPort } from './audit.js';
import type { VcrPort } from './ports.js';
import { AuthorizationServer } from './server.js';
import { SqlSessionStore, authMigrations } from './store.js';
import { accessTokenVerifier, type AccessTokenVerifier } from './verify.js';

export interface AuthOptions {
  baseUrl: () => string;
  clock: () => number;
  fetch: typeof fetch;
  accessTokenValiditySeconds: number;
  jwtBearerAccessTokenValiditySeconds: number;
  defaultTokenType: 'DPoP' | 'Bearer';
  tokenCacheMarginSeconds: number;
  clientTimeoutMs: number;
  requireTrustedIssuers?: boolean;
  /** how often expired access tokens, nonces and DPoP jtis are deleted (default 60 s) */
  sessionPurgeIntervalMs?: number;
  /** NEN 7513 log (the audit module's recorder): token grants, refusals and introspections */
  audit?: AuditPort;
  /** the OpenID4VP user flow (authorization code grant, /authorize, /response, /callback, request-user-access-token) */
  authorizationEndpoint?: boolean;
  /** the resource server's role matrix, asked whether a verified Dezi role may use a scope at all */
  deziRoleMayUse?: (scope: string, role: string) => string | undefined;
}

export class AuthEngine implements Engine {
  readonly name = 'auth';
  readonly sessions: SqlSessionStore;
  readonly server: AuthorizationServer;
  readonly client: AuthClient;
  /** resource-server check of an incoming request, for the FHIR capability and tests */
  readonly verifyAccessToken: AccessTokenVerifier;
  /** the same check in the `{ verify(req) }` shape the FHIR capability's AccessTokenVerifier port takes */
  readonly tokenVerifier: { verify: AccessTokenVerifier };
  /** the OpenID4VP user flow; undefined when auth.authorizationEndpoint.enabled is false */
  readonly openid4vp?: OpenId4Vp;
  private purgeTimer?: NodeJS.Timeout;

  constructor(store: StoreEngine, crypto: CryptoEngine, vdr: VdrEngine, policy: PolicyEngine, vcr: () => VcrPort, private readonly o: AuthOptions) {
    store.register(authMigrations);
    this.sessions = new SqlSessionStore(store, o.clock);
    const issuerUrl = (subject: string) => `${o.baseUrl()}/oauth2/${subject}`;
    if (o.authorizationEndpoint) {
      this.openid4vp = new OpenId4Vp({
        sessions: this.sessions,
        subjects: vdr.subjects,
        crypto: crypto.service,
        resolver: vdr.resolver,
        vcr,
        verifier: () => vcr().verifier,
        policies: () => policy.policies,
        issuerUrl,
        metadata: (subject) => this.server.metadata(subject),
        fetch: o.fetch,
        clock: o.clock,
        timeoutMs: o.clientTimeoutMs,
        defaultTokenType: o.defaultTokenType,
        requireTrustedIssuers: o.requireTrustedIssuers,
      });
    }
    const oid4vp = this.openid4vp;
    this.server = new AuthorizationServer({
      subjects: vdr.subjects,
      policies: () => policy.policies,
      sessions: this.sessions,
      verifier: () => vcr().verifier,
      baseUrl: o.baseUrl,
      clock: o.clock,
      accessTokenValidityMs: o.accessTokenValiditySeconds * 1000,
      jwtBearerAccessTokenValidityMs: o.jwtBearerAccessTokenValiditySeconds * 1000,
      requireTrustedIssuers: o.requireTrustedIssuers,
      audit: o.audit,
      ...(oid4vp ? { codeGrant: (subject, req, facts) => oid4vp.verifier.redeemCode(subject, req, facts) } : {}),
      deziRoleMayUse: o.deziRoleMayUse,
    });
    this.client = new AuthClient({
      subjects: vdr.subjects,
      crypto: crypto.service,
      vcr,
      policies: () => policy.policies,
      fetch: o.fetch,
      clock: o.clock,
      baseUrl: o.baseUrl,
      defaultTokenType: o.defaultTokenType,
      cacheMarginMs: o.tokenCacheMarginSeconds * 1000,
      timeoutMs: o.clientTimeoutMs,
    });
    this.verifyAccessToken = accessTokenVerifier(this.server, this.sessions, o.clock);
    this.tokenVerifier = { verify: this.verifyAccessToken };
  }

  start(): void {
    this.purgeTimer = setInterval(() => void this.sessions.purgeExpired().catch(() => {}), this.o.sessionPurgeIntervalMs ?? 60_000);
    this.purgeTimer.unref();
  }

  stop(): void {
    clearInterval(this.purgeTimer);
  }

  health(): HealthStatus {
    return { status: 'UP' };
  }
}
