// The LSP as the lab's URA authority: organisations it issues a NutsUraCredential to, kept valid in their own wallets
// (over the holder node's internal API, so it works across processes and containers) and revoked on demand; these are
// what the revoked-organisation and normal scenarios act on.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { invalidInput, NodeError } from '../../node/src/core/index.js';
import type { LabNode } from '../../node/src/main.js';
import type { DatabaseRef, Migrations } from '../../node/src/store/index.js';
import { parseCredential } from '../../node/src/vcr/index.js';
import { body, nodeClient, NodeApiError } from '../../node/src/api-client/index.js';
import type { components } from '../shared/api/lsp-v1.js';

type MemberRegistration = components['schemas']['MemberRegistration'];
type MemberResult = components['schemas']['MemberResult'];

export const URA_CREDENTIAL = 'NutsUraCredential';
const YEAR_MS = 365 * 24 * 3600 * 1000;

export const MemberRegistrationSchema = z.object({
  did: z.string().startsWith('did:', 'must be a DID'),
  subject: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'must match [a-zA-Z0-9._-]+'),
  walletUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) base URL of the internal API holding the wallet' }),
  organization: z.object({ ura: z.string().regex(/^\d{8}$/, 'URA is 8 digits'), name: z.string().min(1), city: z.string().min(1) }),
});

interface Tables {
  lsp_organisations: { did: string; subject: string; wallet_url: string; ura: string; name: string; city: string; registered_at: number };
}

