// `npm run bench`: runs every test/bench/*.bench.ts in turn (each prints its own numbers); `--list` (or --help) names them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('--list')) {
  process.stdout.write(`npm run bench [-- <name>…]   runs ${benches.length} benchmarks (DUR_MS, ROUNDS, CONCURRENCY tune them):\n${benches.map((b) => `  ${b.replace(/\.bench\.ts$/, '')}`).join('\n')}\n`);
  process.exit(0);
}
const chosen = args.length ? benches.filter((b) => args.includes(b.replace(/\.bench\.ts$/, ''))) : benches;
if (args.length && chosen.length !== args.length) {
  process.stderr.write(`unknown benchmark(s): ${args.filter((a) => !benches.includes(`${a}.bench.ts`)).join(', ')} (see --list)\n`);
  process.exit(2);
}
for (const b of chosen) {
  process.stdout.write(`\n== ${b}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
