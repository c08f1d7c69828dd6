// Reads nuts-node v6.2.10's own e2e material: request bodies out of its shell scripts (verbatim, variables filled in),
// its policy/discovery files and nuts.yaml configs; tests skip with one line naming the folder when it is absent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { externalMissing, externalPath } from '../helpers/external.js';

export const UPSTREAM_FOLDER = '../shared/external/nuts-node-v6.2.10';
export const UPSTREAM_DIR = externalPath('nuts-node-v6.2.10');
// NLL_REQUIRE_SHARED=1 (.ci/run, when ../shared exists) makes an absent folder a failure instead of a skip
export const HAS_UPSTREAM = !externalMissing('nuts-node-v6.2.10', 'e2e-tests');
/** the one line a skipped parity suite prints */
export const SKIP_REASON = `skipped: upstream nuts-node v6.2.10 material not found (needs ${UPSTREAM_FOLDER})`;

/** Prints the one-line reason once per suite when the material is absent (the suite itself is skipped). */
export function skipNote(flow: string): void {
  if (!HAS_UPSTREAM) process.stdout.write(`parity ${flow}: ${SKIP_REASON}\n`);
}

export function upstreamPath(...parts: string[]): string {
  return path.join(UPSTREAM_DIR, ...parts);
}

export function readUpstream(...parts: string[]): string {
  return readFileSync(upstreamPath(...parts), 'utf8');
}

export function readUpstreamJson<T = Record<string, unknown>>(...parts: string[]): T {
  return JSON.parse(readUpstream(...parts)) as T;
}

/** A JSON body a script assigns to a shell variable (`REQUEST="{…}"` or `REQUEST=$(cat << EOF … EOF)`), in script order. */
export interface ScriptBody {
  variable: string;
  template: string;
  line: number;
}

export function scriptBodies(...parts: string[]): ScriptBody[] {
  const text = readUpstream(...parts);
  const out: ScriptBody[] = [];
  const lineOf = (i: number) => text.slice(0, i).split('\n').length;
  for (const m of text.matchAll(/^\s*([A-Z_]+)="(\{(?:[^"\\]|\\.)*\})"\s*$/gm)) {
    out.push({ variable: m[1]!, template: m[2]!.replace(/\\(.)/g, '$1'), line: lineOf(m.index!) });
  }
  for (const m of text.matchAll(/^\s*([A-Z_]+)=\$\(\s*\ncat << EOF\n([\s\S]*?)\nEOF\n\)/gm)) {
    out.push({ variable: m[1]!, template: m[2]!, line: lineOf(m.index!) });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Fills `${NAME}` and `$NAME` from `vars`; an unknown variable is an error (the script changed: look at it). */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_]+)\}|\$([A-Z_]+)/g, (_m, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (!(name in vars)) throw new Error(`upstream body uses $${name}, which this replay does not set`);
    return vars[name]!;
  });
}

/** The n-th body assigned to `variable` (0-based), filled and parsed. */
export function body(bodies: ScriptBody[], variable: string, n: number, vars: Record<string, string>): Record<string, unknown> {
  const matching = bodies.filter((b) => b.variable === variable);
  const b = matching[n];
  if (!b) throw new Error(`the upstream script has no body #${n} for ${variable} (it has ${matching.length})`);
  return JSON.parse(fill(b.template, vars)) as Record<string, unknown>;
}
