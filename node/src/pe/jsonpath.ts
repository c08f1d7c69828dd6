// Minimal JSONPath for Presentation Exchange field paths: `$`, `.name`, `['name']`, `[n]`, `[*]`.
import { invalidInput } from '../core/errors.js';

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

const compiled = new Map<string, Step[]>();

/** Parses a path once; a path PE allows but we do not support is a 400 naming the path. */
export function compilePath(path: string): Step[] {
  const hit = compiled.get(path);
  if (hit) return hit;
  if (!path.startsWith('$')) throw invalidInput(`unsupported JSONPath '${path}': must start with '$'`);
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (path[i + 1] === '.') throw invalidInput(`unsupported JSONPath '${path}': recursive descent is not supported`);
      const m = /^[A-Za-z0-9_@$-]+|^\*/.exec(path.slice(i + 1));
      if (!m) throw invalidInput(`unsupported JSONPath '${path}' at position ${i}`);
      steps.push(m[0] === '*' ? { kind: 'wildcard' } : { kind: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) throw invalidInput(`unsupported JSONPath '${path}': unclosed '['`);
      const inner = path.slice(i + 1, end).trim();
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) steps.push({ kind: 'key', key: inner.slice(1, -1) });
      else throw invalidInput(`unsupported JSONPath '${path}': selector [${inner}] is not supported`);
      i = end + 1;
    } else throw invalidInput(`unsupported JSONPath '${path}' at position ${i}`);
  }
  compiled.set(path, steps);
  return steps;
}

/** Values a path selects (empty when nothing is there); a wildcard yields one value per element. */
export function select(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of compilePath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if (step.kind === 'key') {
        if (!Array.isArray(v) && Object.hasOwn(v, step.key)) next.push((v as Record<string, unknown>)[step.key]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else next.push(...(Array.isArray(v) ? v : Object.values(v)));
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}

/** First value a path selects, or undefined. */
export function selectFirst(root: unknown, path: string): unknown {
  return select(root, path)[0];
}
