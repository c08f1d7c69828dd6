// OAuth errors with the codes nuts-node uses; the description says which check failed.
import { NodeError, type ErrorCode } from '../core/errors.js';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'invalid_dpop_proof'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_grant: 400,
  invalid_scope: 400,
  invalid_client: 401,
  unsupported_grant_type: 400,
  invalid_dpop_proof: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  server_error: 500,
};

/** Thrown by the authorization server; the 'oauth' error dialect writes `{error, error_description}`. */
export class OAuthError extends NodeError {
  constructor(
    readonly oauthError: OAuthErrorCode,
    description: string,
    options?: { cause?: unknown; status?: number },
  ) {
    const status = options?.status ?? STATUS[oauthError];
    const code: ErrorCode = status >= 500 ? 'unavailable' : status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'invalid_input';
    super(code, description, { status, cause: options?.cause });
  }
}

export const oauthError = (code: OAuthErrorCode, description: string, cause?: unknown) => new OAuthError(code, description, { cause });
