import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { SourceServer } from './source-server.js';

const app = express();
app.get('/ping', (_req, res) => void res.json({ ok: true }));
const source = new SourceServer(app);
afterAll(() => source.stop());

describe('simulated source server', () => {
  it('answers when up, refuses connections when down, and comes back on the same port', async () => {
    await source.start();
    const url = source.url;
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    await source.setAvailable(false);
    await expect(fetch(`${url}/ping`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await source.setAvailable(true);
    expect(source.url).toBe(url);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });

  it('delays answers by its latency, so a caller with a shorter timeout gives up', async () => {
    source.setLatency(300);
    await expect(fetch(`${source.url}/ping`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    source.setLatency(0);
    expect((await fetch(`${source.url}/ping`)).status).toBe(200);
  });
});
