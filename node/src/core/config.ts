// Node configuration: defaults < YAML file < environment (NLL_*) < command-line flags, validated with zod.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { NodeError } from './errors.js';
import { looksLikeNutsYaml, mapNutsYaml } from './nuts-yaml.js';
import { packagePath } from './paths.js';

export const port = z.coerce.number().int().min(0).max(65535);
export const stringList = z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(z.string()));
export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
export const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const ConfigSchema = z
  .strictObject({
    /** name of this node: used for its data directory and in logs */
    name: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'must match [a-zA-Z0-9._-]+').default('node'),
    /** public base URL other nodes reach this node on (did:web host, OAuth issuer); default http://localhost:<public port> */
    url: z.url().optional(),
    /** directory for state; the node keeps its files under <datadir>/<name>/ */
    datadir: z.string().default('.data'),
    /** the care organisation this node serves; its URA names the organisation in audit records of the internal API */
    organization: z.strictObject({ ura: z.string().regex(/^\d{8}$/, 'URA is 8 digits').optional(), name: z.string().optional() }).prefault({}),
    http: z
      .strictObject({
        public: z.strictObject({ address: z.string().default('0.0.0.0'), port: port.default(8080) }).prefault({}),
        internal: z.strictObject({ address: z.string().default('127.0.0.1'), port: port.default(8081) }).prefault({}),
        /** outgoing requests (AS metadata, presentation definitions, token answers, status lists): body limit while streaming */
        client: z.strictObject({ maxResponseBytes: z.coerce.number().int().min(1024).default(1024 * 1024) }).prefault({}),
        /** per-client (IP address) token bucket on the public port: a sustained rate and a burst; 0 switches it off */
        rateLimit: z
          .strictObject({ requestsPerSecond: z.coerce.number().min(0).default(100), burst: z.coerce.number().int().min(0).default(500) })
          .prefault({}),
      })
      .prefault({}),
    database: z
      .strictObject({
        /** PostgreSQL connection URL; when unset the embedded SQLite store is used */
        url: z.string().optional(),
        /** PostgreSQL schema for this node's tables (several nodes may share one database) */
        schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier').optional(),
        /** SQLite file; ':memory:' for tests; default <datadir>/<name>/node.db */
        sqlite: z.string().optional(),
      })
      .prefault({}),
    crypto: z.strictObject({ keyType: z.enum(['P-256', 'Ed25519']).default('P-256') }).prefault({}),
    vdr: z
      .strictObject({
        /**
         * trusted hosts (`host` or `host:port`): the only ones fetched over plain http and allowed on loopback, private or
         * link-local addresses, for every outgoing request (DID documents, status lists, metadata, discovery); default none
         */
        httpHosts: stringList.default([]),
        cacheTtlSeconds: z.coerce.number().int().min(0).default(300),
        negativeCacheTtlSeconds: z.coerce.number().int().min(0).default(30),
        /** a did:web document larger than this is refused while it streams in */
        maxDocumentBytes: z.coerce.number().int().min(1024).default(256 * 1024),
        /** resolution cache bounds: documents held, and their total size */
        cacheMaxEntries: z.coerce.number().int().min(0).default(10_000),
        cacheMaxBytes: z.coerce.number().int().min(0).default(16 * 1024 * 1024),
        /** directory of static DID documents (*.json) resolved without network, for offline fixtures */
        staticDir: z.string().optional(),
        fetchTimeoutMs: z.coerce.number().int().min(1).default(5000),
      })
      .prefault({}),
    auth: z
      .strictObject({
        /** lifetime of access tokens this node issues as authorization server */
        accessTokenValiditySeconds: z.coerce.number().int().min(1).default(900),
        /** lifetime of access tokens of the RFC 7523 jwt-bearer grant (LSPxNuts pilot; the LSP's tokens are short-lived) */
        jwtBearerAccessTokenValiditySeconds: z.coerce.number().int().min(1).default(20),
        /** token_type the client asks for when the caller does not say (nuts-node default: DPoP) */
        defaultTokenType: z.enum(['DPoP', 'Bearer']).default('DPoP'),
        /** seconds before expiry at which a cached access token is no longer handed out */
        tokenCacheMarginSeconds: z.coerce.number().int().min(0).default(10),
        /** timeout of calls to remote authorization servers */
        clientTimeoutMs: z.coerce.number().int().min(1).default(10000),
        /**
         * require the issuer of every credential with a proof on the trust list (/internal/vcr/v2/verifier/trust), in token
         * requests and discovery registrations; a presentation with a self-attested credential needs trusted issuers either way
         */
        requireTrustedIssuers: bool.default(false),
        /** how often expired access tokens, presentation nonces and DPoP jtis are deleted */
        sessionPurgeIntervalSeconds: z.coerce.number().min(0.05).default(60),
        /**
         * the authorization-code flow with OpenID4VP (request-user-access-token, /authorize, /response, /callback), off by
         * default as in nuts-node (auth.authorizationendpoint.enabled)
         */
        authorizationEndpoint: z.strictObject({ enabled: bool.default(false) }).prefault({}),
      })
      .prefault({}),
    policy: z.strictObject({ directory: z.string().default(packagePath('credentials', 'policies')) }).prefault({}),
    discovery: z
      .strictObject({
        /** directory of discovery service definitions (*.json) */
        directory: z.string().default(packagePath('credentials', 'discovery')),
        /** service ids this node acts as discovery server for */
        serverIds: stringList.default([]),
        /** how often the client fetches registrations and refreshes its own */
        refreshIntervalSeconds: z.coerce.number().min(0.05).default(600),
        /** body limit of a discovery server's answer (a page of registrations) */
        maxResponseBytes: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
      })
      .prefault({}),
    audit: z
      .strictObject({
        /** NEN 7513 retention: at least 5 years from writing */
        retentionDays: z.coerce.number().int().min(1).default(1826),
        // at most 5000: the chain links of one period must fit a witness request (1 MB body limit)
        checkpointEveryRecords: z.coerce.number().int().min(1).max(5000).default(100),
        checkpointEverySeconds: z.coerce.number().int().min(0).default(60),
        retentionCheckSeconds: z.coerce.number().int().min(0).default(86400),
        /** checkpoint signing key file, kept outside the database; default <datadir>/<name>/audit-checkpoint-key.json (':memory:' with an in-memory database) */
        keyFile: z.string().optional(),
        /** internal base URLs of the peers that countersign this node's checkpoints (each node also witnesses others) */
        witnesses: stringList.default([]),
        witnessTimeoutMs: z.coerce.number().int().min(1).default(3000),
      })
      .prefault({}),
    /**
     * FHIR resource server: `upstream` forwards authorised requests to an existing FHIR server instead of the embedded
     * store; `timeZone` is the IANA zone in which dates without a zone (in searches and in data) are read;
     * `profileDirs` the StructureDefinitions resources are validated against.
     */
    fhir: z
      .strictObject({
        upstream: z.url().optional(),
        timeZone: z
          .string()
          .refine((tz) => {
            try {
              new Intl.DateTimeFormat('en-US', { timeZone: tz });
              return true;
            } catch {
              return false;
            }
          }, 'not a known IANA time zone')
          .default('Europe/Amsterdam'),
        /** folders of StructureDefinitions/ValueSets (e.g. the Nictiz MP9 and zib2020 packages) that $validate and writes check against; empty: our MP9 rule set */
        profileDirs: stringList.default([]),
      })
      .prefault({}),
    vcr: z
      .strictObject({
        /** trusted did:x509 root CAs: PEM files or directories of *.pem/*.crt (an untrusted root is untrusted_issuer) */
        x509: z.strictObject({ trustedRoots: stringList.default([]) }).prefault({}),
        statusList: z
          .strictObject({
            /** Cache-Control max-age served on this node's own status lists: how late other verifiers may see a revocation */
            maxAgeSeconds: z.coerce.number().int().min(0).default(5),
            /** upper bound on how long a fetched remote status list is used, whatever its max-age says (nuts-node: 15 min) */
            cacheMaxSeconds: z.coerce.number().int().min(0).default(900),
          })
          .prefault({}),
        /** Dezi: the jku URLs (key sets) a verklaring may be signed under, exactly as nuts-node's vcr.dezi.allowedjku; empty = no Dezi */
        dezi: z.strictObject({ allowedjku: stringList.default([]) }).prefault({}),
      })
      .prefault({}),
    /** test PKI directory (pki.json) certificates are bound from; default <datadir>/pki */
    pki: z.strictObject({ dir: z.string().optional() }).prefault({}),
    /** request logs (method, path, status, duration, request id) are written at info; `file` appends JSON lines there instead of stderr */
    log: z.strictObject({ level: LogLevel.default('info'), file: z.string().optional() }).prefault({}),
  })
