// Resource-server check of an incoming request's access token: Bearer or DPoP (htm, htu, ath, jti, cnf.jkt), with revocation re-checked.
import type { SessionStore } from './store.js';
import { validateDpopProof } from './dpop.js';
import { introspectionOf, type AuthorizationServer } from './server.js';

export interface AccessTokenRequest {
  /** the Authorization header */
  authorization?: string;
  /** the DPoP header */
  dpop?: string;
  method: string;
  /** absolute URL of the request as the client addressed it */
  url: string;
}

export type AccessTokenVerification =
  | ({ active: true; token_type: 'DPoP' | 'Bearer'; scope: string; client_id: string; iss: string; exp: number; iat: number } & Record<string, unknown>)
  | { active: false; error: 'invalid_token' | 'invalid_dpop_proof'; reason: string; /** a malformed request (400) rather than a refused credential (401) */ malformed?: boolean };

export type AccessTokenVerifier = (req: AccessTokenRequest) => Promise<AccessTokenVerification>;

export function accessTokenVerifier(server: AuthorizationServer, sessions: SessionStore, clock: () => number): AccessTokenVerifier {
  return async (req) => {
    const m = /^(Bearer|DPoP)\s+(\S+)$/i.exec(req.authorization?.trim() ?? '');
    if (!m) return { active: false, error: 'invalid_token', reason: req.authorization ? 'Authorization header must be "Bearer <token>" or "DPoP <token>"' : 'no access token' };
    const scheme = m[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = m[2]!;
    const { record, reason } = await server.lookup(token);
    if (!record) return { active: false, error: 'invalid_token', reason: reason ?? 'token is not active' };
    if (record.tokenType !== scheme) return { active: false, error: 'invalid_token', reason: `token is ${record.tokenType}-bound but was presented with scheme ${scheme}` };
    if (record.tokenType === 'DPoP') {
      if (!req.dpop) return { active: false, error: 'invalid_dpop_proof', reason: 'DPoP header is missing' };
      const r = await validateDpopProof(req.dpop, { method: req.method, url: req.url, token, thumbprint: record.jkt }, sessions, clock);
      if (!r.valid) return { active: false, error: 'invalid_dpop_proof', reason: r.reason, ...(r.malformed ? { malformed: true } : {}) };
    }
    return { ...introspectionOf(record), token_type: record.tokenType };
  };
}
