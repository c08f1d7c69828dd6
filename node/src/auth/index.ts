// Public face of the auth capability (Auth v2: RFC021 AS and client, introspection, DPoP).
export { AuthEngine, type AuthOptions } from './module.js';
export { AuthorizationServer, introspectionOf, MAX_PRESENTATION_VALIDITY_MS, NONCE_TTL_MS, VP_TOKEN_BEARER, type AccessTokenRecord, type TokenResponse, type IntrospectionResponse } from './server.js';
export { JWT_BEARER, JWT_BEARER_CLIENT_ASSERTION_TYPE, checkJwtBearerGrant, bindingProblem, isJwtBearerProfile, type JwtBearerGrant, type JwtBearerRequest } from './jwtbearer.js';
export { AuthClient, chooseVpFormat, completeSelfAttested, type ClientTokenResponse } from './client.js';
export { accessTokenVerifier, type AccessTokenVerifier, type AccessTokenRequest, type AccessTokenVerification } from './verify.js';
export { createDpopProof, validateDpopProof, accessTokenHash, DPOP_JTI_TTL_MS } from './dpop.js';
export { SqlSessionStore, authMigrations, type SessionStore } from './store.js';
export { OAuthError, oauthError } from './errors.js';
export { authInternalRouter } from './api/internal.js';
export { oauth2Router, wellKnownRouter } from './api/public.js';
export { OpenId4Vp } from './openid4vp/index.js';
export { openid4vpInternalRouter, openid4vpPublicRouter, openidConfigurationRouter } from './openid4vp/routes.js';
export type { VcrPort } from './ports.js';
export { AUTH_PROTOCOL, tokenActor, type AuditPort } from './audit.js';
