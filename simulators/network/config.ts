// The local network's one configuration schema (`npm start`, `nuts-lsp-lab up`): bind addresses, ports, public host
// and URLs, log level and file, data folders; read like a node's (defaults < YAML < NLL_* environment < --key=value).
import path from 'node:path';
import { z } from 'zod';
import { LogLevel, bool, configKeys, envNameFor, loadLayeredConfig, port, stringList, type LoadConfigOptions } from '../../node/src/core/index.js';
import { DEMO_DATA_DIR } from '../lsp/data-folder.js';

const nodePorts = (pub: number, internal: number) => z.strictObject({ public: port.default(pub), internal: port.default(internal) }).prefault({});

export const NetworkConfigSchema = z.strictObject({
  /** state directory: SQLite stores, test PKI, discovery definitions, the log file */
  datadir: z.string().default('.data'),
  /** host name in every public URL the network hands out (DIDs, discovery registrations, FHIR base URLs) */
  host: z.string().regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/, 'a host name or IP address, without scheme or port').default('localhost'),
  /** listen addresses: `public` for the nodes' public APIs and the dashboard, `internal` for the internal APIs */
  address: z.strictObject({ public: z.string().default('127.0.0.1'), internal: z.string().default('127.0.0.1') }).prefault({}),
  ports: z.strictObject({ vvt: nodePorts(8080, 8081), lsp: nodePorts(9080, 9081), dashboard: port.default(8000), tvs: port.default(8400), portal: port.default(8001), dezi: port.default(8090) }).prefault({}),
  /** public base URLs when they differ from http://<host>:<port> (a reverse proxy, TLS in front) */
  urls: z.strictObject({ vvt: z.url().optional(), lsp: z.url().optional() }).prefault({}),
  /** request logs (method, path, status, duration, request id) of both nodes; `file` relative to the working directory, '-' is stderr */
  log: z.strictObject({ level: LogLevel.default('info'), file: z.string().optional() }).prefault({}),
  /** data folders loaded into the LSP's source systems at start; `demo` is the shipped demo clients */
  data: stringList.default(['demo']),
  /** serve the dashboard */
  dashboard: bool.default(true),
  /** run the simulated TVS (DigiD, Machtigen, eIDAS) and the client portal */
  portal: bool.default(true),
});

export type NetworkConfig = z.infer<typeof NetworkConfigSchema>;
export type NetworkConfigInput = z.input<typeof NetworkConfigSchema>;

const OPTIONAL_KEYS = ['urls.vvt', 'urls.lsp', 'log.file'];

export function loadNetworkConfig(opts: LoadConfigOptions<NetworkConfigInput> = {}): NetworkConfig {
  return loadLayeredConfig(NetworkConfigSchema, opts, OPTIONAL_KEYS);
}

/** Where the log lines go: the configured file, else <datadir>/network.log; '-' is stderr. */
export function logFileOf(c: NetworkConfig): string {
  return c.log.file ?? path.join(c.datadir, 'network.log');
}

/** The data folders as paths: `demo` is the shipped folder, others relative to the working directory. */
export function dataDirsOf(c: NetworkConfig): string[] {
  return c.data.map((d) => (d === 'demo' ? DEMO_DATA_DIR : path.resolve(d)));
}

/** Public base URL of a node of the network. */
export function publicUrlOf(c: NetworkConfig, node: 'vvt' | 'lsp'): string {
  return (c.urls[node] ?? `http://${c.host}:${c.ports[node].public}`).replace(/\/+$/, '');
}

const HELP: Record<string, string> = {
  datadir: 'state directory (stores, test PKI, log file)',
  host: 'host name in public URLs: DIDs, discovery registrations, FHIR base URLs',
  'address.public': 'listen address of the public APIs and the dashboard (0.0.0.0: all interfaces)',
  'address.internal': 'listen address of the internal APIs (keep it private: they are unauthenticated)',
  'ports.vvt.public': "reference node's public API",
  'ports.vvt.internal': "reference node's internal API (the ECD's entry point)",
  'ports.lsp.public': "mock LSP's public API",
  'ports.lsp.internal': "mock LSP's internal API",
  'ports.dashboard': 'dashboard',
  'ports.tvs': 'simulated TVS (DigiD, DigiD Machtigen, eIDAS); 0 = a free port',
  'ports.portal': 'client portal; 0 = a free port',
  'ports.dezi': 'simulated Dezi (care-worker login, verklaringen); 0 = a free port',
  'urls.vvt': "reference node's public base URL, when not http://<host>:<port>",
  'urls.lsp': "mock LSP's public base URL, when not http://<host>:<port>",
  'log.level': 'trace, debug, info (request logs), warn, error, fatal or silent',
  'log.file': "log file ('-' for stderr; default <datadir>/network.log)",
  data: "data folders loaded at start, comma-separated; 'demo' is the shipped demo clients",
  dashboard: 'serve the dashboard (true/false)',
  portal: 'run the simulated TVS and the client portal (true/false)',
};

/** The keys for --help: flag, environment variable, default, meaning. */
export function networkConfigHelp(): string {
  const defaults = NetworkConfigSchema.parse({}) as unknown as Record<string, unknown>;
  const get = (key: string) => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], defaults);
  const rows = configKeys(NetworkConfigSchema, OPTIONAL_KEYS).map((key) => {
    const d = get(key);
    const shown = d === undefined ? '' : Array.isArray(d) ? d.join(',') : String(d);
    return `  --${key}=<v>`.padEnd(28) + envNameFor(key).padEnd(24) + (shown ? `[${shown}] ` : '') + (HELP[key] ?? '');
  });
  return ['Configuration (YAML file --config < NLL_* environment < flags):', '  flag'.padEnd(28) + 'environment'.padEnd(24) + '[default] meaning', ...rows].join('\n');
}
