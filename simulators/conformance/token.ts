// An access token for the FHIR target obtained the RFC021 way: the supplier's own node asks the authorization server.
import { answerOf, brief } from './http.js';
import type { NodeClient } from '../../node/src/api-client/index.js';

export interface TokenRequest {
  /** internal API of the node that holds the requesting organisation's wallet */
  node: string;
  subject: string;
  /** the authorization server (…/oauth2/<subject>) that guards the FHIR target */
  authorizationServer: string;
  scope: string;
  /** the care worker named in the self-attested NutsEmployeeCredential */
  employee: { name: string; roleName: string; roleCode: string; identifier: string };
}

export class TokenError extends Error {}

/** Bearer token type, so every search carries one header; DPoP-bound tokens need a proof per request. */
export async function requestServiceAccessToken(node: NodeClient, r: TokenRequest): Promise<string> {
  const a = await answerOf(node.POST('/internal/auth/v2/{subjectID}/request-service-access-token', {
    params: { path: { subjectID: r.subject } },
    body: {
      authorization_server: r.authorizationServer,
      scope: r.scope,
      token_type: 'Bearer',
      credentials: [
        {
          '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'],
          type: ['VerifiableCredential', 'NutsEmployeeCredential'],
          credentialSubject: r.employee,
        },
      ],
    },
  }));
  if (a.status !== 200 || typeof a.json?.access_token !== 'string') throw new TokenError(`no access token from ${r.node} for subject '${r.subject}' at ${r.authorizationServer}: ${brief(a)}`);
  return `${a.json.token_type === 'DPoP' ? 'DPoP' : 'Bearer'} ${a.json.access_token}`;
}