export const organisationMigrations: Migrations = {
  lsp_002_organisations: {
    async up(db) {
      await db.schema
        .createTable('lsp_organisations')
        .addColumn('did', 'varchar(512)', (c) => c.primaryKey())
        .addColumn('subject', 'varchar(128)', (c) => c.notNull())
        .addColumn('wallet_url', 'text', (c) => c.notNull())
        .addColumn('ura', 'varchar(8)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

export class OrganisationRegistry {
  /** false until the node listens: the LSP's own wallet is reached over its own internal API */
  private listening = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ref: DatabaseRef,
    /** the LSP node's DID subjects and credential issuer */
    private readonly node: Pick<LabNode, 'vdr' | 'vcr'>,
    private readonly o: { issuerSubject: string; clock: () => number },
  ) {}

  private get db(): Kysely<Tables> {
    return this.ref.db.db as Kysely<Tables>;
  }

  /** Registration, issuance and revocation one at a time: a seed and a scenario at once must not issue twice. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  setListening(on: boolean): void {
    this.listening = on;
  }

  async list(): Promise<MemberRegistration[]> {
    const rows = await this.db.selectFrom('lsp_organisations').selectAll().orderBy('registered_at').execute();
    return rows.map((r) => ({ did: r.did, subject: r.subject, walletUrl: r.wallet_url, organization: { ura: r.ura, name: r.name, city: r.city } }));
  }

  private async issuerDid(): Promise<string> {
    const did = (await this.node.vdr.subjects.list())[this.o.issuerSubject]?.[0];
    if (!did) throw new NodeError('precondition_failed', `the LSP has no subject '${this.o.issuerSubject}' to issue URA credentials with yet (create it: POST /internal/vdr/v2/subject; \`nuts-lsp-lab seed\` does)`);
    return did;
  }

  /** Records the organisation (again) and makes sure its wallet holds a valid URA credential from the LSP. */
  register(m: MemberRegistration): Promise<MemberResult> {
    return this.serial(async () => {
      const row = { did: m.did, subject: m.subject, wallet_url: m.walletUrl.replace(/\/+$/, ''), ura: m.organization.ura, name: m.organization.name, city: m.organization.city, registered_at: this.o.clock() };
      let result: MemberResult;
      try {
        result = await this.ensureCredential({ ...m, walletUrl: row.wallet_url });
      } catch (e) {
        // the caller should see why the wallet could not be reached or refused, not an internal error; and a wallet
        // that cannot be reached is not recorded, so a mistyped URL does not stay behind
        if (e instanceof NodeApiError) throw new NodeError('bad_gateway', e.message);
        throw e;
      }
      await this.db.transaction().execute(async (tx) => {
        await tx.deleteFrom('lsp_organisations').where('did', '=', m.did).execute();
        await tx.insertInto('lsp_organisations').values(row).execute();
      });
      return result;
    });
  }

  /**
   * Keeps a valid URA credential of this LSP in the organisation's wallet: revoked or expired ones are taken out
   * (they would be offered in token requests and refused), and a new one is issued when none valid is left.
   */
  private async ensureCredential(m: MemberRegistration): Promise<MemberResult> {
    const issuer = await this.issuerDid();
    // the organisation's wallet, on its own node's internal API
    const wallet = nodeClient(m.walletUrl, { label: `wallet of ${m.organization.name}` });
    const holder = { path: { subjectID: m.subject } };
    const removed: MemberResult['removed'] = [];
    let kept: string | undefined;
    // the search route: revoked and expired ones included (the list route skips those)
    const held = await body(wallet.GET('/internal/vcr/v2/holder/{subjectID}/vc/search', { params: { ...holder, query: { type: URA_CREDENTIAL } } }));
    for (const { verifiableCredential: vc } of held.verifiableCredentials) {
      const c = parseCredential(vc);
      if (c.issuer !== issuer || c.subjects[0]?.id !== m.did || !c.id) continue;
      const v = await this.node.vcr.verifier.verifyCredential(vc);
      if (v.valid && !kept) kept = c.id;
      else if (!v.valid) {
        await wallet.DELETE('/internal/vcr/v2/holder/{subjectID}/vc/{id}', { params: { path: { ...holder.path, id: c.id } } });
        removed.push({ id: c.id, reason: v.code ?? v.message });
      }
    }
    if (kept) return { did: m.did, credentialId: kept, action: 'kept', removed };
    const vc = await this.node.vcr.issuer.issue({
      type: URA_CREDENTIAL,
      issuer,
      credentialSubject: { id: m.did, organization: m.organization },
      expirationDate: new Date(this.o.clock() + YEAR_MS).toISOString(),
      format: 'jwt_vc',
      withStatusList2021Revocation: true,
    });
    await wallet.POST('/internal/vcr/v2/holder/{subjectID}/vc', { params: holder, body: vc });
    return { did: m.did, credentialId: parseCredential(vc).id!, action: removed.length ? 'replaced' : 'issued', removed };
  }

  /** revoked-organisation: revokes every active URA credential the LSP issued to a registered organisation other than itself. */
  revokeAll(): Promise<string> {
    return this.serial(async () => {
      const own = new Set(Object.values(await this.node.vdr.subjects.list()).flat());
      const members = (await this.list()).filter((m) => !own.has(m.did));
      if (!members.length) throw invalidInput('revoked-organisation needs the network: no organisation holds a URA credential of this LSP (register one with POST /internal/lsp/v1/organisations; `nuts-lsp-lab seed` does)');
      const issuer = await this.issuerDid();
      const lines: string[] = [];
      for (const m of members) {
        const active = (await this.node.vcr.issuer.search({ credentialType: URA_CREDENTIAL, issuer, subject: m.did })).filter((r) => r.revokedAt === undefined && r.status);
        for (const r of active) await this.node.vcr.issuer.revoke(r.id);
        lines.push(`revoked ${active.length} ${URA_CREDENTIAL}(s) of ${m.organization.name}`);
      }
      return lines.join('; ');
    });
  }

  /** normal: every registered organisation holds a valid URA credential again; a wallet out of reach is reported, not fatal. */
  restoreAll(): Promise<string> {
    return this.serial(async () => {
      const members = await this.list();
      if (!members.length) return 'no organisations registered for URA credentials';
      // while the LSP starts, its own internal API does not listen yet; the seed or `scenario apply normal` restores later
      if (!this.listening) return `URA credentials of ${members.length} organisation(s) not checked while the LSP starts`;
      const lines: string[] = [];
      for (const m of members) {
        try {
          const r = await this.ensureCredential(m);
          lines.push(r.action === 'kept' ? `${m.organization.name} holds a valid URA credential` : `re-issued the URA credential of ${m.organization.name}`);
        } catch (e) {
          lines.push(`could not restore the URA credential of ${m.organization.name}: ${(e as Error).message}`);
        }
      }
      return lines.join('; ');
    });
  }
}
