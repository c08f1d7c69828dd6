// Discovery storage: the server's presentation lists (Lamport timestamps, seed) and the client's copies and activations.
import type { Kysely } from 'kysely';
import type { DatabaseRef, Migrations } from '../store/index.js';

export interface ServerEntry {
  serviceId: string;
  timestamp: number;
  /** VP jti */
  id: string;
  /** signer DID */
  subject: string;
  vp: string;
  expiresAt: number;
  retracted: boolean;
}

export interface ClientEntry {
  serviceId: string;
  id: string;
  subject: string;
  vp: string;
  expiresAt: number;
}

export interface Activation {
  serviceId: string;
  subject: string;
  parameters: Record<string, unknown>;
  status: 'active' | 'error';
  error?: string;
  vp?: string;
  vpId?: string;
  /** epoch ms at which the registration is renewed */
  refreshAt: number;
}

interface Tables {
  discovery_server_lists: { service_id: string; seed: string; last_timestamp: number };
  discovery_server_entries: { service_id: string; ts: number; id: string; subject: string; vp: string; expires_at: number; retracted: number };
  discovery_client_lists: { service_id: string; seed: string; last_timestamp: number };
  discovery_server_seen: { service_id: string; id: string; expires_at: number };
  discovery_client_entries: { service_id: string; id: string; subject: string; vp: string; expires_at: number };
  discovery_activations: { service_id: string; subject: string; parameters: string; status: string; error: string | null; vp: string | null; vp_id: string | null; refresh_at: number };
}

