// A simulated source system's HTTP endpoint that answers only the LSP broker, and can be taken down (connections refused) or slowed, for failure demos.
import type { Express } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SourceServerState {
  available: boolean;
  latencyMs: number;
}

export class SourceServer {
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  readonly state: SourceServerState;

  private readonly secretHash: Buffer;

  /** `secret`: the bearer secret of this start, wired to the LSP broker only; every other caller gets 401. */
  constructor(
    private readonly app: Express,
    initial: Partial<SourceServerState> & { secret: string },
    private readonly host = '127.0.0.1',
  ) {
    if (initial.secret.length < 16) throw new TypeError('a source server needs a secret of at least 16 characters');
    this.secretHash = sha256(initial.secret);
    this.state = { available: initial.available ?? true, latencyMs: initial.latencyMs ?? 0 };
  }

  /** A real source system answers only the LSP (its network is closed to others): the broker's bearer secret, compared in constant time. */
  private fromBroker(req: IncomingMessage): boolean {
    const m = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '');
    return !!m && timingSafeEqual(sha256(m[1]!), this.secretHash);
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Binds (once) and keeps the port, so a source that comes back up is found where it was. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      if (!this.fromBroker(req)) return refuse(res);
      const delay = this.state.latencyMs;
      if (delay > 0) setTimeout(() => this.app(req, res), delay);
      else this.app(req, res);
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Really stops listening: callers get ECONNREFUSED, as with a source that is down. */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async setAvailable(available: boolean): Promise<void> {
    this.state.available = available;
    if (available) await this.start();
    else await this.stop();
  }

  setLatency(ms: number): void {
    this.state.latencyMs = Math.max(0, ms);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function refuse(res: ServerResponse): void {
  const body = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'this source system answers the LSP broker only' }] });
  res.writeHead(401, { 'content-type': 'application/fhir+json', 'www-authenticate': 'Bearer realm="lsp-source"', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
