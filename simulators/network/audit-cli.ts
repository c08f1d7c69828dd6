// `nuts-lsp-lab audit verify|export|overview`: works against a node's internal URL, a SQLite file, or an NDJSON export.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { NodeError } from '../../node/src/core/index.js';
import { DEFAULT_NODE, checkBsn, cliCall } from './exit.js';
import { body, nodeClient, type AuditApi, type NodeClient } from '../../node/src/api-client/index.js';

type AuditEventCode = AuditApi['schemas']['EventCode'];
import { openDatabase, type Database } from '../../node/src/store/index.js';
import { SqlKeyStore } from '../../node/src/crypto/index.js';
import {
  AuditRecorder,
  SqlAuditStore,
  CHECKPOINT_KEY_FILE,
  checkpointKidOf,
  fetchWitnessLog,
  isCompleteFilter,
  filterFromQuery,
  parseNdjsonExport,
  readPublicKeyFile,
  witnessEvidence,
  iterateRecords,
  ndjsonExportLines,
  overviewEntries,
  toAuditBundle,
  verifyChain,
  type AuditFilter,
  type AuditRecord,
  type CheckpointKey,
  type OverviewEntry,
  type VerifyResult,
  type WitnessEvidence,
} from '../../node/src/audit/index.js';
import type { Io } from '../shared/io.js';

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

interface SourceOpts {
  node?: string;
  db?: string;
  file?: string;
}

const usage = (msg: string) => new NodeError('invalid_input', msg);

/** One source of records; none given is the local node, like every other command. */
function oneSource(o: SourceOpts, allowed: Array<keyof SourceOpts>): keyof SourceOpts {
  const given = allowed.filter((k) => o[k] !== undefined);
  if (given.length > 1) throw usage(`give one of ${allowed.map((k) => `--${k}`).join(', ')}, not ${given.map((k) => `--${k}`).join(' and ')}`);
  if (!given.length) o.node = DEFAULT_NODE;
  return given[0] ?? 'node';
}

/**
 * The node's audit API, read as the OS user (the read is recorded with that name); out of reach is exit 3, a refusal
 * exit 1. A complete export of a long log takes a while: minutes, not the client's default seconds.
 */
const auditApi = (url: string): NodeClient => nodeClient(url, { label: 'node', timeoutMs: 300_000, headers: { 'x-user-id': `cli:${userInfo().username}` } });

/** Opens a node's SQLite file directly; reads through it are recorded in that log as direct file access. */
async function openDbLog(file: string): Promise<{ db: Database; store: SqlAuditStore; recordRead: (description: string, filter?: AuditFilter) => Promise<void> }> {
  // opening a missing file would create an empty database
  if (!existsSync(file)) throw usage(`no such database file: ${file}`);
  const db = await openDatabase({ sqlite: file });
  const ref = { db };
  const store = new SqlAuditStore(ref);
  try {
    await store.head();
  } catch (e) {
    await db.close();
    throw usage(`${file} holds no audit log (${(e as Error).message})`);
  }
  const recordRead = async (description: string, filter: AuditFilter = {}) => {
    const last = (await store.query({}, { limit: 1, afterSeq: Math.max(0, ((await store.head())?.seq ?? 1) - 1) }))[0];
    const recorder = new AuditRecorder(store, { clock: Date.now, nodeName: last?.node ?? 'unknown' });
    await recorder.record({
      event: 'audit.read',
      actor: { userId: `os:${userInfo().username}`, kind: 'person' },
      source: { system: 'nuts-lsp-lab cli (direct database access)' },
      patient: filter.patient ? { bsn: filter.patient } : undefined,
      object: { type: 'AuditLog', description },
    });
  };
  return { db, store, recordRead };
}

/**
 * The key a node's database was signed with: the key file next to it (where the node keeps it, outside the database),
 * else a key from before the key moved out of the database.
 */
async function keyFromDb(file: string, db: Database, store: SqlAuditStore): Promise<CheckpointKey | undefined> {
  const fromFile = readPublicKeyFile(path.join(path.dirname(file), CHECKPOINT_KEY_FILE));
  if (fromFile) return fromFile;
  const cps = await store.checkpoints();
  const kid = cps.length ? checkpointKidOf(cps[0]!) : undefined;
  if (!kid) return undefined;
  const k = await new SqlKeyStore({ db }).get(kid);
  return k && { kid: k.kid, alg: k.alg, publicJwk: k.publicJwk };
}

/** What each witness holds of `node`'s log, checked against the key the log is verified with. */
async function witnessesOf(urls: string[], node: string | undefined, key: CheckpointKey | undefined, io: Io): Promise<{ evidence: WitnessEvidence[]; broken?: VerifyResult }> {
  const evidence: WitnessEvidence[] = [];
  if (!urls.length) return { evidence };
  if (!node) throw usage('the log names no node, so no witness can be asked about it');
  for (const url of urls) {
    const w = await fetchWitnessLog(url, node, { headers: { 'x-user-id': `cli:${userInfo().username}` } });
    if (!w.log) {
      io.err(`warning: ${w.error}\n`);
      continue;
    }
    const e = await witnessEvidence(w.log, key, w.witnessKey);
    if (e.problem) return { evidence, broken: { ok: false, records: 0, checkpoints: 0, firstBroken: { seq: 0, reason: 'witness_key', message: e.problem } } };
    evidence.push(e.evidence!);
  }
  return { evidence };
}

