// Checks that every operation of a hand-written OpenAPI file is served by a running node (not the unknown-route 404).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { LabNode } from '../../node/src/main.js';
import { UNKNOWN_ROUTE_TITLE } from '../../node/src/core/errors.js';

const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head'] as const;

export interface Operation {
  method: string;
  path: string;
}

export function operations(specFile: string): Operation[] {
  const spec = parse(readFileSync(specFile, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries(spec.paths)) for (const m of METHODS) if (item[m]) ops.push({ method: m.toUpperCase(), path: p });
  return ops;
}

/** Operations whose request reached no route: they answer the generic unknown-route problem. */
export async function unservedOperations(node: LabNode, specFile: string, sample: (param: string) => string = () => 'x'): Promise<string[]> {
  const missing: string[] = [];
  for (const op of operations(specFile)) {
    const p = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => sample(name));
    const base = op.path.startsWith('/internal') ? node.internalUrl : node.url;
    const res = await fetch(base + p, { method: op.method, headers: { 'content-type': 'application/json' }, body: ['GET', 'HEAD', 'DELETE'].includes(op.method) ? undefined : '{}' });
    const text = await res.text();
    if (res.status === 404 && text.includes(`"title":"${UNKNOWN_ROUTE_TITLE}"`)) missing.push(`${op.method} ${op.path}`);
  }
  return missing;
}
