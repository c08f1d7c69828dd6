// Errors of the PKI capability: an X.509 check that failed, with the verification code callers report.
import { NodeError } from '../core/errors.js';
import type { VerificationCode } from '../vcr/types.js';

/**
 * A did:x509 resolution or certificate check that failed. It is a 400 `invalid_input` for HTTP callers (never cached
 * as "not found", since the same DID resolves fine with another chain) and carries the credential verification `reason`.
 */
export class X509Failure extends NodeError {
  constructor(
    readonly reason: VerificationCode,
    message: string,
  ) {
    super('invalid_input', message);
    this.name = 'X509Failure';
  }
}

export const x509Fail = (reason: VerificationCode, message: string): never => {
  throw new X509Failure(reason, message);
};