;

export type NodeConfig = z.infer<typeof ConfigSchema>;
export type NodeConfigInput = z.input<typeof ConfigSchema>;

export const ENV_PREFIX = 'NLL_';

/** Keys without a default (absent unless set), listed so that file, environment and flags can set them. */
const OPTIONAL_NODE_KEYS = ['organization.ura', 'organization.name', 'url', 'database.url', 'database.schema', 'database.sqlite', 'vdr.staticDir', 'fhir.upstream', 'pki.dir', 'log.file', 'audit.keyFile'];

/** Every configurable key of a schema as a dotted path, derived from its defaults plus the optional keys. */
export function configKeys(schema: z.ZodType = ConfigSchema, optionalKeys: string[] = OPTIONAL_NODE_KEYS): string[] {
  const keys: string[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, p);
      else keys.push(p);
    }
  };
  walk(schema.parse({}) as Record<string, unknown>, '');
  return [...keys, ...optionalKeys.filter((k) => !keys.includes(k))];
}

/** `http.public.port` -> `NLL_HTTP_PUBLIC_PORT`; `vdr.cacheTtlSeconds` -> `NLL_VDR_CACHE_TTL_SECONDS` */
export function envNameFor(key: string): string {
  return ENV_PREFIX + key.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      out[k] = deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else out[k] = v;
  }
  return out;
}

