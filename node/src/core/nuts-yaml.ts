// Reads a nuts-node v6 `nuts.yaml`: keys that mean something here are mapped onto this node's configuration, the
// rest are named in warnings (never a failure), so an operator's existing file starts this node as it is.
import path from 'node:path';

/** Top-level keys only a nuts-node file has: their presence marks the file as one. */
const NUTS_ONLY_KEYS = ['verbosity', 'strictmode', 'internalratelimiter', 'tls', 'tracing', 'crypto', 'storage', 'network', 'goldenhammer', 'didmethods', 'loggerformat', 'jsonld', 'pki', 'events', 'didman', 'httpclient'];

export function looksLikeNutsYaml(doc: Record<string, unknown>): boolean {
  if (NUTS_ONLY_KEYS.some((k) => k in doc && !['crypto', 'pki'].includes(k))) return true;
  const http = doc.http as { internal?: { address?: unknown }; public?: { address?: unknown } } | undefined;
  return typeof http?.internal?.address === 'string' && /^[^:]*:\d+$/.test(http.internal.address);
}

const LOG_LEVEL: Record<string, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'fatal', panic: 'fatal' };

/** "10m", "1h30m", "600s", 600 → seconds (Go durations, as nuts-node reads them). */
function seconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let matched = false;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched = true;
  }
  return matched ? total : Number.isFinite(Number(v)) ? Number(v) : undefined;
}

/** ":8081" / "0.0.0.0:8081" / "localhost:8081" → { address, port } */
function listen(v: unknown): { address: string; port: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(.*):(\d+)$/.exec(v);
  if (!m) return undefined;
  return { address: m[1] ? m[1].replace(/^\[|\]$/g, '') : '0.0.0.0', port: Number(m[2]) };
}

function flatten(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

export interface MappedNutsYaml {
  /** this node's configuration keys, still to be validated by the config schema (which is why this file does not import it) */
  config: Record<string, unknown>;
  /** one line per key that has no meaning here (or only part of its meaning) */
  warnings: string[];
}

/**
 * Maps nuts-node keys onto this node's: url, verbosity, datadir, http.{public,internal}.address, policy.directory,
 * discovery.definitions.directory, discovery.server.ids, discovery.client.refreshinterval, auth.accesstokenlifespan,
 * auth.authorizationendpoint.enabled,
 * storage.sql.connection (PostgreSQL). Relative directories are resolved against the file's own folder.
 */
export function mapNutsYaml(doc: Record<string, unknown>, file?: string): MappedNutsYaml {
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  const dir = (v: unknown) => (typeof v === 'string' ? path.resolve(base, v) : undefined);
  const config: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  const used = new Set<string>();
  const get = (key: string): unknown => {
    const v = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
    if (v !== undefined) used.add(key);
    return v;
  };
  const set = (key: string, value: unknown) => {
    if (value === undefined) return;
    const parts = key.split('.');
    let cur = config;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]!] = value;
  };
  const warnings: string[] = [];

  set('url', get('url'));
  const level = get('verbosity');
  if (typeof level === 'string') {
    if (LOG_LEVEL[level]) set('log.level', LOG_LEVEL[level]);
    else warnings.push(`verbosity '${level}' is not a log level here; kept the default`);
  }
  set('datadir', dir(get('datadir')));
  const pub = listen(get('http.public.address'));
  if (pub) set('http.public', pub);
  const int = listen(get('http.internal.address'));
  if (int) set('http.internal', int);
  set('policy.directory', dir(get('policy.directory')));
  set('discovery.directory', dir(get('discovery.definitions.directory')));
  const ids = get('discovery.server.ids');
  if (ids !== undefined) set('discovery.serverIds', Array.isArray(ids) ? ids.map(String) : String(ids).split(',').map((s) => s.trim()).filter(Boolean));
  const refresh = seconds(get('discovery.client.refreshinterval'));
  if (refresh !== undefined) set('discovery.refreshIntervalSeconds', refresh);
  const lifespan = seconds(get('auth.accesstokenlifespan'));
  if (lifespan !== undefined) set('auth.accessTokenValiditySeconds', Math.round(lifespan));
  const authz = get('auth.authorizationendpoint.enabled');
  if (authz !== undefined) set('auth.authorizationEndpoint.enabled', authz === true || authz === 'true');
  const sql = get('storage.sql.connection');
  if (typeof sql === 'string') {
    if (/^postgres(ql)?:/.test(sql)) set('database.url', sql);
    else if (/^sqlite:/.test(sql)) set('database.sqlite', sql.replace(/^sqlite:(file:)?/, '').split('?')[0]);
    else warnings.push(`storage.sql.connection: only PostgreSQL and SQLite are supported here; kept the embedded SQLite store`);
  }

  for (const key of flatten(doc)) {
    if (used.has(key) || [...used].some((u) => key.startsWith(`${u}.`))) continue;
    warnings.push(`nuts.yaml key '${key}' has no meaning in nuts-lsp-lab and is ignored`);
  }
  return { config, warnings };
}

/**
 * nuts-node's environment convention (koanf): NUTS_HTTP_INTERNAL_ADDRESS → http.internal.address. Returns the
 * equivalent nuts.yaml document, to be mapped like a file (keys with underscores inside one segment cannot be told
 * apart from nesting; nuts-node's own keys have none).
 */
export function nutsEnvToYaml(env: Record<string, string | undefined>): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('NUTS_') || value === undefined || name === 'NUTS_CONFIGFILE') continue;
    const parts = name.slice(5).toLowerCase().split('_');
    let cur = doc;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = value === 'false' ? false : value === 'true' ? true : value;
  }
  return doc;
}
