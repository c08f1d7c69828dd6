// Storage engine: opens the database at configure time, runs every module's migrations at start.
import type { Engine, HealthStatus } from '../core/engine.js';
import type { Database, DatabaseOptions, Migrations } from './database.js';
import { openDatabase } from './database.js';

export class StoreEngine implements Engine {
  readonly name = 'store';
  private database?: Database;
  private readonly migrations: Migrations = {};

  constructor(private readonly options: DatabaseOptions) {}

  /** Modules register their migrations before start. */
  register(migrations: Migrations): void {
    for (const [name, m] of Object.entries(migrations)) {
      if (this.migrations[name]) throw new Error(`duplicate migration name ${name}`);
      this.migrations[name] = m;
    }
  }

  async configure(): Promise<void> {
    this.database ??= await openDatabase(this.options);
  }

  async start(): Promise<void> {
    await this.configure();
    await this.database!.migrate(this.migrations);
  }

  get db(): Database {
    if (!this.database) throw new Error('store not configured');
    return this.database;
  }

  async stop(): Promise<void> {
    await this.database?.close();
    this.database = undefined;
  }

  async health(): Promise<HealthStatus> {
    try {
      await this.db.ping();
      return { status: 'UP', details: { dialect: this.db.dialect } };
    } catch (e) {
      return { status: 'DOWN', details: (e as Error).message };
    }
  }
}