function report(result: VerifyResult & { complete?: boolean }, io: Io): number {
  if (result.ok) {
    const witnessed = (result.witnessed ?? []).map((w) => `; witness ${w.witness} agrees${w.throughSeq ? ` through seq ${w.throughSeq}` : ' (no head yet)'}`).join('');
    io.out(`audit chain holds: ${result.records} records, ${result.checkpoints} signed checkpoints${result.lastCheckpointSeq ? `, signed through seq ${result.lastCheckpointSeq}` : ''}${witnessed}\n`);
    return 0;
  }
  const b = result.firstBroken!;
  io.out(`audit chain BROKEN at seq ${b.seq}${b.id ? ` (record ${b.id})` : ''}: ${b.reason}: ${b.message}\n`);
  return 1;
}

export async function auditVerify(o: SourceOpts & { key?: string; witness?: string[] }, io: Io = stdio): Promise<number> {
  const src = oneSource(o, ['node', 'db', 'file']);
  let key: CheckpointKey | undefined;
  if (o.key) {
    try {
      key = JSON.parse(readFileSync(o.key, 'utf8')) as CheckpointKey;
    } catch (e) {
      throw usage(`cannot read key file ${o.key}: ${(e as Error).message}`);
    }
  }
  if (src === 'file') {
    let text: string;
    try {
      text = readFileSync(o.file!, 'utf8');
    } catch (e) {
      throw usage(`cannot read ${o.file}: ${(e as Error).message}`);
    }
    const parsed = parseNdjsonExport(text);
    if (!parsed.complete) throw usage(`${o.file} is a filtered export: only a complete export can be verified`);
    key ??= parsed.key;
    const w = await witnessesOf(o.witness ?? [], parsed.node, key, io);
    return report(w.broken ?? (await verifyChain(parsed.rows, parsed.checkpoints, key, parsed.node, w.evidence)), io);
  }
  if (src === 'node') {
    // verify here, not on the node: fetch the complete export, the key it publishes and what its witnesses hold
    const api = auditApi(o.node!);
    key ??= (await cliCall(body(api.GET('/internal/audit/v1/key')))) as CheckpointKey;
    const text = await cliCall(body(api.GET('/internal/audit/v1/export', { params: { query: { format: 'ndjson' } }, parseAs: 'text' })));
    const parsed = parseNdjsonExport(text);
    // without --witness, the witnesses the node names (a node that hides them is caught by asking one explicitly)
    const urls = o.witness ?? (await cliCall(body(api.GET('/internal/audit/v1/witnesses')))).witnesses.map((w) => w.url);
    const w = await witnessesOf(urls, parsed.node, key, io);
    return report(w.broken ?? (await verifyChain(parsed.rows, parsed.checkpoints, key, parsed.node, w.evidence)), io);
  }
  const { db, store, recordRead } = await openDbLog(o.db!);
  try {
    key ??= await keyFromDb(o.db!, db, store);
    const node = (await store.query({}, { limit: 1 }))[0]?.node;
    const w = await witnessesOf(o.witness ?? [], node, key, io);
    const result = w.broken ?? (await verifyChain(store.rows(), await store.checkpoints(), key, undefined, w.evidence));
    const code = report(result, io);
    await recordRead('chain verification (CLI)');
    return code;
  } finally {
    await db.close();
  }
}

/** CLI filter options are parsed exactly like the API's query parameters (errors are usage errors, exit 2). */
function filterOf(o: { patient?: string; user?: string; organisation?: string; event?: string; from?: string; to?: string }): AuditFilter {
  return filterFromQuery({ patient: o.patient, user: o.user, organisation: o.organisation, event: o.event, from: o.from, to: o.to });
}

async function allRecords(store: SqlAuditStore, filter: AuditFilter): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of iterateRecords(store, filter)) out.push(r);
  return out;
}

export async function auditExport(o: SourceOpts & { format: string; out?: string; patient?: string; user?: string; organisation?: string; event?: string; from?: string; to?: string }, io: Io = stdio): Promise<number> {
  const src = oneSource(o, ['node', 'db']);
  if (o.format !== 'ndjson' && o.format !== 'fhir') throw usage(`--format must be ndjson or fhir`);
  const filter = filterOf(o);
  let text: string;
  if (src === 'node') {
    const query = { format: o.format as 'ndjson' | 'fhir', patient: o.patient, user: o.user, organisation: o.organisation, event: o.event as AuditEventCode | undefined, from: o.from, to: o.to };
    text = await cliCall(body(auditApi(o.node!).GET('/internal/audit/v1/export', { params: { query }, parseAs: 'text' })));
  } else {
    const { db, store, recordRead } = await openDbLog(o.db!);
    try {
      if (o.format === 'fhir') text = JSON.stringify(toAuditBundle(await allRecords(store, filter)), null, 2) + '\n';
      else {
        const node = (await store.query({}, { limit: 1 }))[0]?.node;
        text = '';
        const records = isCompleteFilter(filter) ? store.rows() : iterateRecords(store, filter);
        for await (const line of ndjsonExportLines({ node, exportedAt: Date.now(), filter, key: await keyFromDb(o.db!, db, store) }, await store.checkpoints(), records)) text += line;
      }
      await recordRead(`export as ${o.format} (CLI)`, filter);
    } finally {
      await db.close();
    }
  }
  if (o.out) writeFileSync(o.out, text);
  else io.out(text);
  return 0;
}

