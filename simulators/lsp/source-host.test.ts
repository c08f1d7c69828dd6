// The source process: real HTTP behind the broker's secret, driven over IPC, ended by stop(); the signal and crash cases are in test/cli/source-process.test.ts.
import { describe, expect, it } from 'vitest';
import { loadSourcesFile } from './sources.js';
import { sourceHost } from './source-host.js';

const SECRET = 'per-start-secret-of-this-test';
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 10_000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('source process', () => {
  it('serves each source over HTTP to the broker’s secret only, and ends on stop()', async () => {
    const host = sourceHost('process', loadSourcesFile().sources, { secret: SECRET });
    await host.start();
    const pid = host.pid!;
    expect(pid).not.toBe(process.pid);
    for (const s of host.sources) {
      expect((await fetch(`${s.fhirBase}/metadata`, { headers: { authorization: `Bearer ${SECRET}` } })).status).toBe(200);
      expect((await fetch(`${s.fhirBase}/metadata`, { headers: { authorization: 'Bearer guessed-guessed-guessed' } })).status).toBe(401);
    }
    const [first] = host.sources;
    await first!.put([{ resourceType: 'Patient', id: 'p1' }]);
    expect(await first!.read('Patient', 'p1')).toMatchObject({ resourceType: 'Patient', id: 'p1' });
    await first!.setAvailable(false);
    expect(first!.state.available).toBe(false);
    // a down source answers nothing: a new connection is refused, a kept-alive one from above is closed under the request
    await expect(fetch(`${first!.fhirBase}/metadata`)).rejects.toMatchObject({ cause: { code: expect.stringMatching(/^(ECONNREFUSED|UND_ERR_SOCKET|ECONNRESET)$/) } });
    await host.stop();
    expect(await gone(pid)).toBe(true);
  });

  it('reports its sources down when the source process dies under it', async () => {
    const host = sourceHost('process', loadSourcesFile().sources, { secret: SECRET });
    await host.start();
    process.kill(host.pid!, 'SIGKILL');
    await expect.poll(() => host.sources.every((s) => !s.state.available)).toBe(true);
    await expect(host.sources[0]!.list('Patient')).rejects.toThrow(/not running/);
    await host.stop();
  });

});
