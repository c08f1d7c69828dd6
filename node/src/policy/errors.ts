// Errors of the policy capability: a scope no policy serves.
import { NodeError } from '../core/errors.js';

/** Why a scope request cannot be served; code is the OAuth error code. */
export class ScopeError extends NodeError {
  readonly oauthError = 'invalid_scope';
  constructor(message: string) {
    super('invalid_input', message);
  }
}
