// The exit-code contract of every nuts-lsp-lab command, and the checks that make a bad argument a usage error before
// any network call: 0 ok, 1 a check failed or the network refused, 2 usage error, 3 something unreachable.
import { isValidBsn } from '../../node/src/fhir/index.js';

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

/** A fetch that could not reach its target (connection refused, DNS, timeout) is exit 3, naming the target. */
export async function fetchOrUnreachable(what: string, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? ((e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message);
    throw new CliError(`${what} at ${new URL(url).origin} unreachable (${cause})`, EXIT.unreachable);
  }
}

/** The local reference node's internal API, the default of every command that talks to a node. */
export const DEFAULT_NODE = 'http://127.0.0.1:8081';
