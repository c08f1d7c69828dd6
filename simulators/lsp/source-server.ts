// A simulated source system's HTTP endpoint that can be taken down (connections refused) or slowed, for failure demos.
import type { Express } from 'express';
import { createServer, type Server } from 'node:http';
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

  constructor(
    private readonly app: Express,
    initial: Partial<SourceServerState> = {},
    private readonly host = '127.0.0.1',
  ) {
    this.state = { available: initial.available ?? true, latencyMs: initial.latencyMs ?? 0 };
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Binds (once) and keeps the port, so a source that comes back up is found where it was. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
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
