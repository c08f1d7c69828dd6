// Runs the FhirBackend, audit store and session store contracts against a real PostgreSQL (TEST_DATABASE_URL), each
// test on a schema of its own; two instances on one schema stand for two processes or replicas.
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../node/src/store/index.js';
import { auditStoreContract } from '../contracts/audit-store.contract.js';
import { fhirBackendContract, nodeBackend } from '../contracts/fhir-backend.contract.js';
import { sessionStoreContract } from '../contracts/session-store.contract.js';
import { startTestNode } from '../helpers/node.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

const schema = () => `c_${randomBytes(6).toString('hex')}`;
let last = schema();

fhirBackendContract('embedded, PostgreSQL', async () => nodeBackend(await startTestNode('fb-pg', { database: { url, schema: schema() } })), { patientSearch: true });
auditStoreContract('PostgreSQL', { fresh: () => ({ url, schema: schema() }), shared: true });
sessionStoreContract('PostgreSQL', { open: (same) => openDatabase({ url, schema: same ? last : (last = schema()) }), shared: true });
