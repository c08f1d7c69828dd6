// Internal audit API (/internal/audit/v1): record, query, patient overview, export, verify, checkpoints, key.
// Every read of the log is itself recorded (audit.read / audit.export) before the answer is sent.
import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { jsonBody } from '../../core/http.js';
import { invalidInput, NodeError } from '../../core/errors.js';
import { isAuditEventCode } from '../events.js';
import type { AuditEngine } from '../module.js';
import type { AuditActor, AuditFilter, AuditInput } from '../record.js';
import { toAuditBundle } from '../fhir.js';
import { overviewPage } from '../overview.js';

const BSN = /^\d{9}$/;

/** When a value is a time: ISO 8601 or epoch milliseconds. */
function parseTime(v: unknown, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw invalidInput(`${name} must be a single value`);
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw invalidInput(`${name} must be an ISO 8601 time or epoch milliseconds, got '${v}'`);
  return n;
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw invalidInput(`${name} must be a single value`);
  return v;
}

export function filterFromQuery(q: Record<string, unknown>): AuditFilter {
  const event = str(q.event, 'event');
  if (event !== undefined && !isAuditEventCode(event)) throw invalidInput(`unknown event '${event}'`);
  const patient = str(q.patient, 'patient');
  if (patient !== undefined && !BSN.test(patient)) throw invalidInput('patient must be a 9-digit BSN');
  const f: AuditFilter = {
    patient,
    user: str(q.user, 'user'),
    organisation: str(q.organisation, 'organisation'),
    event,
    traceId: str(q.traceId, 'traceId'),
    requestId: str(q.requestId, 'requestId'),
    from: parseTime(q.from, 'from'),
    to: parseTime(q.to, 'to'),
  };
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw invalidInput('from must be before to');
  return f;
}

/**
 * Who reads the log. The internal API sits behind the operator's own access control (as nuts-node's does); the
 * caller names the person with X-User-Id (and optionally X-User-Name, X-Organisation-Ura; for a client reading their
 * own log: X-Actor-Kind patient|representative, X-Authn-Means, X-Authn-Loa, X-Mandate-Service), else the read is
 * attributed to the internal API client as a process.
 */
export function readerFromRequest(req: Request): { actor: AuditActor; client: { address?: string } } {
  const userId = req.header('x-user-id');
  const address = req.socket.remoteAddress;
  const ura = req.header('x-organisation-ura');
  const kind = req.header('x-actor-kind');
  const means = req.header('x-authn-means');
  const loa = req.header('x-authn-loa');
  const mandate = req.header('x-mandate-service');
  const idSystem = req.header('x-user-id-system');
  const actor: AuditActor = userId
    ? {
        userId,
        kind: kind === 'patient' || kind === 'representative' ? kind : 'person',
        ...(idSystem ? { userIdSystem: idSystem } : {}),
        ...(req.header('x-user-name') ? { userName: req.header('x-user-name') } : {}),
        ...(ura && /^\d{1,12}$/.test(ura) ? { organisation: { ura } } : {}),
        ...(means ? { authentication: { means, ...(loa ? { loa } : {}) } } : {}),
        ...(mandate && kind === 'representative' ? { mandate: { service: mandate } } : {}),
      }
    : { userId: `internal-api@${address ?? 'unknown'}`, kind: 'process' };
  return { actor, client: address ? { address } : {} };
}

