// Runs the audit store contract against embedded SQLite: in memory, and on disk (WAL), where two instances can share it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { auditStoreContract } from './audit-store.contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-audit-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

auditStoreContract('SQLite :memory:', { fresh: () => ':memory:', shared: false });
auditStoreContract('SQLite file', { fresh: () => path.join(dir, `log-${++n}`, 'node.db'), shared: true });
