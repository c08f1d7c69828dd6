import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { SourceServer } from './source-server.js';

const app = express();
app.get('/ping', (_req, res) => void res.json({ ok: true }));
const SECRET = 'per-start-secret-of-the-test';
const source = new SourceServer(app, { secret: SECRET });
const asBroker = { headers: { authorization: `Bearer ${SECRET}` } };
afterAll(() => source.stop());

describe('simulated source server', () => {
  it('answers when up, refuses connections when down, and comes back on the same port', async () => {
    await source.start();
    const url = source.url;
    expect((await fetch(`${url}/ping`, asBroker)).status).toBe(200);
    await source.setAvailable(false);
    await expect(fetch(`${url}/ping`, asBroker)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await source.setAvailable(true);
    expect(source.url).toBe(url);
    expect((await fetch(`${url}/ping`, asBroker)).status).toBe(200);
  });

  it('answers only the holder of its secret (401 OperationOutcome otherwise)', async () => {
    await source.start();
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: SECRET }, { authorization: `Basic ${SECRET}` }]) {
      const res = await fetch(`${source.url}/ping`, { headers });
      expect(res.status).toBe(401);
      expect((await res.json()).resourceType).toBe('OperationOutcome');
    }
    expect(() => new SourceServer(app, { secret: 'short' })).toThrow(TypeError);
  });

  it('delays answers by its latency, so a caller with a shorter timeout gives up', async () => {
    source.setLatency(300);
    await expect(fetch(`${source.url}/ping`, { ...asBroker, signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    source.setLatency(0);
    expect((await fetch(`${source.url}/ping`, asBroker)).status).toBe(200);
  });
});
