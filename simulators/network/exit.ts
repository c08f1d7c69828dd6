// The exit-code contract of every nuts-lsp-lab command, and the checks that make a bad argument a usage error before
// any network call: 0 ok, 1 a check failed or the network refused, 2 usage error, 3 something unreachable.
import { isValidBsn } from '../../node/src/fhir/index.js';
import { NodeApiError } from '../../node/src/api-client/index.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** An error that ends the CLI with a chosen exit code and one line on stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

/** A BSN argument: 9 digits passing the 11-check (elfproef), else a usage error naming the option. */
export function checkBsn(bsn: string, option = '--bsn'): string {
  if (!/^\d{9}$/.test(bsn)) throw usageError(`${option} must be 9 digits, got '${bsn}'`);
  if (!isValidBsn(bsn)) throw usageError(`${option} '${bsn}' fails the 11-check (elfproef): not a BSN`);
  return bsn;
}

/** The exit code of a failed internal-API call: 3 when the target could not be reached, 1 when it refused. */
export const exitCodeOf = (e: NodeApiError) => (e.kind === 'unreachable' ? EXIT.unreachable : EXIT.failed);

/**
 * Awaits a call of an internal API; its NodeApiError becomes the command's one line on stderr and its exit code. With a
 * context, a refusal reads `<context> (<status>): <what the target said>`; without, the error's own message (which
 * names the target and the call).
 */
export async function cliCall<T>(call: Promise<T>, context?: string): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (!(e instanceof NodeApiError)) throw e;
    throw new CliError(e.kind === 'refused' && context ? `${context} (${e.status}): ${e.detail}` : e.message, exitCodeOf(e));
  }
}

/** The local reference node's internal API, the default of every command that talks to a node. */
export const DEFAULT_NODE = 'http://127.0.0.1:8081';