export const discoveryMigrations: Migrations = {
  discovery_001_tables: {
    async up(db) {
      for (const t of ['discovery_server_lists', 'discovery_client_lists']) {
        await db.schema.createTable(t).addColumn('service_id', 'varchar(255)', (c) => c.primaryKey()).addColumn('seed', 'varchar(64)', (c) => c.notNull()).addColumn('last_timestamp', 'bigint', (c) => c.notNull()).execute();
      }
      await db.schema
        .createTable('discovery_server_entries')
        .addColumn('service_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('id', 'varchar(1024)', (c) => c.notNull())
        .addColumn('subject', 'varchar(1024)', (c) => c.notNull())
        .addColumn('vp', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('retracted', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('discovery_server_entries_pk', ['service_id', 'ts'])
        .execute();
      await db.schema.createIndex('discovery_server_entries_id').on('discovery_server_entries').columns(['service_id', 'id']).execute();
      // every accepted jti until it expires, so a superseded or retracted presentation cannot be replayed
      await db.schema
        .createTable('discovery_server_seen')
        .addColumn('service_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('id', 'varchar(1024)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('discovery_server_seen_pk', ['service_id', 'id'])
        .execute();
      await db.schema
        .createTable('discovery_client_entries')
        .addColumn('service_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('id', 'varchar(1024)', (c) => c.notNull())
        .addColumn('subject', 'varchar(1024)', (c) => c.notNull())
        .addColumn('vp', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('discovery_client_entries_pk', ['service_id', 'id'])
        .execute();
      await db.schema
        .createTable('discovery_activations')
        .addColumn('service_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('subject', 'varchar(255)', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('vp', 'text')
        .addColumn('vp_id', 'varchar(1024)')
        .addColumn('refresh_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('discovery_activations_pk', ['service_id', 'subject'])
        .execute();
    },
  },
};

type ListTable = 'discovery_server_lists' | 'discovery_client_lists';

export class SqlDiscoveryStore {
  constructor(private readonly ref: DatabaseRef) {}

  private get db(): Kysely<Tables> {
    return this.ref.db.db as Kysely<Tables>;
  }

  async list(table: ListTable, serviceId: string): Promise<{ seed: string; lastTimestamp: number } | undefined> {
    const r = await this.db.selectFrom(table).selectAll().where('service_id', '=', serviceId).executeTakeFirst();
    return r && { seed: r.seed, lastTimestamp: Number(r.last_timestamp) };
  }

  async setList(table: ListTable, serviceId: string, seed: string, lastTimestamp: number): Promise<void> {
    await this.db.insertInto(table).values({ service_id: serviceId, seed, last_timestamp: lastTimestamp }).onConflict((oc) => oc.column('service_id').doUpdateSet({ seed, last_timestamp: lastTimestamp })).execute();
  }

  /** Server: appends an entry under the next Lamport timestamp, atomically. */
  async append(e: Omit<ServerEntry, 'timestamp'>, retractId?: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const list = await tx.selectFrom('discovery_server_lists').selectAll().where('service_id', '=', e.serviceId).executeTakeFirstOrThrow();
      const ts = Number(list.last_timestamp) + 1;
      if (retractId) await tx.deleteFrom('discovery_server_entries').where('service_id', '=', e.serviceId).where('id', '=', retractId).where('retracted', '=', 0).execute();
      // one registration per subject: a new one replaces the previous
      else await tx.deleteFrom('discovery_server_entries').where('service_id', '=', e.serviceId).where('subject', '=', e.subject).where('retracted', '=', 0).execute();
      await tx.insertInto('discovery_server_seen').values({ service_id: e.serviceId, id: e.id, expires_at: e.expiresAt }).execute();
      await tx.insertInto('discovery_server_entries').values({ service_id: e.serviceId, ts, id: e.id, subject: e.subject, vp: e.vp, expires_at: e.expiresAt, retracted: e.retracted ? 1 : 0 }).execute();
      await tx.updateTable('discovery_server_lists').set({ last_timestamp: ts }).where('service_id', '=', e.serviceId).execute();
      return ts;
    });
  }

  async serverEntry(serviceId: string, id: string): Promise<ServerEntry | undefined> {
    const r = await this.db.selectFrom('discovery_server_entries').selectAll().where('service_id', '=', serviceId).where('id', '=', id).executeTakeFirst();
    return r && { serviceId: r.service_id, timestamp: Number(r.ts), id: r.id, subject: r.subject, vp: r.vp, expiresAt: Number(r.expires_at), retracted: !!r.retracted };
  }

  /** true when a presentation with this id was ever accepted (and has not expired) */
  async seen(serviceId: string, id: string, now: number): Promise<boolean> {
    await this.db.deleteFrom('discovery_server_seen').where('expires_at', '<=', now).execute();
    return !!(await this.db.selectFrom('discovery_server_seen').select('id').where('service_id', '=', serviceId).where('id', '=', id).executeTakeFirst());
  }

  async serverEntriesAfter(serviceId: string, after: number, now: number): Promise<ServerEntry[]> {
    const rows = await this.db.selectFrom('discovery_server_entries').selectAll().where('service_id', '=', serviceId).where('ts', '>', after).where('expires_at', '>', now).orderBy('ts').execute();
    return rows.map((r) => ({ serviceId: r.service_id, timestamp: Number(r.ts), id: r.id, subject: r.subject, vp: r.vp, expiresAt: Number(r.expires_at), retracted: !!r.retracted }));
  }

  async putClientEntry(e: ClientEntry): Promise<void> {
    await this.db.deleteFrom('discovery_client_entries').where('service_id', '=', e.serviceId).where('subject', '=', e.subject).execute();
    await this.db.insertInto('discovery_client_entries').values({ service_id: e.serviceId, id: e.id, subject: e.subject, vp: e.vp, expires_at: e.expiresAt }).onConflict((oc) => oc.columns(['service_id', 'id']).doUpdateSet({ vp: e.vp, expires_at: e.expiresAt })).execute();
  }

  async deleteClientEntry(serviceId: string, id: string): Promise<void> {
    await this.db.deleteFrom('discovery_client_entries').where('service_id', '=', serviceId).where('id', '=', id).execute();
  }

  async clearClientEntries(serviceId: string): Promise<void> {
    await this.db.deleteFrom('discovery_client_entries').where('service_id', '=', serviceId).execute();
  }

  async clientEntries(serviceId: string, now: number): Promise<ClientEntry[]> {
    const rows = await this.db.selectFrom('discovery_client_entries').selectAll().where('service_id', '=', serviceId).where('expires_at', '>', now).orderBy('subject').execute();
    return rows.map((r) => ({ serviceId: r.service_id, id: r.id, subject: r.subject, vp: r.vp, expiresAt: Number(r.expires_at) }));
  }

  async activation(serviceId: string, subject: string): Promise<Activation | undefined> {
    const r = await this.db.selectFrom('discovery_activations').selectAll().where('service_id', '=', serviceId).where('subject', '=', subject).executeTakeFirst();
    return r && toActivation(r);
  }

  async activations(): Promise<Activation[]> {
    return (await this.db.selectFrom('discovery_activations').selectAll().execute()).map(toActivation);
  }

  async putActivation(a: Activation): Promise<void> {
    const row = { service_id: a.serviceId, subject: a.subject, parameters: JSON.stringify(a.parameters), status: a.status, error: a.error ?? null, vp: a.vp ?? null, vp_id: a.vpId ?? null, refresh_at: a.refreshAt };
    await this.db.insertInto('discovery_activations').values(row).onConflict((oc) => oc.columns(['service_id', 'subject']).doUpdateSet(row)).execute();
  }

  async deleteActivation(serviceId: string, subject: string): Promise<void> {
    await this.db.deleteFrom('discovery_activations').where('service_id', '=', serviceId).where('subject', '=', subject).execute();
  }
}

function toActivation(r: Tables['discovery_activations']): Activation {
  return {
    serviceId: r.service_id,
    subject: r.subject,
    parameters: JSON.parse(r.parameters) as Record<string, unknown>,
    status: r.status as 'active' | 'error',
    ...(r.error ? { error: r.error } : {}),
    ...(r.vp ? { vp: r.vp } : {}),
    ...(r.vp_id ? { vpId: r.vp_id } : {}),
    refreshAt: Number(r.refresh_at),
  };
}
