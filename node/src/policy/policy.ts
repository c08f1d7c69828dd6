// Scope → presentation definitions, loaded from nuts-node style policy files; a duplicate scope stops the node at start.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { NodeError } from '../core/errors.js';
import { ScopeError } from './errors.js';
import { validateDefinition, type PresentationDefinition } from '../pe/index.js';

/** introspection claims a PD field id must not shadow (nuts-node rejects these too) */
export const RESERVED_CLAIMS = new Set(['iss', 'sub', 'exp', 'iat', 'nbf', 'aud', 'active', 'client_id', 'scope', 'cnf', 'token_type']);

export type WalletOwnerType = 'organization' | 'user' | 'service_provider';
export const WALLET_OWNER_TYPES: readonly WalletOwnerType[] = ['organization', 'user', 'service_provider'];

export interface CredentialProfile {
  scope: string;
  /** file the scope came from, for error messages */
  source: string;
  definitions: Partial<Record<WalletOwnerType, PresentationDefinition>>;
}

export class PolicyStore {
  constructor(private readonly profiles: ReadonlyMap<string, CredentialProfile>) {}

  get scopes(): string[] {
    return [...this.profiles.keys()].sort();
  }

  /**
   * The profile for a requested scope string. As nuts-node's `profile-only` policy: exactly one requested scope names
   * a profile, and no other scopes are allowed next to it.
   */
  profileFor(scopeParam: string): CredentialProfile {
    const scopes = scopeParam.split(' ').filter(Boolean);
    if (scopes.length === 0) throw new ScopeError('scope is required');
    const known = scopes.filter((s) => this.profiles.has(s));
    if (known.length === 0) throw new ScopeError(`unsupported scope '${scopeParam}' (known: ${this.scopes.join(', ') || 'none'})`);
    if (known.length > 1) throw new ScopeError(`scope '${scopeParam}' names ${known.length} credential profiles; request one`);
    if (scopes.length > 1) throw new ScopeError(`scope '${known[0]}' allows no extra scopes (${scopes.filter((s) => s !== known[0]).join(' ')})`);
    return this.profiles.get(known[0]!)!;
  }

  definition(scopeParam: string, owner: WalletOwnerType = 'organization'): PresentationDefinition {
    const p = this.profileFor(scopeParam);
    const pd = p.definitions[owner];
    if (!pd) throw new ScopeError(`scope '${p.scope}' has no presentation definition for wallet owner type '${owner}'`);
    return pd;
  }
}

/** Reads every *.json in `dir`; any problem (bad JSON, bad definition, duplicate scope) is an error naming file and scope. */
export function loadPolicies(dir: string): PolicyStore {
  const abs = path.resolve(dir);
  let files: string[];
  try {
    if (!statSync(abs).isDirectory()) throw new Error('not a directory');
    files = readdirSync(abs).filter((f) => f.endsWith('.json')).sort();
  } catch (e) {
    throw new NodeError('invalid_input', `policy directory ${abs} cannot be read: ${(e as Error).message}`);
  }
  const profiles = new Map<string, CredentialProfile>();
  for (const f of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path.join(abs, f), 'utf8'));
    } catch (e) {
      throw new NodeError('invalid_input', `policy file ${f} is not valid JSON: ${(e as Error).message}`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new NodeError('invalid_input', `policy file ${f} must hold an object of scope → definitions`);
    for (const [scope, value] of Object.entries(doc as Record<string, unknown>)) {
      const prior = profiles.get(scope);
      if (prior) throw new NodeError('invalid_input', `duplicate scope '${scope}' in policy files ${prior.source} and ${f}`);
      if (!value || typeof value !== 'object') throw new NodeError('invalid_input', `policy file ${f}: scope '${scope}' must map to {organization, user?}`);
      const definitions: CredentialProfile['definitions'] = {};
      for (const [owner, pd] of Object.entries(value as Record<string, unknown>)) {
        if (owner === 'scope_policy') {
          if (pd !== 'profile-only') throw new NodeError('invalid_input', `policy file ${f}: scope '${scope}': scope_policy '${String(pd)}' is not supported (only profile-only)`);
          continue;
        }
        if (!WALLET_OWNER_TYPES.includes(owner as WalletOwnerType)) throw new NodeError('invalid_input', `policy file ${f}: scope '${scope}': unknown wallet owner type '${owner}'`);
        try {
          definitions[owner as WalletOwnerType] = validateDefinition(pd, `policy file ${f}: scope '${scope}' ${owner}`);
        } catch (e) {
          throw new NodeError('invalid_input', (e as Error).message);
        }
        for (const d of definitions[owner as WalletOwnerType]!.input_descriptors) {
          for (const field of d.constraints?.fields ?? []) {
            if (field.id && RESERVED_CLAIMS.has(field.id)) throw new NodeError('invalid_input', `policy file ${f}: scope '${scope}' ${owner}: field id '${field.id}' is a reserved introspection claim`);
          }
        }
      }
      if (!definitions.organization) throw new NodeError('invalid_input', `policy file ${f}: scope '${scope}' has no organization presentation definition`);
      profiles.set(scope, { scope, source: f, definitions });
    }
  }
  return new PolicyStore(profiles);
}
