// Shared shapes of the bench: what a case gets (durations by mode) and the rows it reports.
import express from 'express';
import type { Server } from 'node:http';

export interface BenchContext {
  /** --quick: short rounds, the whole run under a minute */
  quick: boolean;
  /** --dry: smoke mode for CI, proves every case runs; goals are reported, never enforced */
  dry: boolean;
  /** length of one measured load or loop round */
  durMs: number;
  rounds: number;
  /** connections of the HTTP load (50 in the goals) */
  concurrency: number;
  /** one round of the express hello baseline (req/s), to interleave with a case's own rounds */
  hello(): Promise<number>;
}

export interface Row {
  case: string;
  figure: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value ÷ baseline, or value itself when the goal is absolute */
  ratio?: number;
  goal: string;
  pass: boolean | null;
  note?: string;
}

export type BenchCase = { id: string; title: string; run(ctx: BenchContext): Promise<Row[]> };

/** Express 5 answering "hello": the baseline for HTTP cases, in this process as the nodes are. */
export async function startHello(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
