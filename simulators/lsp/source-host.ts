// Where the simulated source systems run: in a process of their own beside the LSP (the default, as in a real
// network: their CPU is not the LSP's), or inside the LSP's process. Either way they answer over real HTTP.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FhirResource } from '../../node/src/fhir/index.js';
import type { BuildingBlock } from './building-blocks.js';
import type { SourceServerState } from './source-server.js';
import { SimulatedSource, type SourceConfig, type SourceSystem } from './sources.js';

export type SourceHostKind = 'process' | 'in-process';

export interface SourceHost {
  readonly sources: SourceSystem[];
  /** the bearer secret of this start: the sources answer its holder (the broker) and nobody else */
  readonly secret: string;
  /** the process the sources run in (this one when in-process; undefined while the source process is not running) */
  readonly pid: number | undefined;
  /** Starts the sources (in a child: forks it first); idempotent, so it can be begun early and awaited later. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SourceHostOptions {
  /** the per-start secret (default: 32 random bytes, made here) */
  secret?: string;
  /** the domain clock (stored resources' lastUpdated); a child process keeps its own wall clock */
  clock?: () => number;
}

export function sourceHost(kind: SourceHostKind, configs: SourceConfig[], opts: SourceHostOptions = {}): SourceHost {
  // known to the sources and the broker through the wiring alone
  const secret = opts.secret ?? randomBytes(32).toString('base64url');
  return kind === 'in-process' ? new InProcessSources(configs, secret, opts.clock) : new SourceProcess(configs, secret);
}

class InProcessSources implements SourceHost {
  readonly sources: SimulatedSource[];
  readonly pid = process.pid;
  private started?: Promise<void>;

  constructor(
    configs: SourceConfig[],
    readonly secret: string,
    clock?: () => number,
  ) {
    this.sources = configs.map((c) => new SimulatedSource(c, secret, clock));
  }

  start(): Promise<void> {
    return (this.started ??= (async () => {
      for (const s of this.sources) await s.start();
    })());
  }

  async stop(): Promise<void> {
    this.started = undefined;
    for (const s of this.sources) await s.stop();
  }
}

/** What the LSP asks the source process (source-host-child.ts); one reply per request, matched by id. */
export type HostRequest =
  | { id: number; op: 'start'; sources: SourceConfig[]; secret: string }
  | { id: number; op: 'call'; source: string; method: RemoteMethod; args: unknown[] }
  | { id: number; op: 'stop' };
export type HostReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: { name: string; message: string } & Record<string, unknown> };
export type RemoteMethod = 'setAvailable' | 'setLatency' | 'holdings' | 'put' | 'list' | 'read';

const STOP_GRACE_MS = 5000;

/**
 * One child process runs every source. It ends with its IPC channel: when the LSP stops it, exits, crashes or is
 * killed (SIGKILL included), so no source outlives the LSP. The channel keeps this process alive only while a request
 * is pending: an LSP that is otherwise done may exit, and its exit ends the child.
 */
class SourceProcess implements SourceHost {
  readonly sources: RemoteSource[];
  private child?: ChildProcess;
  private started?: Promise<void>;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor(
    private readonly configs: SourceConfig[],
    readonly secret: string,
  ) {
    this.sources = configs.map((c) => new RemoteSource(c, (method, args) => this.request({ op: 'call', source: c.id, method, args })));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    return (this.started ??= this.spawn());
  }

  private async spawn(): Promise<void> {
    const ts = import.meta.url.endsWith('.ts');
    const entry = fileURLToPath(new URL(`./source-host-child${ts ? '.ts' : '.js'}`, import.meta.url));
    // from the TypeScript sources (a clone, tests) the child needs the same loader; tsx is resolved from here, not the cwd
    const execArgv = ts ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
    const child = fork(entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.on('message', (m: HostReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.holdOpen();
      if (m.ok) p.resolve(m.value);
      else p.reject(Object.assign(new Error(m.error.message), m.error));
    });
    child.once('exit', (code, signal) => {
      this.child = undefined;
      // a source process that is gone is a set of sources that are down: the broker reports them so
      for (const s of this.sources) s.state.available = false;
      const err = new Error(`the source process exited (${signal ?? `code ${code}`})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    child.unref();
    this.holdOpen();
    const bases = (await this.request({ op: 'start', sources: this.configs, secret: this.secret })) as string[];
    this.sources.forEach((s, i) => s.attach(bases[i]!));
  }

  private request(r: { op: 'start'; sources: SourceConfig[]; secret: string } | { op: 'stop' } | { op: 'call'; source: string; method: RemoteMethod; args: unknown[] }): Promise<unknown> {
    const child = this.child;
    if (!child?.connected) return Promise.reject(new Error('the source process is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.holdOpen();
      child.send({ ...r, id } as HostRequest, (e) => {
        if (!e) return;
        this.pending.delete(id);
        this.holdOpen();
        reject(e);
      });
    });
  }

  /** The channel keeps the LSP's event loop alive only while an answer is awaited. */
  private holdOpen(): void {
    const channel = this.child?.channel as { ref(): void; unref(): void } | undefined;
    if (!channel) return;
    if (this.pending.size) channel.ref();
    else channel.unref();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.started = undefined;
    if (!child) return;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    await this.request({ op: 'stop' }).catch(() => {});
    // closing the channel is the child's signal to exit; one that does not is killed
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** The LSP's handle on a source in the source process: configuration and live state here, the rest asked over IPC. */
class RemoteSource implements SourceSystem {
  readonly defaultLatencyMs: number;
  readonly state: SourceServerState;
  private base?: string;

  constructor(
    readonly config: SourceConfig,
    private readonly call: (method: RemoteMethod, args: unknown[]) => Promise<unknown>,
  ) {
    this.defaultLatencyMs = config.latencyMs ?? 0;
    this.state = { available: config.available ?? true, latencyMs: this.defaultLatencyMs };
  }

  attach(base: string): void {
    this.base = base;
  }

  get fhirBase(): string {
    if (!this.base) throw new Error(`source '${this.config.id}' has not started`);
    return this.base;
  }

  async setAvailable(available: boolean): Promise<void> {
    await this.call('setAvailable', [available]);
    this.state.available = available;
  }

  async setLatency(ms: number): Promise<void> {
    await this.call('setLatency', [ms]);
    this.state.latencyMs = Math.max(0, ms);
  }

  holdings(): Promise<Map<string, Set<BuildingBlock>>> {
    return this.call('holdings', []) as Promise<Map<string, Set<BuildingBlock>>>;
  }

  async put(resources: Array<FhirResource & { id: string }>): Promise<void> {
    await this.call('put', [resources]);
  }

  list(resourceType: string): Promise<FhirResource[]> {
    return this.call('list', [resourceType]) as Promise<FhirResource[]>;
  }

  read(resourceType: string, id: string): Promise<FhirResource | undefined> {
    return this.call('read', [resourceType, id]) as Promise<FhirResource | undefined>;
  }
}
