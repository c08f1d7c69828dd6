// Parity: the lab's own OpenAPI files (node/api/*.yaml) are supersets of nuts-node v6.2.10's: an upstream operation
// keeps upstream's required request fields (never demands more), and every operation or request field upstream does
// not have is labelled `x-lab-only: true`, so a supplier sees what will not exist on a production nuts-node.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HAS_UPSTREAM, skipNote } from './upstream.js';
import { operation, upstreamOperations, upstreamRequestSchema } from './openapi.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const API_DIR = path.resolve(import.meta.dirname, '..', '..', 'node', 'api');
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
skipNote('API supersets');

/** Same-file `$ref`s resolved (the lab's files keep their schemas under components). */
function localDeref(node: unknown, root: Json, depth = 0): unknown {
  if (depth > 20 || !node || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((n) => localDeref(n, root, depth + 1));
  const o = node as Json;
  if (typeof o.$ref === 'string' && o.$ref.startsWith('#/')) {
    const target = o.$ref.slice(2).split('/').reduce<unknown>((v, k) => (v as Json)?.[k], root);
    return localDeref({ ...(target as object), ...Object.fromEntries(Object.entries(o).filter(([k]) => k !== '$ref')) }, root, depth + 1);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, localDeref(v, root, depth + 1)]));
}

function labOperations(): Array<{ file: string; method: string; path: string; op: Json; root: Json }> {
  return readdirSync(API_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => {
      const root = parse(readFileSync(path.join(API_DIR, file), 'utf8')) as Json;
      return Object.entries(root.paths ?? {}).flatMap(([p, item]) => METHODS.filter((m) => (item as Json)[m]).map((m) => ({ file, method: m.toUpperCase(), path: p, op: (item as Json)[m] as Json, root })));
    });
}

describe.skipIf(!HAS_UPSTREAM)('parity: node/api/*.yaml are supersets of the v6.2.10 OpenAPI files', () => {
  const upstream = new Set(upstreamOperations().map((o) => `${o.method} ${o.path}`));

  it('every operation upstream does not have is labelled x-lab-only', () => {
    const unlabelled = labOperations()
      .filter((o) => !upstream.has(`${o.method} ${o.path}`) && o.op['x-lab-only'] !== true)
      .map((o) => `${o.file}: ${o.method} ${o.path}`);
    expect(unlabelled).toEqual([]);
  });

  it('upstream operations keep upstream\'s required request fields; extra request fields are labelled x-lab-only', () => {
    const problems: string[] = [];
    for (const o of labOperations().filter((x) => upstream.has(`${x.method} ${x.path}`))) {
      const theirs = upstreamRequestSchema(o.method, o.path);
      const ours = localDeref(o.op.requestBody, o.root) as Json | undefined;
      const oursSchema = ours?.content?.['application/json']?.schema as Json | undefined;
      if (!theirs || !oursSchema?.properties) continue;
      const extraRequired = (oursSchema.required ?? []).filter((r: string) => !(theirs.required ?? []).includes(r));
      if (extraRequired.length) problems.push(`${o.method} ${o.path}: requires ${extraRequired.join(', ')} that upstream does not`);
      for (const [name, prop] of Object.entries(oursSchema.properties as Json)) {
        if (!(name in (theirs.properties ?? {})) && (prop as Json)['x-lab-only'] !== true) problems.push(`${o.method} ${o.path}: field '${name}' is not upstream's and not labelled x-lab-only`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('sanity: the comparison sees upstream request schemas', () => {
    expect(operation('vcr', 'POST', '/internal/vcr/v2/issuer/vc')).toBeDefined();
    expect(upstreamRequestSchema('POST', '/internal/vcr/v2/issuer/vc')?.properties?.withStatusList2021Revocation).toBeDefined();
  });
});
