// Presentation Exchange v2 definition types and a structural check that names what is wrong (used when policies load).
import { invalidInput } from '../core/errors.js';
import { checkFilterSupported, type Filter } from './filter.js';
import { compilePath } from './jsonpath.js';

export interface Field {
  id?: string;
  path: string[];
  filter?: Filter;
  optional?: boolean;
  purpose?: string;
  name?: string;
  intent_to_retain?: boolean;
}

export type FormatDesignations = Record<string, { alg?: string[]; proof_type?: string[] }>;

export interface InputDescriptor {
  id: string;
  name?: string;
  purpose?: string;
  group?: string[];
  format?: FormatDesignations;
  /**
   * `subject_is_issuer: required` (PE v2 relational constraint) is how a definition allows self-attestation: the holder
   * issues the credential about itself, without a proof of its own (the presentation's signature covers it).
   */
  constraints?: { fields?: Field[]; limit_disclosure?: string; subject_is_issuer?: 'required' | 'preferred' };
}

/** Whether the descriptor lets the holder attest the credential itself (a credential without proof, issuer = subject). */
export const allowsSelfAttestation = (d: InputDescriptor) => d.constraints?.subject_is_issuer === 'required';

export interface SubmissionRequirement {
  rule: 'all' | 'pick';
  from?: string;
  count?: number;
  min?: number;
  max?: number;
  name?: string;
}

export interface PresentationDefinition {
  id: string;
  name?: string;
  purpose?: string;
  format?: FormatDesignations;
  input_descriptors: InputDescriptor[];
  submission_requirements?: SubmissionRequirement[];
}

export interface DescriptorMapEntry {
  id: string;
  format: string;
  path: string;
  path_nested?: DescriptorMapEntry;
}

export interface PresentationSubmission {
  id: string;
  definition_id: string;
  descriptor_map: DescriptorMapEntry[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function pinsType(fields: unknown): boolean {
  return (Array.isArray(fields) ? fields : []).some((f: unknown) => {
    if (!isObj(f) || !Array.isArray(f.path) || !f.path.includes('$.type') || !isObj(f.filter)) return false;
    const filter = f.filter as { const?: unknown; enum?: unknown; contains?: { const?: unknown } };
    return typeof filter.const === 'string' || Array.isArray(filter.enum) || typeof filter.contains?.const === 'string';
  });
}

/** Throws a 400 naming the first structural problem; returns the definition typed. */
export function validateDefinition(pd: unknown, where = 'presentation definition'): PresentationDefinition {
  if (!isObj(pd)) throw invalidInput(`${where}: must be a JSON object`);
  if (typeof pd.id !== 'string' || !pd.id) throw invalidInput(`${where}: id is required`);
  if (!Array.isArray(pd.input_descriptors)) throw invalidInput(`${where}: input_descriptors must be an array`);
  const ids = new Set<string>();
  pd.input_descriptors.forEach((d: unknown, i) => {
    const at = `${where} input_descriptors[${i}]`;
    if (!isObj(d) || typeof d.id !== 'string' || !d.id) throw invalidInput(`${at}: id is required`);
    if (ids.has(d.id)) throw invalidInput(`${at}: duplicate input descriptor id '${d.id}'`);
    ids.add(d.id);
    const fields = (d.constraints as { fields?: unknown } | undefined)?.fields;
    if (fields !== undefined && !Array.isArray(fields)) throw invalidInput(`${at}: constraints.fields must be an array`);
    const sii = (d.constraints as { subject_is_issuer?: unknown } | undefined)?.subject_is_issuer;
    if (sii !== undefined && sii !== 'required' && sii !== 'preferred') throw invalidInput(`${at}: constraints.subject_is_issuer must be 'required' or 'preferred'`);
    // self-attestation is allowed per credential type, never for whatever happens to match
    if (sii === 'required' && !pinsType(fields)) throw invalidInput(`${at}: a descriptor that allows self-attestation (subject_is_issuer) must pin the credential type with a $.type field (const or enum)`);
    (fields ?? []).forEach((f: unknown, j: number) => {
      const fat = `${at} field[${j}]`;
      if (!isObj(f) || !Array.isArray(f.path) || f.path.length === 0 || !f.path.every((p) => typeof p === 'string')) throw invalidInput(`${fat}: path must be a non-empty array of JSONPath strings`);
      for (const p of f.path as string[]) compilePath(p);
      if (f.filter !== undefined) {
        if (!isObj(f.filter)) throw invalidInput(`${fat}: filter must be an object`);
        checkFilterSupported(f.filter as Filter, fat);
      }
    });
  });
  for (const [i, r] of ((pd.submission_requirements as unknown[] | undefined) ?? []).entries()) {
    if (!isObj(r) || (r.rule !== 'all' && r.rule !== 'pick') || typeof r.from !== 'string') {
      throw invalidInput(`${where} submission_requirements[${i}]: only {rule: all|pick, from: <group>} is supported`);
    }
  }
  return pd as unknown as PresentationDefinition;
}
