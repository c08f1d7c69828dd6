// Validates real answers against nuts-node v6.2.10's OpenAPI files: the status must be one the operation declares (or
// its `default`), the content type one of that response's media types, and the body its schema (ajv, refs across files).
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { readUpstream, upstreamPath } from './upstream.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const docs = new Map<string, Json>();
function doc(file: string): Json {
  let d = docs.get(file);
  if (!d) {
    d = parse(readUpstream(path.relative(upstreamPath(), file))) as Json;
    docs.set(file, d);
  }
  return d;
}

const STATIC = ['docs', '_static'];
export const SPECS = {
  vdr: upstreamPath(...STATIC, 'vdr', 'v2.yaml'),
  vcr: upstreamPath(...STATIC, 'vcr', 'vcr_v2.yaml'),
  auth: upstreamPath(...STATIC, 'auth', 'v2.yaml'),
  iam: upstreamPath(...STATIC, 'auth', 'iam.partial.yaml'),
  discovery: upstreamPath(...STATIC, 'discovery', 'v1.yaml'),
  discoveryServer: upstreamPath(...STATIC, 'discovery', 'server.yaml'),
  monitoring: upstreamPath(...STATIC, 'monitoring', 'v1.yaml'),
} as const;
export type SpecName = keyof typeof SPECS;

/** Follows `$ref`s (same file or another, relative to the file they are in) into one self-contained schema. */
function deref(node: unknown, file: string, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => deref(n, file, seen));
  if (!node || typeof node !== 'object') return node;
  const o = node as Json;
  if (typeof o.$ref === 'string') {
    const [rel, pointer] = o.$ref.split('#') as [string, string | undefined];
    const target = rel ? path.resolve(path.dirname(file), rel) : file;
    const key = `${target}#${pointer ?? ''}`;
    if (seen.includes(key)) return {}; // a recursive schema: accept what lies below the second visit
    let value: unknown = doc(target);
    for (const part of (pointer ?? '').split('/').filter(Boolean)) value = (value as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return deref(value, target, [...seen, key]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (['example', 'examples', 'discriminator', 'xml', 'externalDocs', 'deprecated', 'readOnly', 'writeOnly'].includes(k)) continue;
    out[k] = deref(v, file, seen);
  }
  // OpenAPI 3.0 nullable → JSON Schema
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

export interface Operation {
  responses: Record<string, Json>;
}

export function operation(spec: SpecName, method: string, template: string): Operation | undefined {
  const d = doc(SPECS[spec]);
  return d.paths?.[template]?.[method.toLowerCase()] as Operation | undefined;
}

/** Every upstream operation: spec, method and path template. */
export function upstreamOperations(): Array<{ spec: SpecName; method: string; path: string }> {
  const out: Array<{ spec: SpecName; method: string; path: string }> = [];
  for (const spec of Object.keys(SPECS) as SpecName[]) {
    for (const [p, item] of Object.entries(doc(SPECS[spec]).paths ?? {})) {
      for (const m of ['get', 'post', 'put', 'delete', 'patch']) if ((item as Json)[m]) out.push({ spec, method: m.toUpperCase(), path: p });
    }
  }
  return out;
}

/** What is wrong with an answer, measured against the operation; empty when it conforms. */
export function conformance(spec: SpecName, method: string, template: string, answer: { status: number; contentType: string | null; text: string }): string[] {
  const op = operation(spec, method, template);
  if (!op) return [`${method} ${template} is not in upstream ${spec}`];
  const declared = op.responses[String(answer.status)] ? String(answer.status) : op.responses.default ? 'default' : undefined;
  if (!declared) return [`status ${answer.status} is not declared (declared: ${Object.keys(op.responses).join(', ')})`];
  const response = deref(op.responses[declared], SPECS[spec]) as Json;
  const content = response.content as Record<string, Json> | undefined;
  if (!content) return answer.text === '' ? [] : [`status ${answer.status} declares no body, got ${answer.text.slice(0, 80)}`];
  const type = (answer.contentType ?? '').split(';')[0]!.trim();
  const media = content[type] ?? (type === 'application/json' ? undefined : undefined);
  if (!media) return [`content type '${type}' is not declared for ${declared} (declared: ${Object.keys(content).join(', ')})`];
  if (!media.schema) return [];
  let body: unknown;
  try {
    // a signed statement declared as an object (openid-configuration): its JWT payload is what the schema describes
    const jwtObject = type.endsWith('+jwt') && (media.schema as Json).type === 'object';
    body = jwtObject ? JSON.parse(Buffer.from(answer.text.split('.')[1] ?? '', 'base64url').toString('utf8')) : type.includes('json') ? JSON.parse(answer.text) : answer.text;
  } catch {
    return [`body is not JSON: ${answer.text.slice(0, 80)}`];
  }
  const validate = ajv.compile(media.schema as object);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** The JSON request-body schema of an upstream operation, refs resolved; undefined when it has none. */
export function upstreamRequestSchema(method: string, template: string): Json | undefined {
  for (const spec of Object.keys(SPECS) as SpecName[]) {
    const op = operation(spec, method, template) as (Operation & { requestBody?: unknown }) | undefined;
    if (!op) continue;
    const body = deref(op.requestBody, SPECS[spec]) as Json | undefined;
    const schema = body?.content?.['application/json']?.schema as Json | undefined;
    if (!schema) return undefined;
    // allOf compositions: merge properties and required
    if (Array.isArray(schema.allOf)) return schema.allOf.reduce((acc: Json, s: Json) => ({ properties: { ...acc.properties, ...s.properties }, required: [...(acc.required ?? []), ...(s.required ?? [])] }), { properties: {}, required: [] });
    return schema;
  }
  return undefined;
}
