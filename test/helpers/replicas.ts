// LSP replicas as separate processes on one PostgreSQL (`nuts-lsp-lab lsp` children) and a round-robin proxy over them.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface CliChild {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, resolved once the process has exited */
  stop(): Promise<void>;
}

/**
 * Starts a long-running `nuts-lsp-lab` command and resolves once it says it listens. The child gets no NLL_* or
 * DATABASE_URL from the developer's shell: only `env` on top of the rest. It joins `registry` at once, so a suite's
 * clean-up stops it even when it (or a sibling started with it) fails to come up.
 */
export function startCli(args: string[], env: Record<string, string> = {}, registry?: CliChild[]): Promise<CliChild> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NLL_') && k !== 'DATABASE_URL'));
  const child = spawn(process.execPath, ['bin/nuts-lsp-lab.mjs', ...args], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: CliChild = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  registry?.push(handle);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      output += b.toString();
      if (/listening: /.test(output)) resolve(handle);
    });
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => reject(new Error(`nuts-lsp-lab ${args[0]} exited ${code} before listening:\n${output}`)));
  });
}

export interface LspReplica extends CliChild {
  publicUrl: string;
  internalUrl: string;
}

export interface ReplicaOptions {
  /** PostgreSQL URL of the database all replicas share (the schema is config database.schema, 'lsp' here) */
  databaseUrl: string;
  /** the one public URL of the service (the proxy or load balancer in front of the replicas) */
  url: string;
  /** the shared data directory: the audit checkpoint key and the test PKI live there, as on a shared volume */
  datadir: string;
  /** more configuration, the same for every replica (YAML keys as in examples/) */
  config?: Record<string, unknown>;
}

/**
 * Starts one replica: the mock LSP exactly as an operator runs it (`nuts-lsp-lab lsp --config <file>`), with its
 * database URL in DATABASE_URL, on its own free ports. Start replicas one after the other: the first migrates.
 */
export async function startLspReplica(o: ReplicaOptions, index: number): Promise<LspReplica> {
  const [pub, int] = [await freePort(), await freePort()];
  const config = {
    ...o.config,
    url: o.url,
    datadir: o.datadir,
    database: { schema: 'lsp' },
    // the caller's http keys (a rate limit, say) are kept; the ports are always this replica's own
    http: { ...(o.config?.http as object | undefined), public: { address: '127.0.0.1', port: pub }, internal: { address: '127.0.0.1', port: int } },
    vdr: { httpHosts: ['127.0.0.1', 'localhost'] },
    log: { level: 'warn', ...(o.config?.log as object | undefined) },
  };
  const file = path.join(o.datadir, `replica-${index}.yaml`);
  writeFileSync(file, stringify(config));
  const child = await startCli(['lsp', '--config', file], { DATABASE_URL: o.databaseUrl });
  return { ...child, publicUrl: `http://127.0.0.1:${pub}`, internalUrl: `http://127.0.0.1:${int}` };
}

export interface RoundRobin {
  url: string;
  /** which replica answered each request, in order */
  hits: Array<{ path: string; replica: number }>;
  /** bodies of POST requests to paths matching `keepBodies`, with the replica that got them */
  bodies: Array<{ path: string; replica: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}

/** A round-robin reverse proxy on a free port over `targets()` (ports); keeps the bodies of requests matching `keepBodies`. */
export async function roundRobin(targets: () => number[], keepBodies?: RegExp, port?: number): Promise<RoundRobin> {
  let next = 0;
  const hits: RoundRobin['hits'] = [];
  const bodies: RoundRobin['bodies'] = [];
  const server: Server = createServer((req, res) => {
    const i = next++ % targets().length;
    const p = req.url ?? '';
    hits.push({ path: p, replica: i });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (keepBodies?.test(p) && req.method === 'POST') bodies.push({ path: p, replica: i, headers: { ...req.headers }, body: body.toString() });
      const up = request({ host: '127.0.0.1', port: targets()[i], method: req.method, path: p, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  const listenPort = port ?? (await freePort());
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${listenPort}`, hits, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}
