// Runs the storage contract against a real PostgreSQL (TEST_DATABASE_URL); .ci/run starts one on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../node/src/store/index.js';
import { storeContract } from '../contracts/store.contract.js';
import { startTestNode, internal } from '../helpers/node.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

const schema = () => `t_${randomBytes(6).toString('hex')}`;

storeContract('PostgreSQL', () => openDatabase({ url, schema: schema() }));

describe('a node on PostgreSQL', () => {
  it('keeps subjects and keys across a restart', async () => {
    const s = schema();
    const first = await startTestNode('pg', { database: { url, schema: s } });
    const created = await internal(first, 'POST', '/internal/vdr/v2/subject', { subject: 'acme' });
    expect(created.status).toBe(200);
    await first.stop();
    const second = await startTestNode('pg', { database: { url, schema: s } });
    try {
      const key = await second.vdr.subjects.signingKey('acme');
      const jwt = await second.crypto.service.signJwt({ a: 1 }, key.kid);
      expect(jwt.split('.')).toHaveLength(3);
      expect((await internal(second, 'GET', '/internal/vdr/v2/subject')).json).toHaveProperty('acme');
      const health = await internal(second, 'GET', '/health');
      expect(health.json.details.store).toEqual({ status: 'UP', details: { dialect: 'postgres' } });
    } finally {
      await second.stop();
    }
  });

  it('refuses to start with a clear message when PostgreSQL is unreachable', async () => {
    await expect(startTestNode('pg-down', { database: { url: 'postgres://nobody:secret@127.0.0.1:1/none' } })).rejects.toThrow(/cannot connect to PostgreSQL \(postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none\)/);
  });
});
