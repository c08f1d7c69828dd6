// PKI storage port and its SQL implementation: the certificate (chain + key) bound to each subject.
import type { Kysely } from 'kysely';
import type { DatabaseRef, Migrations } from '../store/index.js';

export interface CertificateBinding {
  subject: string;
  /** the subject's own DID (did:web) */
  subjectDid: string;
  /** the did:x509 the certificate yields */
  x509Did: string;
  /** PEM, leaf first */
  chainPem: string;
  /** PKCS#8 PEM of the leaf key */
  keyPem: string;
  alg: string;
  /** PKI organisation id when bound from the test PKI */
  organisation?: string;
  createdAt: number;
}

export interface PkiStore {
  put(b: CertificateBinding): Promise<void>;
  get(subject: string): Promise<CertificateBinding | undefined>;
  /** by subject id, subject DID or did:x509 */
  find(issuer: string): Promise<CertificateBinding | undefined>;
  remove(subject: string): Promise<boolean>;
}

interface Tables {
  pki_subject_certificates: { subject: string; subject_did: string; x509_did: string; chain_pem: string; key_pem: string; alg: string; organisation: string | null; created_at: number };
}

export const pkiMigrations: Migrations = {
  pki_001_subject_certificates: {
    async up(db) {
      await db.schema
        .createTable('pki_subject_certificates')
        .addColumn('subject', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('subject_did', 'varchar(1024)', (c) => c.notNull())
        .addColumn('x509_did', 'varchar(2048)', (c) => c.notNull())
        .addColumn('chain_pem', 'text', (c) => c.notNull())
        .addColumn('key_pem', 'text', (c) => c.notNull())
        .addColumn('alg', 'varchar(16)', (c) => c.notNull())
        .addColumn('organisation', 'varchar(255)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

const toBinding = (r: Tables['pki_subject_certificates']): CertificateBinding => ({
  subject: r.subject,
  subjectDid: r.subject_did,
  x509Did: r.x509_did,
  chainPem: r.chain_pem,
  keyPem: r.key_pem,
  alg: r.alg,
  ...(r.organisation != null ? { organisation: r.organisation } : {}),
  createdAt: Number(r.created_at),
});

export class SqlPkiStore implements PkiStore {
  constructor(private readonly ref: DatabaseRef) {}

  private get db(): Kysely<Tables> {
    return this.ref.db.db as Kysely<Tables>;
  }

  async put(b: CertificateBinding): Promise<void> {
    const row = { subject_did: b.subjectDid, x509_did: b.x509Did, chain_pem: b.chainPem, key_pem: b.keyPem, alg: b.alg, organisation: b.organisation ?? null, created_at: b.createdAt };
    // one certificate per subject: binding again replaces it (certificate renewal)
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('pki_subject_certificates').where('subject', '=', b.subject).execute();
      await tx.insertInto('pki_subject_certificates').values({ subject: b.subject, ...row }).execute();
    });
  }

  async get(subject: string) {
    const r = await this.db.selectFrom('pki_subject_certificates').selectAll().where('subject', '=', subject).executeTakeFirst();
    return r && toBinding(r);
  }

  async find(issuer: string) {
    const r = await this.db
      .selectFrom('pki_subject_certificates')
      .selectAll()
      .where((eb) => eb.or([eb('subject', '=', issuer), eb('subject_did', '=', issuer), eb('x509_did', '=', issuer)]))
      .executeTakeFirst();
    return r && toBinding(r);
  }

  async remove(subject: string) {
    const r = await this.db.deleteFrom('pki_subject_certificates').where('subject', '=', subject).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