export function formatOverview(bsn: string, entries: OverviewEntry[]): string {
  if (!entries.length) return `no recorded access to the data of BSN ${bsn}\n`;
  const lines = entries.map((e) =>
    [
      e.when,
      e.organisation ? `${e.organisation.name ?? 'URA'} (${e.organisation.ura})` : 'unknown organisation',
      e.role ? (e.role.display ?? e.role.code) : 'role unknown',
      e.responsible ? (e.responsible.name ?? e.responsible.id) : '-',
      e.actionText,
      e.data ? `${e.data.type}${e.data.id ? `/${e.data.id}` : ''}${e.data.query ? `?${e.data.query}` : ''}` : '-',
      e.authorisation?.protocol ?? e.authorisation?.scope ?? '-',
      e.consentProfile ?? '-',
      e.breakTheGlass ? 'BREAK-THE-GLASS' : '',
      e.outcome,
    ].join(' | '),
  );
  return `access to the data of BSN ${bsn} (when | organisation | role | responsible | action | data | authorisation | consent | emergency | outcome)\n${lines.join('\n')}\n`;
}

export async function auditOverview(bsn: string, o: SourceOpts & { from?: string; to?: string; json?: boolean }, io: Io = stdio): Promise<number> {
  checkBsn(bsn, 'bsn');
  const src = oneSource(o, ['node', 'db']);
  let entries: OverviewEntry[];
  if (src === 'node') {
    const api = auditApi(o.node!);
    // the node pages its overview (newest first); the CLI prints all of it
    entries = [];
    for (let offset: string | undefined = '0'; offset !== undefined; ) {
      const query = { from: o.from, to: o.to, limit: 500, offset: Number(offset) };
      const page: { entries: unknown[]; next?: string } = await cliCall(body(api.GET('/internal/audit/v1/patients/{bsn}/overview', { params: { path: { bsn }, query } })));
      entries.push(...(page.entries as OverviewEntry[]));
      offset = page.next;
    }
  } else {
    const { db, store, recordRead } = await openDbLog(o.db!);
    try {
      const filter = { ...filterOf({ from: o.from, to: o.to }), patient: bsn };
      entries = overviewEntries(await allRecords(store, filter));
      await recordRead('patient access overview (CLI)', filter);
    } finally {
      await db.close();
    }
  }
  io.out(o.json ? JSON.stringify(entries, null, 2) + '\n' : formatOverview(bsn, entries));
  return 0;
}

/** Adds `audit verify|export|overview`; exit code 0 holds, 1 broken or refused, 2 usage, 3 node unreachable. */
export function addAuditCommands(program: Command): void {
  const audit = program.command('audit').description('NEN 7513 access log: verify the chain, export, patient overview');
  const setExit = (code: number) => {
    process.exitCode = code;
  };
  audit
    .command('verify')
    .description('check the hash chain and signed checkpoints; names the first broken record (exit 0 holds, 1 broken, 2 usage)')
    .option('--node <url>', `a node's internal base URL (default ${DEFAULT_NODE} when no --db/--file)`)
    .option('--db <file>', "a node's SQLite file, e.g. .data/vvt/node.db")
    .option('--file <ndjson>', 'a complete NDJSON export')
    .option('--key <jwk.json>', 'the published checkpoint key to trust (default: the one in the export / the key file next to the database)')
    .option('--witness <url...>', "internal base URL of a witness of this log (default for --node: the witnesses the node names)")
    .action(async (opts) => setExit(await auditVerify(opts)));
  audit
    .command('export')
    .description('export records as NDJSON (verifiable) or as a FHIR Bundle of AuditEvents')
    .option('--node <url>', `a node's internal base URL (default ${DEFAULT_NODE} when no --db)`)
    .option('--db <file>', "a node's SQLite file")
    .option('--format <format>', 'ndjson or fhir', 'ndjson')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--patient <bsn>')
    .option('--user <id>')
    .option('--organisation <ura>')
    .option('--event <code>')
    .option('--from <time>')
    .option('--to <time>')
    .action(async (opts) => setExit(await auditExport(opts)));
  audit
    .command('overview')
    .description('chronological overview of who accessed the data of one patient')
    .argument('<bsn>', 'the patient BSN')
    .option('--node <url>', `a node's internal base URL (default ${DEFAULT_NODE} when no --db)`)
    .option('--db <file>', "a node's SQLite file")
    .option('--from <time>')
    .option('--to <time>')
    .option('--json', 'print JSON')
    .action(async (bsn: string, opts) => setExit(await auditOverview(bsn, opts)));
}
