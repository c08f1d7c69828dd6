// Finds TestScripts in a file or folder (load scripts first), runs them in order, and reports per script and per assert.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TargetUnreachable, type CaseResult, type SuiteReport } from '../report.js';
import { readResourceFile, TestScriptRun, type EngineOptions, type ScriptResult } from './engine.js';

export { type ScriptResult, type AssertResult, type ProfileCheck } from './engine.js';

/** The TestScript files under `where`: XML or JSON whose root is a TestScript; fixture folders (`_reference`) are skipped. */
export function findScripts(where: string): string[] {
  if (!existsSync(where)) throw new Error(`${where} does not exist`);
  if (statSync(where).isFile()) return [where];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== '_reference' && name !== 'node_modules' && !name.startsWith('.')) walk(p);
      } else if (/\.(xml|json)$/.test(name) && /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<TestScript[\s>]|\{[\s\S]*"resourceType"\s*:\s*"TestScript")/.test(readFileSync(p, 'utf8').slice(0, 4000))) out.push(p);
    }
  };
  walk(where);
  // scripts that load data (Nictiz `_LoadResources`) run before the ones that read it
  const loads = (f: string) => (isLoadScript(where, f) ? 0 : 1);
  return out.sort((a, b) => loads(a) - loads(b) || a.localeCompare(b));
}

/** A script that loads test data (in a Nictiz `_LoadResources` folder). */
const isLoadScript = (root: string, f: string) => /(^|[\\/])_Load/i.test(path.relative(root, f));

export interface RunOptions extends Omit<EngineOptions, 'now'> {
  now?: number;
  /** only scripts whose path contains this text */
  filter?: string;
  onScript?: (r: ScriptResult, index: number, total: number) => void;
}

export interface RunSummary {
  scripts: ScriptResult[];
  /** the target stopped answering: the run ended early */
  unreachable?: string;
}

export async function runTestScripts(where: string, opts: RunOptions): Promise<RunSummary> {
  const files = findScripts(where).filter((f) => !opts.filter || f.includes(opts.filter) || isLoadScript(where, f));
  const now = opts.now ?? Date.now();
  const scripts: ScriptResult[] = [];
  for (const [i, file] of files.entries()) {
    let result: ScriptResult;
    try {
      const { resource } = readResourceFile(file);
      result = await new TestScriptRun(file, resource, { ...opts, now }).run();
    } catch (e) {
      if (e instanceof TargetUnreachable) return { scripts, unreachable: e.message };
      result = { file, id: path.basename(file), name: path.basename(file), outcome: 'failed', asserts: [], error: `cannot read the script: ${(e as Error).message}`, durationMs: 0 };
    }
    scripts.push(result);
    opts.onScript?.(result, i, files.length);
  }
  return { scripts };
}

const count = (s: ScriptResult[], o: string) => s.flatMap((x) => x.asserts).filter((a) => a.outcome === o).length;

export function scriptLine(r: ScriptResult, index: number, total: number): string {
  const passed = r.asserts.filter((a) => a.outcome === 'passed').length;
  const warned = r.asserts.filter((a) => a.outcome === 'warned').length;
  const head = `[${index + 1}/${total}] ${r.outcome === 'passed' ? '✓' : '✗'} ${r.id} — ${passed}/${r.asserts.length} asserts${warned ? `, ${warned} warnings` : ''} (${(r.durationMs / 1000).toFixed(1)} s)`;
  if (r.outcome === 'passed') return head;
  const fails = r.asserts.filter((a) => a.outcome === 'failed').slice(0, 3);
  return [head, ...(r.error ? [`    ${r.error}`] : []), ...fails.map((a) => `    ✗ ${a.test}: ${a.description.slice(0, 120)} — ${a.message}`)].join('\n');
}

export function testScriptSummary(run: RunSummary): string {
  const s = run.scripts;
  const passedScripts = s.filter((x) => x.outcome === 'passed').length;
  return `scripts: ${passedScripts} passed, ${s.length - passedScripts} failed; asserts: ${count(s, 'passed')} passed, ${count(s, 'failed')} failed, ${count(s, 'warned')} warnings`;
}

/** One JUnit testsuite per script, one testcase per assert (the report format the other conformance profiles use). */
export function toReports(run: RunSummary, target: string, startedAt: string): SuiteReport[] {
  return run.scripts.map((s) => {
    const cases: CaseResult[] = s.asserts.map((a, i) => ({ suite: s.id, group: a.test, name: `${String(i + 1).padStart(3, '0')} ${a.description}`, outcome: a.outcome, ...(a.message ? { message: a.message } : {}), durationMs: a.durationMs }));
    if (s.error) cases.push({ suite: s.id, group: 'script', name: 'runs', outcome: 'failed', message: s.error, durationMs: 0 });
    return { name: s.id, target, startedAt, cases };
  });
}
