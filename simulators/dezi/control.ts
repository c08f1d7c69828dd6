// The simulated Dezi's lab control as another process reaches it: revoke a care worker's verklaringen, lift every revocation.
import { createApiClient, NodeApiError } from '../../node/src/api-client/index.js';
import type { paths as DeziPaths } from '../shared/api/dezi-v1.js';

/** The care worker the revoked-dezi-declaration scenario revokes (the CLI's and dashboard's default Dezi login). */
export const REVOKED_SCENARIO_WORKER = 'chris';

export interface DeziControl {
  revoke(worker: string): Promise<string>;
  restore(): Promise<string>;
}

/** Typed client of simulators/dezi/api/dezi-v1.yaml; a refusal reads `Dezi control <method> answered HTTP <status>: <detail>`. */
export function deziControl(baseUrl: string, f: typeof fetch = fetch): DeziControl {
  const dezi = createApiClient<DeziPaths>(baseUrl, { label: 'Dezi control', fetch: f, timeoutMs: 5000 });
  const call = async (method: 'POST' | 'DELETE', answer: Promise<{ data?: { message?: string } }>): Promise<string> => {
    try {
      return (await answer).data?.message ?? `Dezi control ${method} done`;
    } catch (e) {
      // the scenarios have always reported a refusal in these words; an unreachable Dezi stays the client's NodeApiError
      if (e instanceof NodeApiError && e.kind === 'refused') throw new Error(`Dezi control ${method} answered HTTP ${e.status}: ${e.problem?.detail ?? ''}`, { cause: e });
      throw e;
    }
  };
  return {
    revoke: (worker) => call('POST', dezi.POST('/internal/dezi/v1/revocations', { body: { worker } })),
    restore: () => call('DELETE', dezi.DELETE('/internal/dezi/v1/revocations')),
  };
}
