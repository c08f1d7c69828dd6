// Runs the session store contract against embedded SQLite: in memory, and on disk (WAL), where two instances share it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../node/src/store/index.js';
import { sessionStoreContract } from './session-store.contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-session-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

sessionStoreContract('SQLite :memory:', { open: () => openDatabase({ sqlite: ':memory:' }), shared: false });
sessionStoreContract('SQLite file', { open: (same) => openDatabase({ sqlite: path.join(dir, `s-${same ? n : ++n}`, 'node.db') }), shared: true });