export interface LoadConfigOptions<Input = NodeConfigInput> {
  /** YAML file; a missing explicit file is an error */
  file?: string;
  env?: Record<string, string | undefined>;
  /** command-line flags as `--key=value` / `--key value` with dotted keys, e.g. `--http.public.port=9090` */
  argv?: string[];
  /** defaults of a role (e.g. the mock LSP), under the file, environment and flags */
  defaults?: Input;
  /** programmatic overrides, applied last (used by simulators and tests) */
  overrides?: Input;
  /** where warnings go (a nuts-node nuts.yaml with keys that mean nothing here); default stderr */
  onWarning?: (message: string) => void;
}

/** Parses `--a.b=c` / `--a.b c` flags into dotted key/value pairs; unknown keys are reported by validation. */
export function parseFlags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new NodeError('invalid_input', `invalid configuration flag '${arg}': expected --key=value`);
    const eq = arg.indexOf('=');
    if (eq > 0) out[arg.slice(2, eq)] = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new NodeError('invalid_input', `configuration flag '${arg}' needs a value`);
      out[arg.slice(2)] = next;
      i++;
    }
  }
  return out;
}

/** Loads and validates the node configuration; the error message names the bad key and where it came from. */
export function loadConfig(opts: LoadConfigOptions = {}): NodeConfig {
  return loadLayeredConfig(ConfigSchema, opts);
}

