// The recording API every capability calls: validates completeness, fills request context, appends to the chain.
import { randomUUID } from 'node:crypto';
import { currentContext } from '../core/context.js';
import { canonicalOrderCopy, sha256Hex } from './canonical.js';
import { recordHash } from './chain.js';
import { AuditError } from './errors.js';
import { eventDefinition } from './events.js';
import { AuditInputSchema, GENESIS_HASH, type AuditInput, type AuditRecord } from './record.js';
import type { AuditStore } from './store.js';

export interface RecorderOptions {
  clock: () => number;
  nodeName: string;
  /** this node's public base URL, once known (source of the record) */
  nodeUrl?: () => string | undefined;
  /** called inside the append queue after each committed batch, in chain order (checkpoint trigger) */
  afterAppend?: (records: AuditRecord[]) => Promise<void>;
}

const JWT_LIKE = /^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*$/;

type Draft = Omit<AuditRecord, 'seq' | 'prevHash' | 'hash'>;

interface Pending {
  drafts: Draft[];
  resolve: (stored: AuditRecord[]) => void;
  reject: (e: unknown) => void;
}

/** At most this many records share one commit (group commit under concurrent load). */
const MAX_BATCH = 256;

export class AuditRecorder {
  // one queue per node: appends and checkpoints run strictly one after another, so the chain never forks
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: AuditStore,
    private readonly opts: RecorderOptions,
  ) {}

  /**
   * Validates and durably stores one record; resolves once it is committed. Throws an AuditError (a NodeError):
   * 400-class when the record is incomplete (a successful patient-data event without actor or purpose), 503-class
   * when the log cannot be written; the caller must then refuse the request and send no data.
   */
  async record(input: AuditInput): Promise<AuditRecord> {
    const draft = this.prepare(input);
    // break-the-glass on a data event also raises its own security alert (N7513-10), stored before data may leave
    const alert =
      draft.breakTheGlass && draft.event !== 'security.emergency-access' && eventDefinition(draft.event).patientData
        ? { ...draft, id: randomUUID(), event: 'security.emergency-access' as const, action: 'E' as const }
        : undefined;
    const stored = await new Promise<AuditRecord[]>((resolve, reject) => {
      this.pending.push({ drafts: alert ? [draft, alert] : [draft], resolve, reject });
      this.schedule();
    });
    return stored[0]!;
  }

  /**
   * Records waiting while a commit is in flight go into the next commit together: one transaction, one chain-head
   * read. Each caller still resolves only after its own record is committed, and all of a failed batch are refused.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    void this.serialised(async () => {
      this.scheduled = false;
      const batch: Pending[] = [];
      let size = 0;
      while (this.pending.length && (size === 0 || size + this.pending[0]!.drafts.length <= MAX_BATCH)) {
        const p = this.pending.shift()!;
        batch.push(p);
        size += p.drafts.length;
      }
      if (this.pending.length) this.schedule();
      let stored: AuditRecord[];
      try {
        stored = await this.store.append((head) => {
          let prev = { seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS_HASH };
          return batch.flatMap((p) => p.drafts).map((draft) => {
            const body = withChainFields(draft, prev.seq + 1, prev.hash);
            const rec = { ...body, hash: recordHash(body) };
            prev = rec;
            return rec;
          });
        });
      } catch (e) {
        const err = new AuditError('log_unavailable', 'the audit log cannot be written', { cause: e });
        for (const p of batch) p.reject(err);
        return;
      }
      // a checkpoint that falls due is signed before the callers resume; a failed one does not undo stored
      // records (the next append or the timer retries it)
      await this.opts.afterAppend?.(stored).catch(() => {});
      let i = 0;
      for (const p of batch) {
        p.resolve(stored.slice(i, i + p.drafts.length));
        i += p.drafts.length;
      }
    });
  }

  /** Runs `fn` in the append queue (used for checkpoints, so they sign a head no append is racing with). */
  serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => fn());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Everything but the chain fields: validation and defaults happen before the queue, so bad input never waits. */
  private prepare(input: AuditInput): Omit<AuditRecord, 'seq' | 'prevHash' | 'hash'> {
    const parsed = AuditInputSchema.safeParse(input);
    if (!parsed.success) {
      const msg = parsed.error.issues.slice(0, 3).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      throw new AuditError('invalid_record', `invalid audit record: ${msg}`);
    }
    const inp = parsed.data;
    const def = eventDefinition(inp.event);
    const action = inp.action ?? def.actions[0]!;
    if (!def.actions.includes(action)) throw new AuditError('invalid_action', `event ${inp.event} is recorded with action ${def.actions.join(' or ')}, not ${action}`);
    const outcome = inp.outcome ?? { code: '0' as const };
    if (outcome.code !== '0' && !outcome.description) throw new AuditError('missing_outcome_description', `event ${inp.event}: a failed outcome needs a description`);

    const ctx = currentContext();
    const actor = inp.actor ?? (ctx?.actor ? { userId: ctx.actor.id, kind: ctx.actor.type === 'user' ? ('person' as const) : ('process' as const) } : undefined);
    // completeness is demanded of what lets data leave; failed attempts are recorded with whatever is known
    if (def.patientData && outcome.code === '0') {
      const missing: string[] = [];
      if (!actor) missing.push('actor');
      else {
        if (!actor.role) missing.push('actor.role');
        if (!actor.organisation) missing.push('actor.organisation (URA)');
        if (actor.kind === 'process' && !actor.responsible) missing.push('actor.responsible (a natural person)');
      }
      if (missing.length) throw new AuditError('missing_actor', `event ${inp.event} concerns patient data but the record lacks ${missing.join(', ')}`);
      if (!inp.authorisation?.scope && !inp.authorisation?.protocol) {
        throw new AuditError('missing_purpose', `event ${inp.event} concerns patient data but the record lacks its purpose (authorisation.scope or authorisation.protocol)`);
      }
    }

    let authorisation: AuditRecord['authorisation'];
    if (inp.authorisation) {
      const { token, tokenId, ...rest } = inp.authorisation;
      // a bearer token must never reach the log: a raw JWT given as "tokenId" is hashed like `token`
      const rawToken = token ?? (tokenId && JWT_LIKE.test(tokenId) ? tokenId : undefined);
      authorisation = { ...rest, ...(tokenId && tokenId !== rawToken ? { tokenId } : {}), ...(rawToken ? { tokenHash: sha256Hex(rawToken) } : {}) };
    }

    const now = this.opts.clock();
    const inbound = ctx?.parentSpanId ? `00-${ctx.traceId}-${ctx.parentSpanId}-${ctx.traceFlags}` : undefined;
    const url = this.opts.nodeUrl?.();
    const draft = {
      id: randomUUID(),
      node: this.opts.nodeName,
      event: inp.event,
      action,
      startedAt: new Date(inp.startedAt ?? now).toISOString(),
      endedAt: inp.endedAt !== undefined ? new Date(inp.endedAt).toISOString() : undefined,
      recordedAt: new Date(now).toISOString(),
      actor,
      patient: inp.patient,
      object: inp.object,
      authorisation,
      consent: inp.consent,
      breakTheGlass: inp.breakTheGlass ?? inp.consent?.checks?.emergency ?? false,
      source: { system: inp.source?.system ?? 'nuts-lsp-lab', node: inp.source?.node ?? this.opts.nodeName, site: inp.source?.site, url },
      client: inp.client ?? (ctx?.clientAddress ? { address: ctx.clientAddress } : undefined),
      peer: inp.peer,
      outcome,
      requestId: inp.requestId ?? ctx?.requestId,
      traceId: inp.traceId ?? (inp.traceparent ? inp.traceparent.split('-')[1] : ctx?.traceId),
      traceparent: inp.traceparent ?? inbound,
    };
    // members in canonical order: the record's hash is then written from it directly, without a sorted copy
    return canonicalOrderCopy(draft) ?? stripUndefined(draft);
  }
}

/** The draft with its chain fields in their canonical places (prevHash, then seq), keeping the draft's order. */
function withChainFields(draft: Draft, seq: number, prevHash: string): Omit<AuditRecord, 'hash'> {
  const out: Record<string, unknown> = {};
  let prevDone = false;
  let seqDone = false;
  for (const [k, v] of Object.entries(draft)) {
    if (!prevDone && k > 'prevHash') {
      out.prevHash = prevHash;
      prevDone = true;
    }
    if (!seqDone && k > 'seq') {
      out.seq = seq;
      seqDone = true;
    }
    out[k] = v;
  }
  if (!prevDone) out.prevHash = prevHash;
  if (!seqDone) out.seq = seq;
  return out as Omit<AuditRecord, 'hash'>;
}

/** Drops undefined members deeply, so the stored JSON and the hashed canonical form are the same value. */
function stripUndefined<T>(v: T): T {
  if (Array.isArray(v)) return v.map(stripUndefined) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== undefined) out[k] = stripUndefined(val);
    return out as T;
  }
  return v;
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}
