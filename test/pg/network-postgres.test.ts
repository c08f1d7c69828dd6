// The local network on one PostgreSQL database (DATABASE_URL), as `DATABASE_URL=… npm start` runs it: each node in its
// own schema, the care worker's flow works, and a restart keeps DIDs and credentials.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startNetwork } from '../../simulators/network/network.js';
import { EcdClient } from '../../simulators/ecd/client.js';
import { networkPorts } from '../helpers/ports.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

const dir = mkdtempSync(path.join(tmpdir(), 'nll-pg-network-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('runs the network on PostgreSQL with a schema per node, and restarts with the same identities', async () => {
  // a database of its own, so the per-node schemas (vvt, lsp) start empty
  const db = `net_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const dbUrl = url.replace(/\/[^/]*$/, `/${db}`);
  const ports = await networkPorts();
  const opts = { datadir: dir, ports, env: { DATABASE_URL: dbUrl }, dashboard: false, log: () => {}, logLevel: 'silent' as const };
  const first = await startNetwork(opts);
  const did = first.seeded.vvtDid;
  try {
    expect(first.vvt.store.db.location).toMatch(/#vvt$/);
    expect(first.lsp.node.store.db.location).toMatch(/#lsp$/);
    const ecd = new EcdClient({ nodeUrl: first.vvt.internalUrl, subject: 'vvt', serviceId: 'mp9-medicatieoverdracht' });
    const r = await ecd.fetchMedicationData({ careWorker: { name: 'Anna de Vries', roleName: 'Verzorgende IG', roleCode: 'VVT.001', identifier: 'anna' }, bsn: first.seeded.clients[0]!.bsn });
    expect(r.ok).toBe(true);
  } finally {
    await first.stop();
  }
  const second = await startNetwork(opts);
  try {
    expect(second.seeded.vvtDid).toBe(did);
    const check = new pg.Client({ connectionString: dbUrl });
    await check.connect();
    const schemas = await check.query(`select count(*)::int as n from vdr_subjects`, []).catch(() => undefined);
    expect(schemas).toBeUndefined(); // nothing in public: the tables live in the node schemas
    const vvt = await check.query('select id from vvt.vdr_subjects order by id');
    expect(vvt.rows.map((x: { id: string }) => x.id)).toContain('vvt');
    await check.end();
  } finally {
    await second.stop();
  }
}, 90_000);
