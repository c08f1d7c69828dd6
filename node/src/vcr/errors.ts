// Errors of the VCR capability: a failed credential check, with the verification code callers receive.
import type { VerificationCode } from './types.js';

/** A failed check with the reason code callers receive; verifier functions turn it into a result. */
export class CheckFailure extends Error {
  constructor(
    readonly code: VerificationCode,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON-LD context the node does not embed: such a credential cannot be canonicalised, so it cannot verify. */
export class UnknownContextError extends Error {}

export const fail = (code: VerificationCode, message: string): never => {
  throw new CheckFailure(code, message);
};
