// Public face of the storage capability.
export { openDatabase, fixedQuery, isUniqueViolation, redactUrl, type Database, type StatementRun, type DatabaseRef, type DatabaseOptions, type Migrations, type SqlDialect } from './database.js';
export { StoreEngine } from './module.js';
