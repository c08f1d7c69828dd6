// Credential-type rules: JSON schemas from credentials/schemas (a small validator for the subset they use) plus the role catalogue.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CREDENTIALS_DIR } from './paths.js';

interface Schema {
  type?: 'object' | 'string' | 'array' | 'boolean' | 'number';
  required?: string[];
  properties?: Record<string, Schema>;
  pattern?: string;
  minLength?: number;
  const?: unknown;
  enum?: unknown[];
  items?: Schema;
}

export interface Role {
  code: string;
  system: string;
  big: boolean;
  nl: string;
  en: string;
}

let schemas: Map<string, Schema> | undefined;
let roles: Map<string, Role> | undefined;

function loadSchemas(): Map<string, Schema> {
  if (schemas) return schemas;
  const dir = path.join(CREDENTIALS_DIR, 'schemas');
  schemas = new Map(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f.slice(0, -5), JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Schema]));
  return schemas;
}

/** The role catalogue (credentials/roles.json), keyed by code; systems expanded to their URI. */
export function roleCatalogue(): Map<string, Role> {
  if (roles) return roles;
  const raw = JSON.parse(readFileSync(path.join(CREDENTIALS_DIR, 'roles.json'), 'utf8')) as { systems: Record<string, string>; roles: Role[] };
  roles = new Map(raw.roles.map((r) => [r.code, { ...r, system: raw.systems[r.system] ?? r.system }]));
  return roles;
}

/** Credential types with a schema in credentials/schemas. */
export function schemaTypes(): string[] {
  return [...loadSchemas().keys()];
}

// a schema's patterns are compiled once: credentials are re-checked on every use of a token that carries them
const patterns = new Map<string, RegExp>();
const compiled = (pattern: string) => {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(pattern)));
  return re;
};

/** First violation of `schema` by `value`, as `path: reason`, or undefined when it conforms. */
export function validateSchema(schema: Schema, value: unknown, at = 'credentialSubject'): string | undefined {
  if (schema.const !== undefined && value !== schema.const) return `${at}: must be ${JSON.stringify(schema.const)}`;
  if (schema.enum && !schema.enum.includes(value)) return `${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  switch (schema.type) {
    case 'object':
      if (!value || typeof value !== 'object' || Array.isArray(value)) return `${at}: must be an object`;
      break;
    case 'array':
      if (!Array.isArray(value)) return `${at}: must be an array`;
      break;
    case 'string':
      if (typeof value !== 'string') return `${at}: must be a string`;
      break;
    case 'boolean':
    case 'number':
      if (typeof value !== schema.type) return `${at}: must be a ${schema.type}`;
      break;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return `${at}: must not be empty`;
    if (schema.pattern && !compiled(schema.pattern).test(value)) return `${at}: '${value}' does not match ${schema.pattern}`;
  }
  if (Array.isArray(value) && schema.items) {
    for (let i = 0; i < value.length; i++) {
      const e = validateSchema(schema.items, value[i], `${at}[${i}]`);
      if (e) return e;
    }
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (obj[r] === undefined) return `${at}.${r}: is required`;
    for (const [k, s] of Object.entries(schema.properties ?? {})) {
      if (obj[k] === undefined) continue;
      const e = validateSchema(s, obj[k], `${at}.${k}`);
      if (e) return e;
    }
  }
  return undefined;
}

// Types whose issuer attests about itself: subject must be the issuer (RFC019, RFC022, and our role credential).
const SELF_ISSUED = new Set(['NutsEmployeeCredential', 'CareWorkerRoleCredential', 'DiscoveryRegistrationCredential']);
// Types only a certificate can issue (RFC023 X509Credential; the pilot's HealthcareProviderCredential).
export const X509_TYPES: readonly string[] = ['X509Credential', 'HealthcareProviderCredential'];

/**
 * Checks a credential's subjects against the schemas of its types and the type-specific rules.
 * Returns the reason it does not conform, or undefined.
 */
export function checkCredentialType(types: string[], issuer: string, subjects: Array<Record<string, unknown>>): string | undefined {
  const all = loadSchemas();
  if (!subjects.length) return 'credentialSubject is required';
  for (const t of types) {
    const schema = all.get(t);
    if (!schema) continue;
    for (const [i, s] of subjects.entries()) {
      const e = validateSchema(schema, s, subjects.length > 1 ? `credentialSubject[${i}]` : 'credentialSubject');
      if (e) return `${t}: ${e}`;
    }
    if (X509_TYPES.includes(t) && !issuer.startsWith('did:x509:')) return `${t}: issuer must be a did:x509 (the organisation's UZI server certificate)`;
    if (SELF_ISSUED.has(t) && subjects.some((s) => s.id !== issuer)) return `${t}: credentialSubject.id must be the issuer (${issuer})`;
    if (t === 'CareWorkerRoleCredential') {
      for (const s of subjects) {
        const worker = s.careWorker as { roleCode: string; roleName?: string; bigNumber?: string };
        const role = roleCatalogue().get(worker.roleCode);
        if (!role) return `${t}: role code '${worker.roleCode}' is not in the role catalogue`;
        if (worker.roleName !== undefined && worker.roleName !== role.nl && worker.roleName !== role.en) return `${t}: roleName '${worker.roleName}' does not match role ${role.code} (${role.nl})`;
        if (!role.big && worker.bigNumber !== undefined) return `${t}: role ${role.code} (${role.nl}) has no BIG registration, so it cannot carry a BIG number`;
      }
    }
  }
  return undefined;
}
