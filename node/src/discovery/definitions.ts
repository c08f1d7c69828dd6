// Discovery service definitions (RFC022) from a directory of JSON files, validated as nuts-node's schema requires.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { NodeError } from '../core/errors.js';
import { validateDefinition, type PresentationDefinition } from '../pe/index.js';

export interface ServiceDefinition {
  id: string;
  endpoint: string;
  presentation_max_validity: number;
  presentation_definition: PresentationDefinition;
  did_methods?: string[];
}

export function parseServiceDefinition(doc: unknown, where: string): ServiceDefinition {
  const d = doc as Record<string, unknown>;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new NodeError('invalid_input', `${where}: must be a JSON object`);
  if (typeof d.id !== 'string' || !d.id) throw new NodeError('invalid_input', `${where}: id is required`);
  if (typeof d.endpoint !== 'string' || !d.endpoint) throw new NodeError('invalid_input', `${where}: endpoint is required`);
  try {
    new URL(d.endpoint);
  } catch {
    throw new NodeError('invalid_input', `${where}: endpoint '${d.endpoint}' is not a URL`);
  }
  if (!Number.isInteger(d.presentation_max_validity) || (d.presentation_max_validity as number) < 1) throw new NodeError('invalid_input', `${where}: presentation_max_validity must be an integer ≥ 1`);
  if (d.did_methods !== undefined && (!Array.isArray(d.did_methods) || !d.did_methods.every((m) => typeof m === 'string'))) throw new NodeError('invalid_input', `${where}: did_methods must be an array of strings`);
  let pd: PresentationDefinition;
  try {
    pd = validateDefinition(d.presentation_definition, `${where} presentation_definition`);
  } catch (e) {
    throw new NodeError('invalid_input', (e as Error).message);
  }
  return { id: d.id, endpoint: d.endpoint, presentation_max_validity: d.presentation_max_validity as number, presentation_definition: pd, ...(d.did_methods ? { did_methods: d.did_methods as string[] } : {}) };
}

/** Every *.json in `dir` (a missing directory means no services); duplicate ids are an error. */
export function loadServiceDefinitions(dir: string): Map<string, ServiceDefinition> {
  const abs = path.resolve(dir);
  const out = new Map<string, ServiceDefinition>();
  let files: string[] = [];
  try {
    if (statSync(abs).isDirectory()) files = readdirSync(abs).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return out;
  }
  const from = new Map<string, string>();
  for (const f of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path.join(abs, f), 'utf8'));
    } catch (e) {
      throw new NodeError('invalid_input', `discovery definition ${f} is not valid JSON: ${(e as Error).message}`);
    }
    const def = parseServiceDefinition(doc, `discovery definition ${f}`);
    if (out.has(def.id)) throw new NodeError('invalid_input', `duplicate discovery service '${def.id}' in ${from.get(def.id)} and ${f}`);
    out.set(def.id, def);
    from.set(def.id, f);
  }
  return out;
}
