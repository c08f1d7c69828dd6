// Attack: bodies over the dashboard's 100 KB limit, gzip that does not inflate and gzip that inflates past the limit;
// the dashboard blamed the network for them (502) instead of refusing the request.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../../simulators/network/dashboard/server.js';
import { createFakeDashboardOptions } from '../../simulators/network/dashboard/fake.js';
import { rawRequest } from './attacker.js';

let dashboard: { url: string; close(): Promise<void> };
const fake = createFakeDashboardOptions({ delayMs: 1 });
beforeAll(async () => {
  dashboard = await createDashboard(fake).listen(0);
});
afterAll(async () => dashboard?.close());

const post = (body: string | Buffer, headers: Record<string, string> = {}) => rawRequest(`${dashboard.url}/api/flow`, 'POST', { 'content-type': 'application/json', ...headers }, body);
const problem = (text: string) => JSON.parse(text) as { title: string; status: number; detail: string };

describe('dashboard request bodies', () => {
  it('a body over 100 KB is 413, not 502', async () => {
    const r = await post(JSON.stringify({ careWorkerId: 'anna', bsn: '999911120', pad: 'x'.repeat(150_000) }));
    expect(r.status).toBe(413);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem(r.text)).toMatchObject({ status: 413, detail: expect.stringMatching(/100kb/) });
  });

  it('a gzip bomb (small on the wire, over the limit inflated) is 413', async () => {
    const bomb = gzipSync(JSON.stringify({ careWorkerId: 'anna', bsn: '999911120', pad: '0'.repeat(5_000_000) }));
    expect(bomb.length).toBeLessThan(100_000);
    const r = await post(bomb, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
  });

  it('gzip that does not inflate is 400, not 502', async () => {
    const r = await post(Buffer.from('this is not gzip at all'), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(problem(r.text)).toMatchObject({ status: 400, title: 'bad request' });
  });

  it('an unknown content encoding is 415', async () => {
    const r = await post('{}', { 'content-encoding': 'br-and-something' });
    expect(r.status).toBe(415);
  });

  it('a proper request still runs the flow', async () => {
    const r = await post(JSON.stringify({ careWorkerId: 'bram', bsn: '999900493' }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ ok: true });
  });
});
