// The user wallet of the OpenID4VP flow, as nuts-node makes it: an ephemeral did:jwk per browser session holding an EmployeeCredential the organisation issues for the preauthorized user.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { toPeCredential } from '../../pe/index.js';
import { jwkToDidJwk } from '../../vdr/index.js';
import type { WireCredential, WirePresentation } from '../ports.js';

/** the preauthorized user (request-user-access-token `preauthorized_user`) */
export interface FlowUser {
  id: string;
  name?: string;
  role?: string;
}

/** A browser's session at the client node (cookie), with its user wallet. */
export interface UserSession {
  subject: string;
  user: FlowUser;
  did: string;
  /** private JWK of the ephemeral key: never leaves the session store */
  key: JWK;
  credentials: WireCredential[];
  /** authorization servers this session started a flow with: the only verifiers its wallets present to */
  authorizationServers: string[];
}

/** nuts-node's user session lifetime */
export const USER_SESSION_TTL_MS = 15 * 60_000;
export const EMPLOYEE_CREDENTIAL = 'EmployeeCredential';

/** The issue request for the user's EmployeeCredential (nuts-node: identifier, name, roleName; JWT; no status list). */
export function employeeCredentialRequest(issuer: string, holder: string, user: FlowUser, expires: number): Record<string, unknown> {
  return {
    type: EMPLOYEE_CREDENTIAL,
    issuer,
    format: 'jwt_vc',
    expirationDate: new Date(expires).toISOString(),
    withStatusList2021Revocation: false,
    credentialSubject: { id: holder, identifier: user.id, name: user.name, roleName: user.role },
  };
}

/** A fresh ephemeral key and its did:jwk. */
export async function newUserKey(): Promise<{ did: string; key: JWK }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const key = { ...(await exportJWK(privateKey)), alg: 'ES256' };
  return { did: jwkToDidJwk(key), key };
}

/** A JWT presentation signed by the user wallet's key (kid `did:jwk:…#0`). */
export async function signUserPresentation(s: UserSession, credentials: WireCredential[], o: { audience: string; nonce: string; lifetimeSeconds: number; now: number }): Promise<WirePresentation> {
  const now = Math.floor(o.now / 1000);
  const key = await importJWK(s.key, 'ES256');
  return new SignJWT({
    jti: `${s.did}#${randomUUID()}`,
    nonce: o.nonce,
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], holder: s.did, verifiableCredential: credentials },
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: `${s.did}#0` })
    .setIssuer(s.did)
    .setSubject(s.did)
    .setAudience(o.audience)
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + o.lifetimeSeconds)
    .sign(key);
}

/** The user an EmployeeCredential names (identifier, name, roleName), for the NEN 7513 record of the grant. */
export function userOf(vc: WireCredential): FlowUser | undefined {
  try {
    const j = toPeCredential(vc).json;
    const types = Array.isArray(j.type) ? j.type : [j.type];
    if (!types.includes(EMPLOYEE_CREDENTIAL)) return undefined;
    const cs = (Array.isArray(j.credentialSubject) ? j.credentialSubject[0] : j.credentialSubject) as Record<string, unknown> | undefined;
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const id = text(cs?.identifier);
    return id ? { id, name: text(cs?.name), role: text(cs?.roleName) } : undefined;
  } catch {
    return undefined;
  }
}