export function auditRouter(engine: AuditEngine): Router {
  const r = Router();
  r.use(jsonBody());

  const recordRead = (req: Request, extra: Partial<AuditInput> & { description: string }) =>
    engine.recorder.record({
      event: extra.event ?? 'audit.read',
      action: extra.action,
      ...readerFromRequest(req),
      patient: extra.patient,
      object: { type: 'AuditLog', description: extra.description, query: req.originalUrl.split('?')[1] },
    });

  // an ECD or another local system records its own event in this node's log (e.g. the requesting side's user action)
  r.post('/v1/records', async (req, res) => {
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalidInput('request body must be an audit record object');
    const rec = await engine.recorder.record({ client: req.socket.remoteAddress ? { address: req.socket.remoteAddress } : undefined, ...(req.body as AuditInput) });
    res.status(201).json(rec);
  });

  r.get('/v1/records', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const filter = filterFromQuery(q);
    const limitRaw = str(q.limit, 'limit');
    const limit = limitRaw === undefined ? 100 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput('limit must be an integer from 1 to 1000');
    const cursorRaw = str(q.cursor, 'cursor');
    const afterSeq = cursorRaw === undefined ? undefined : Number(cursorRaw);
    if (afterSeq !== undefined && (!Number.isInteger(afterSeq) || afterSeq < 0)) throw invalidInput('cursor must be a value returned as `next`');
    await recordRead(req, { patient: filter.patient ? { bsn: filter.patient } : undefined, description: 'search of access records' });
    const records = await engine.store.query(filter, { limit, afterSeq });
    res.json({ records, ...(records.length === limit ? { next: String(records[records.length - 1]!.seq) } : {}) });
  });

  r.get('/v1/records/:id', async (req, res) => {
    const id = req.params.id as string;
    await recordRead(req, { description: `read of access record ${id}` });
    const rec = await engine.store.get(id);
    if (!rec) throw new NodeError('not_found', `audit record ${id} not found`);
    res.json(rec);
  });

  const appendOnly = (_req: Request, _res: Response) => {
    throw new NodeError('invalid_input', 'the access log is append-only: records cannot be changed or deleted', { status: 405 });
  };
  r.put('/v1/records{/:id}', appendOnly);
  r.patch('/v1/records{/:id}', appendOnly);
  r.delete('/v1/records{/:id}', appendOnly);

  r.get('/v1/patients/:bsn/overview', async (req, res) => {
    const bsn = req.params.bsn as string;
    if (!BSN.test(bsn)) throw invalidInput('bsn must be 9 digits');
    const q = req.query as Record<string, unknown>;
    const from = parseTime(q.from, 'from');
    const to = parseTime(q.to, 'to');
    const page = (name: string, min: number, max: number, dflt: number) => {
      const raw = str(q[name], name);
      const n = raw === undefined ? dflt : Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) throw invalidInput(`${name} must be an integer from ${min} to ${max}`);
      return n;
    };
    const limit = page('limit', 1, 500, 50);
    const offset = page('offset', 0, Number.MAX_SAFE_INTEGER, 0);
    await recordRead(req, { patient: { bsn }, description: 'patient access overview' });
    const p = overviewPage(await engine.overview(bsn, { from, to }), { offset, limit });
    res.json({ patient: { bsn }, from: from && new Date(from).toISOString(), to: to && new Date(to).toISOString(), ...p, ...(offset + limit < p.total ? { next: String(offset + limit) } : {}) });
  });

  r.get('/v1/export', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const format = str(q.format, 'format') ?? 'ndjson';
    if (format !== 'ndjson' && format !== 'fhir') throw invalidInput(`format must be ndjson or fhir, got '${format}'`);
    const filter = filterFromQuery(q);
    await recordRead(req, { event: 'audit.export', patient: filter.patient ? { bsn: filter.patient } : undefined, description: `export as ${format}` });
    if (format === 'fhir') {
      const all = [];
      for await (const rec of engine.iterate(filter)) all.push(rec);
      res.type('application/fhir+json').send(JSON.stringify(toAuditBundle(all)));
      return;
    }
    res.type('application/x-ndjson');
    for await (const line of engine.exportNdjson(filter)) if (!res.write(line)) await once(res, 'drain');
    res.end();
  });

  r.get('/v1/verify', async (req, res) => {
    await recordRead(req, { description: 'chain verification' });
    res.json(await engine.verify());
  });

  r.get('/v1/checkpoints', async (_req, res) => {
    res.json(await engine.store.checkpoints());
  });
  r.post('/v1/checkpoints', async (_req, res) => {
    const cp = await engine.checkpoint();
    res.status(cp ? 201 : 200).json(cp ?? { detail: 'the chain head is already signed' });
  });
  r.get('/v1/key', (_req, res) => {
    res.json(engine.publicKey());
  });
  // which peers countersign this node's checkpoints, and how far each has witnessed
  r.get('/v1/witnesses', (_req, res) => {
    res.json({ node: engine.witness.name, witnesses: engine.witnessClient.status() });
  });

  // this node as witness of another node's log (Certificate-Transparency style countersigning of checkpoint heads)
  r.post('/v1/witness/heads', async (req, res) => {
    const { created, head } = await engine.witness.accept(req.body);
    res.status(created ? 201 : 200).json(head);
  });
  r.get('/v1/witness/logs/:node', async (req, res) => {
    const node = req.params.node as string;
    const latest = str((req.query as Record<string, unknown>).latest, 'latest');
    if (latest !== undefined && latest !== 'true' && latest !== 'false') throw invalidInput('latest must be true or false');
    const log = await engine.witness.log(node, latest === 'true');
    if (!log) throw new NodeError('not_found', `this node witnesses no log of node ${node}`);
    res.json(log);
  });
  return r;
}
