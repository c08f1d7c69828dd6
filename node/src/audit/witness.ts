// Checkpoint witnessing (Certificate-Transparency style): a node sends each signed checkpoint head to a peer, which
// checks it extends the last head it holds for that node, countersigns it and keeps it. Truncating or re-signing a log
// then no longer matches what the witness holds, even for someone who controls the node's database and key.
import { compactVerify, importJWK, calculateJwkThumbprint, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { NodeError, conflict } from '../core/errors.js';
import { body, nodeClient, NodeApiError, type NodeClient } from '../api-client/index.js';
import { canonicalize, sha256Hex } from './canonical.js';
import type { ChainLink, CheckpointKey, CheckpointPayload, StoredCheckpoint, WitnessEvidence } from './chain.js';
import type { CheckpointSigner } from './keyfile.js';
import type { AuditTables } from './store.js';

/** What a witness keeps of another node's log: the heads it countersigned. */
export interface WitnessedHead {
  seq: number;
  hash: string;
  /** the node's signed checkpoint */
  jws: string;
  /** the witness's countersignature over the head */
  countersignature: string;
  receivedAt: number;
}

export interface WitnessedLog {
  /** the witness's node name */
  witness: string;
  node: string;
  /** the node's checkpoint key, pinned at first contact */
  key: CheckpointKey;
  heads: WitnessedHead[];
}

/** What the witness signs. */
export interface CountersignaturePayload {
  typ: 'nuts-lsp-lab/audit-witness';
  witness: string;
  node: string;
  seq: number;
  hash: string;
  /** SHA-256 of the node's checkpoint JWS */
  checkpoint: string;
  iat: string;
}

const HEX64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex');
const SEQ = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** a node sends one checkpoint period at a time (checkpointEveryRecords ≤ 5000, plus a group commit) */
export const MAX_LINKS = 6_000;

const JwkSchema = z.object({ kty: z.enum(['EC', 'OKP']), crv: z.string().max(16), x: z.string().max(128), y: z.string().max(128).optional() }).strict();
export const WitnessRequestSchema = z
  .object({
    key: z.object({ kid: z.string().min(1).max(512), alg: z.enum(['ES256', 'EdDSA']), publicJwk: JwkSchema }).strict(),
    checkpoint: z.object({ seq: SEQ, hash: HEX64, createdAt: z.number().int().nonnegative(), jws: z.string().min(1).max(4096) }).strict(),
    /** the chain from the head the witness holds (exclusive) to this checkpoint (inclusive) */
    links: z.array(z.object({ seq: SEQ, prevHash: HEX64, hash: HEX64 }).strict()).max(MAX_LINKS).default([]),
  })
  .strict();
export type WitnessRequest = z.input<typeof WitnessRequestSchema>;

const thumbprint = (jwk: JWK) => calculateJwkThumbprint(jwk, 'sha256');

async function verifyCheckpointJws(jws: string, key: CheckpointKey): Promise<CheckpointPayload> {
  const v = await compactVerify(jws, await importJWK(key.publicJwk, key.alg), { algorithms: [key.alg] });
  return JSON.parse(new TextDecoder().decode(v.payload)) as CheckpointPayload;
}

/** Witness side: the heads of other nodes, kept in this node's database (a separate party from the node witnessed). */
export class WitnessStore {
  constructor(private readonly db: () => Kysely<AuditTables>) {}

  async pinned(node: string): Promise<CheckpointKey | undefined> {
    const row = await this.db().selectFrom('audit_witness_keys').selectAll().where('node', '=', node).executeTakeFirst();
    return row ? (JSON.parse(row.key) as CheckpointKey) : undefined;
  }

  async pin(node: string, key: CheckpointKey, at: number): Promise<void> {
    await this.db().insertInto('audit_witness_keys').values({ node, key: JSON.stringify(key), pinned_at: at }).execute();
  }

  async latest(node: string): Promise<WitnessedHead | undefined> {
    const row = await this.db().selectFrom('audit_witness_heads').selectAll().where('node', '=', node).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row && toHead(row);
  }

  async at(node: string, seq: number): Promise<WitnessedHead | undefined> {
    const row = await this.db().selectFrom('audit_witness_heads').selectAll().where('node', '=', node).where('seq', '=', seq).executeTakeFirst();
    return row && toHead(row);
  }

  async heads(node: string): Promise<WitnessedHead[]> {
    const rows = await this.db().selectFrom('audit_witness_heads').selectAll().where('node', '=', node).orderBy('seq').execute();
    return rows.map(toHead);
  }

  async add(node: string, h: WitnessedHead): Promise<void> {
    await this.db().insertInto('audit_witness_heads').values({ node, seq: h.seq, hash: h.hash, jws: h.jws, countersignature: h.countersignature, received_at: h.receivedAt }).execute();
  }
}

function toHead(r: AuditTables['audit_witness_heads']): WitnessedHead {
  return { seq: Number(r.seq), hash: r.hash, jws: r.jws, countersignature: r.countersignature, receivedAt: Number(r.received_at) };
}

const refuse = (message: string) => conflict(message);

/**
 * The witness: accepts a node's checkpoint head only when it is signed by the key pinned for that node and the links
 * chain it onto the last head held (a fork, a rewind or a new key is refused with 409), then countersigns and keeps it.
 */
export class Witness {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly store: WitnessStore,
    private readonly signer: () => CheckpointSigner,
    private readonly clock: () => number,
  ) {}

  /** Serialised: two submissions of one node never race past the consistency check. */
  accept(body: unknown): Promise<{ created: boolean; head: WitnessedHead & { node: string; witness: string } }> {
    const run = this.queue.then(() => this.acceptUnlocked(body));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async acceptUnlocked(body: unknown): Promise<{ created: boolean; head: WitnessedHead & { node: string; witness: string } }> {
    const parsed = WitnessRequestSchema.safeParse(body);
    if (!parsed.success) {
      throw new NodeError('invalid_input', `invalid witness request: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    }
    const { key, checkpoint: cp, links } = parsed.data;
    let payload: CheckpointPayload;
    try {
      payload = await verifyCheckpointJws(cp.jws, key);
    } catch (e) {
      throw new NodeError('invalid_input', `the checkpoint signature does not verify with the key sent (${(e as Error).message})`);
    }
    if (payload.typ !== 'nuts-lsp-lab/audit-checkpoint' || payload.seq !== cp.seq || payload.hash !== cp.hash || typeof payload.node !== 'string' || !/^[a-zA-Z0-9._-]{1,128}$/.test(payload.node)) {
      throw new NodeError('invalid_input', 'the checkpoint fields differ from its signed payload');
    }
    const node = payload.node;
    if (node === this.name) throw new NodeError('invalid_input', `a node does not witness its own log (${node})`);
    const pinned = await this.store.pinned(node);
    if (pinned && (await thumbprint(pinned.publicJwk)) !== (await thumbprint(key.publicJwk))) {
      throw refuse(`node ${node} signs with a different key than the one pinned at first contact: a re-keyed log is not accepted`);
    }
    const latest = await this.store.latest(node);
    const held = latest && (await this.store.at(node, cp.seq));
    if (held) {
      if (held.hash !== cp.hash) throw refuse(`node ${node}: the head at seq ${cp.seq} was already witnessed with another hash: the log forked or was rewritten`);
      return { created: false, head: { ...held, node, witness: this.name } };
    }
    if (latest) {
      if (cp.seq < latest.seq) throw refuse(`node ${node}: seq ${cp.seq} is behind the witnessed head at seq ${latest.seq}: the log was cut or rewound`);
      checkLinks(node, latest, cp, links);
    } else if (links.length) {
      // first contact: links are optional, but when sent they must still be a chain ending at the head
      checkLinks(node, { seq: links[0]!.seq - 1, hash: links[0]!.prevHash }, cp, links);
    }
    if (!pinned) await this.store.pin(node, key, this.clock());
    const now = this.clock();
    const cs: CountersignaturePayload = { typ: 'nuts-lsp-lab/audit-witness', witness: this.name, node, seq: cp.seq, hash: cp.hash, checkpoint: sha256Hex(cp.jws), iat: new Date(now).toISOString() };
    const countersignature = await this.signer().sign(new TextEncoder().encode(canonicalize(cs)), { typ: 'audit-witness+jws' });
    const head: WitnessedHead = { seq: cp.seq, hash: cp.hash, jws: cp.jws, countersignature, receivedAt: now };
    await this.store.add(node, head);
    return { created: true, head: { ...head, node, witness: this.name } };
  }

  /** What this witness holds of `node`'s log: every head, or only the newest (what a node asks after a restart). */
  async log(node: string, latestOnly = false): Promise<WitnessedLog | undefined> {
    const key = await this.store.pinned(node);
    if (!key) return undefined;
    const heads = latestOnly ? [await this.store.latest(node)].filter((h): h is WitnessedHead => h !== undefined) : await this.store.heads(node);
    return { witness: this.name, node, key, heads };
  }
}

function checkLinks(node: string, from: { seq: number; hash: string }, to: { seq: number; hash: string }, links: ChainLink[]): void {
  if (links.length !== to.seq - from.seq) {
    throw refuse(`node ${node}: the links must cover seq ${from.seq + 1}..${to.seq} (the witnessed head is seq ${from.seq}); ${links.length} sent`);
  }
  let prev = from;
  for (const l of links) {
    if (l.seq !== prev.seq + 1 || l.prevHash !== prev.hash) {
      throw refuse(`node ${node}: the chain sent does not extend the witnessed head at seq ${from.seq}: it breaks at seq ${l.seq}`);
    }
    prev = l;
  }
  if (prev.hash !== to.hash) throw refuse(`node ${node}: the chain sent ends at another hash than the checkpoint at seq ${to.seq}`);
}

/** Node side: sends each new checkpoint, in order, to every witness, with the links since the head each one holds. */
export class WitnessClient {
  private readonly state = new Map<string, { through?: number; lastError?: string; lastOkAt?: number }>();
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly opts: {
      node: string;
      key: () => CheckpointKey;
      checkpoints: () => Promise<StoredCheckpoint[]>;
      links: (afterSeq: number, throughSeq: number) => Promise<ChainLink[]>;
      timeoutMs: number;
      fetch?: typeof fetch;
      onError?: (url: string, message: string) => void;
    },
    private urls: string[] = [],
  ) {}

  add(url: string): void {
    const u = url.replace(/\/+$/, '');
    if (!this.urls.includes(u)) this.urls.push(u);
  }

  get witnesses(): string[] {
    return [...this.urls];
  }

  status(): Array<{ url: string; witnessedThroughSeq?: number; lastError?: string }> {
    return this.urls.map((url) => ({ url, witnessedThroughSeq: this.state.get(url)?.through, lastError: this.state.get(url)?.lastError }));
  }

  /** Starts a send round (or queues one after the round in flight); resolves when the round ends. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await Promise.all(this.urls.map((u) => this.syncOne(u)));
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private readonly clients = new Map<string, NodeClient>();
  /** the witness's internal API (its audit v1 witness routes) */
  private api(url: string): NodeClient {
    let c = this.clients.get(url);
    if (!c) this.clients.set(url, (c = nodeClient(url, { label: `witness ${url}`, fetch: this.opts.fetch, timeoutMs: this.opts.timeoutMs })));
    return c;
  }

  private async syncOne(url: string): Promise<void> {
    const st = this.state.get(url) ?? {};
    this.state.set(url, st);
    const api = this.api(url);
    try {
      if (st.through === undefined) {
        // what does the witness hold of this log? (after a restart, or at first contact; 404: nothing yet)
        try {
          const log = await body(api.GET('/internal/audit/v1/witness/logs/{node}', { params: { path: { node: this.opts.node }, query: { latest: true } } }));
          st.through = log.heads.at(-1)?.seq ?? 0;
        } catch (e) {
          if (!(e instanceof NodeApiError && e.status === 404)) throw e;
          st.through = 0;
        }
      }
      for (const cp of await this.opts.checkpoints()) {
        if (cp.seq <= st.through!) continue;
        const links = st.through! > 0 ? await this.opts.links(st.through!, cp.seq) : [];
        const request = { key: this.opts.key(), checkpoint: cp, links } as WitnessRequest;
        try {
          await api.POST('/internal/audit/v1/witness/heads', { body: request });
        } catch (e) {
          // the witness's head may have moved (another instance of this node sent it): ask again next round
          st.through = undefined;
          throw e;
        }
        st.through = cp.seq;
      }
      st.lastError = undefined;
      st.lastOkAt = Date.now();
    } catch (e) {
      st.lastError = (e as Error).message;
      this.opts.onError?.(url, st.lastError);
    }
  }
}

/** Verifies a countersignature with the witness's published key; returns its payload. */
export async function verifyCountersignature(jws: string, witnessKey: CheckpointKey): Promise<CountersignaturePayload> {
  const v = await compactVerify(jws, await importJWK(witnessKey.publicJwk, witnessKey.alg), { algorithms: [witnessKey.alg] });
  return JSON.parse(new TextDecoder().decode(v.payload)) as CountersignaturePayload;
}

/** True when the two keys are the same public key. */
export async function sameKey(a: CheckpointKey, b: CheckpointKey): Promise<boolean> {
  return (await thumbprint(a.publicJwk)) === (await thumbprint(b.publicJwk));
}

/**
 * Checks what a witness holds before it is compared with a log: the key it pinned must be the key the log is verified
 * with (else the log was re-keyed), every head must carry the node's signature and the witness's countersignature.
 */
export async function witnessEvidence(log: WitnessedLog, nodeKey: CheckpointKey | undefined, witnessKey: CheckpointKey | undefined): Promise<{ evidence?: WitnessEvidence; problem?: string }> {
  if (nodeKey && !(await sameKey(log.key, nodeKey))) {
    return { problem: `witness ${log.witness} pinned another checkpoint key for node ${log.node} than the one this log is verified with: the log was re-keyed (and possibly re-signed)` };
  }
  for (const h of log.heads) {
    try {
      const p = await verifyCheckpointJws(h.jws, log.key);
      if (p.seq !== h.seq || p.hash !== h.hash) throw new Error('the head differs from its signed checkpoint');
      if (witnessKey) {
        const c = await verifyCountersignature(h.countersignature, witnessKey);
        if (c.seq !== h.seq || c.hash !== h.hash || c.node !== log.node || c.checkpoint !== sha256Hex(h.jws)) throw new Error('the countersignature covers another head');
      }
    } catch (e) {
      return { problem: `witness ${log.witness}: the head at seq ${h.seq} does not verify (${(e as Error).message})` };
    }
  }
  return { evidence: { witness: log.witness, heads: log.heads.map((h) => ({ seq: h.seq, hash: h.hash, receivedAt: h.receivedAt })) } };
}

/** Fetches what the witness at `url` (an internal base URL) holds of `node`'s log, and the key it countersigns with. */
export async function fetchWitnessLog(url: string, node: string, opts: { timeoutMs?: number; fetch?: typeof fetch; headers?: Record<string, string> } = {}): Promise<{ log?: WitnessedLog; witnessKey?: CheckpointKey; error?: string }> {
  const base = url.replace(/\/+$/, '');
  const api = nodeClient(base, { label: `witness ${base}`, fetch: opts.fetch, timeoutMs: opts.timeoutMs ?? 5000, headers: opts.headers });
  let log: WitnessedLog | undefined;
  try {
    log = (await body(api.GET('/internal/audit/v1/witness/logs/{node}', { params: { path: { node } } }))) as WitnessedLog;
    const witnessKey = (await body(api.GET('/internal/audit/v1/key'))) as CheckpointKey | undefined;
    if (!log || !witnessKey) return { error: `witness ${base} answered without ${log ? 'its key' : 'the log'}` };
    return { log, witnessKey };
  } catch (e) {
    if (!(e instanceof NodeApiError)) return { error: `witness ${base}: ${(e as Error).message}` };
    if (e.kind === 'refused' && e.status === 404 && !log) return { error: `witness ${base} holds no head of node ${node}` };
    return { error: e.message };
  }
}
