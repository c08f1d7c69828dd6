// Locates upstream material under ../shared/external (see shared.ts for the skip-or-fail rule when it is absent).
import { readFileSync } from 'node:fs';
import { sharedMissing, sharedPath } from './shared.js';

export const EXTERNAL_DIR = sharedPath('external');

export function externalPath(...parts: string[]): string {
  return sharedPath('external', ...parts);
}

/** True (and one line printed) when ../shared/external/<parts> is absent; tests needing it skip on it. */
export function externalMissing(...parts: string[]): boolean {
  return sharedMissing('external', ...parts);
}

export function readExternalJson<T = any>(...parts: string[]): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(externalPath(...parts), 'utf8')) as T;
}

/**
 * An upstream nuts-node definition (or policy mapping) with self-attestation allowed explicitly, as the lab requires
 * (PE `constraints.subject_is_issuer: required`), on the input descriptors that pin one of `types`. nuts-node's e2e
 * files leave it implicit; the lab never infers it, so tests that use them state it here.
 */
export function allowSelfAttestation<T>(json: T, types: readonly string[]): T {
  const copy = JSON.parse(JSON.stringify(json)) as unknown;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.input_descriptors)) {
      for (const d of o.input_descriptors as Array<{ constraints?: { fields?: Array<{ path?: string[]; filter?: { const?: unknown } }>; subject_is_issuer?: string } }>) {
        if (d.constraints?.fields?.some((f) => f.path?.includes('$.type') && types.includes(String(f.filter?.const)))) d.constraints.subject_is_issuer = 'required';
      }
    }
    Object.values(o).forEach(walk);
  };
  walk(copy);
  return copy as T;
}
