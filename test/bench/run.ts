// `npm run bench`: every case of the benchmark with its baseline from the same run; prints a table and writes
// test/bench/results/<date>.json and .md. Flags: --quick (under a minute), --dry (CI smoke: every case runs, goals are
// reported but never fail the run), --only=a,c (case ids), --no-write.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from './load.js';
import { startHello, type BenchCase, type BenchContext, type Row } from './case.js';
import { fhirInternal } from './cases/fhir-internal.js';
import { fhirPublic } from './cases/fhir-public.js';
import { lspSearch, coldStart } from './cases/network.js';
import { tokenEndpoint } from './cases/token.js';
import { auditAppend } from './cases/audit-append.js';
import { vcVerify } from './cases/vc-verify.js';
import { replicasCase } from './cases/replicas.js';

const CASES: BenchCase[] = [fhirInternal, fhirPublic, lspSearch, tokenEndpoint, auditAppend, vcVerify, coldStart, replicasCase];

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    [
      'usage: npm run bench -- [--quick] [--dry] [--only=a,b,c,d,e,f,g,r] [--no-write]',
      '  every case with its baseline measured in the same run; prints a table and writes test/bench/results/<date>.{json,md}',
      '  --quick     shorter rounds (under a minute)',
      '  --dry       CI smoke: every case runs once, briefly; goals are reported, never enforced',
      '  --only=     case ids: ' + CASES.map((c) => c.id).join(','),
      '  --no-write  print only',
      '  NLL_BENCH_PG=<PostgreSQL URL>  runs case r (one LSP process vs two replicas); without it r is skipped',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const dry = args.includes('--dry');
const quick = dry || args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const write = !dry && !args.includes('--no-write');

const hello = await startHello();
const ctx: BenchContext = {
  quick,
  dry,
  durMs: dry ? 300 : quick ? 1500 : 4000,
  rounds: dry ? 1 : quick ? 1 : 3,
  concurrency: 50,
  // one round per call: cases interleave it with their own rounds, so load from elsewhere on the machine hits both alike
  async hello() {
    return (await load({ base: hello.url, requests: [{ path: '/' }], concurrency: ctx.concurrency, durMs: ctx.durMs, label: 'hello' })).rate;
  },
};

const rows: Row[] = [];
const errors: string[] = [];
const started = Date.now();
try {
  for (const c of CASES) {
    if (only && !only.includes(c.id)) continue;
    const t = performance.now();
    process.stderr.write(`• ${c.id}. ${c.title}…`);
    try {
      rows.push(...(await c.run(ctx)));
      process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      // the message only: results are committed, and a stack names this machine's paths
      errors.push(`${c.id}. ${c.title}: ${(e as Error).message ?? e}`);
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.stderr.write(` FAILED: ${(e as Error).message}\n`);
    }
  }
} finally {
  await hello.close();
}

const num = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const table = [
  ['case', 'figure', 'value', 'baseline', 'ratio', 'goal', 'result'],
  ...rows.map((r) => [r.case, r.figure, `${num(r.value)} ${r.unit}`, r.baseline ? `${r.baseline.name} ${num(r.baseline.value)}` : '', r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`, r.goal, r.pass === null ? '—' : r.pass ? 'pass' : 'FAIL']),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const mode = dry ? 'dry (smoke, goals not enforced)' : quick ? 'quick' : 'full';
const header = `nuts-lsp-lab bench, ${mode}: ${new Date(started).toISOString()}, Node ${process.version}, ${os.cpus().length} cores, ${((Date.now() - started) / 1000).toFixed(0)} s`;
console.log(header);
for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
for (const r of rows.filter((r) => r.note)) console.log(`  ${r.case}. ${r.figure}: ${r.note}`);

if (write) {
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, new Date(started).toISOString().slice(0, 10) + (quick ? '-quick' : ''));
  writeFileSync(`${base}.json`, JSON.stringify({ started: new Date(started).toISOString(), mode, node: process.version, cores: os.cpus().length, rows, errors }, null, 2) + '\n');
  const md = [`# ${header}`, '', `| ${table[0]!.join(' | ')} |`, `|${table[0]!.map(() => '---').join('|')}|`, ...table.slice(1).map((r) => `| ${r.join(' | ')} |`), '', ...rows.filter((r) => r.note).map((r) => `- ${r.case}. ${r.figure}: ${r.note}`), ...errors.map((e) => `- error: ${e.split('\n')[0]}`), ''];
  writeFileSync(`${base}.md`, md.join('\n'));
  console.log(`written: ${path.relative(process.cwd(), base)}.json, .md`);
}
for (const e of errors) console.error(`error in ${e}`);
// errors (a case that cannot run, a failed request, a broken audit chain) always fail; missed goals only outside --dry
process.exit(errors.length || (!dry && rows.some((r) => r.pass === false)) ? 1 : 0);
