import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { aortaHeaders, parseAortaId } from './aorta.js';

const app = express();
app.use(aortaHeaders);
app.get('/ok', (_req, res) => void res.json({ ok: true }));
app.get('/fail', (_req, res) => void res.status(400).json({ resourceType: 'OperationOutcome' }));

describe('AORTA headers', () => {
  it('echoes the caller’s AORTA-ID on success and on error', async () => {
    for (const path of ['/ok', '/fail']) {
      const res = await request(app).get(path).set('AORTA-ID', 'initialRequestID=abc; requestID=def');
      expect(res.headers['aorta-id']).toBe('initialRequestID=abc; requestID=def');
      expect(res.headers['aorta-version']).toBe('contentVersion=1.0');
    }
  });
  it('creates one when absent, with the initial id equal to the request id', async () => {
    const res = await request(app).get('/ok');
    const id = parseAortaId(res.headers['aorta-id']);
    expect(id.requestID).toMatch(/^[0-9a-f-]{36}$/);
    expect(id.initialRequestID).toBe(id.requestID);
  });
  it('keeps the initial request id of a chain and ignores malformed parts', () => {
    expect(parseAortaId('initialRequestID=first; requestID=second')).toEqual({ initialRequestID: 'first', requestID: 'second' });
    expect(parseAortaId('requestID=bad value with spaces; initialRequestID=ok')).toEqual({ initialRequestID: 'ok' });
    expect(parseAortaId(undefined)).toEqual({});
  });
});