/**
 * The one configuration mechanism (node, mock LSP, the whole network): defaults < YAML file < NLL_* environment <
 * --key=value flags < programmatic overrides, validated by `schema`; the error names the key and where it came from.
 */
export function loadLayeredConfig<S extends z.ZodType>(schema: S, opts: LoadConfigOptions<z.input<S>> = {}, optionalKeys: string[] = OPTIONAL_NODE_KEYS): z.output<S> {
  const sources = new Map<string, string>();
  let raw: Record<string, unknown> = {};
  if (opts.defaults) markSources(opts.defaults as Record<string, unknown>, '', 'defaults', sources);
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new NodeError('invalid_input', `cannot read configuration file ${opts.file}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (e) {
      throw new NodeError('invalid_input', `configuration file ${opts.file} is not valid YAML: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new NodeError('invalid_input', `configuration file ${opts.file} must hold a mapping`);
    raw = parsed as Record<string, unknown>;
    // a nuts-node v6 nuts.yaml: mapped key by key; what means nothing here is a warning, not a failure
    if ((schema as z.ZodType) === ConfigSchema && looksLikeNutsYaml(raw)) {
      const mapped = mapNutsYaml(raw, opts.file);
      const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`nuts-lsp-lab: ${m}\n`));
      for (const w of mapped.warnings) warn(`${path.basename(opts.file)}: ${w}`);
      raw = mapped.config;
    }
    markSources(raw, '', `file ${path.basename(opts.file)}`, sources);
  }
  if (opts.defaults) raw = deepMerge(structuredClone(opts.defaults) as Record<string, unknown>, raw);
  const env = opts.env ?? {};
  const known = configKeys(schema, optionalKeys);
  for (const key of known) {
    const name = envNameFor(key);
    const value = env[name];
    if (value !== undefined && value !== '') {
      setPath(raw, key, value);
      sources.set(key, `environment ${name}`);
    }
  }
  // DATABASE_URL is the conventional name; NLL_DATABASE_URL wins when both are set.
  if (known.includes('database.url') && env.DATABASE_URL && !env[envNameFor('database.url')]) {
    setPath(raw, 'database.url', env.DATABASE_URL);
    sources.set('database.url', 'environment DATABASE_URL');
  }
  for (const [key, value] of Object.entries(parseFlags(opts.argv ?? []))) {
    if (!known.includes(key)) throw new NodeError('invalid_input', `invalid configuration: unknown key '${key}' (from flag --${key})`);
    setPath(raw, key, value);
    sources.set(key, `flag --${key}`);
  }
  if (opts.overrides) raw = deepMerge(raw, opts.overrides as Record<string, unknown>);
  const result = schema.safeParse(raw);
  if (!result.success) {
    const msgs = result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const base = issue.path.join('.');
        return issue.keys.map((k) => {
          const key = base ? `${base}.${k}` : k;
          return `unknown key '${key}'${sources.get(key) ? ` (from ${sources.get(key)})` : ''}`;
        }).join('; ');
      }
      const key = issue.path.join('.');
      const from = sources.get(key);
      return `${key}: ${issue.message}${from ? ` (from ${from})` : ''}`;
    });
    throw new NodeError('invalid_input', `invalid configuration: ${msgs.join('; ')}`);
  }
  return result.data;
}

function markSources(obj: Record<string, unknown>, prefix: string, source: string, sources: Map<string, string>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) markSources(v as Record<string, unknown>, key, source, sources);
    else sources.set(key, source);
  }
}

/** The node's public base URL without trailing slash. */
export function publicBaseUrl(config: NodeConfig, boundPublicPort?: number): string {
  if (config.url) return config.url.replace(/\/+$/, '');
  return `http://localhost:${boundPublicPort ?? config.http.public.port}`;
}

/** Directory this node keeps its files in. */
export function nodeDataDir(config: NodeConfig): string {
  return path.resolve(config.datadir, config.name);
}
