// The simulated Dezi's lab control as another process reaches it: revoke a care worker's verklaringen, lift every revocation.
import { readBody } from '../../node/src/core/index.js';

/** The care worker the revoked-dezi-declaration scenario revokes (the CLI's and dashboard's default Dezi login). */
export const REVOKED_SCENARIO_WORKER = 'chris';

export interface DeziControl {
  revoke(worker: string): Promise<string>;
  restore(): Promise<string>;
}

export function deziControl(baseUrl: string, f: typeof fetch = fetch): DeziControl {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (method: 'POST' | 'DELETE', body?: unknown): Promise<string> => {
    const res = await f(`${base}/internal/dezi/v1/revocations`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    const { json } = await readBody(res);
    const j = json as { message?: string; detail?: string } | undefined;
    if (!res.ok) throw new Error(`Dezi control ${method} answered HTTP ${res.status}: ${j?.detail ?? ''}`);
    return j?.message ?? `Dezi control ${method} done`;
  };
  return { revoke: (worker) => call('POST', { worker }), restore: () => call('DELETE') };
}
