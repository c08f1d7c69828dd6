// Per-client token buckets for the public port: a sustained rate and a burst per remote address, 429 with Retry-After.
import type { RequestHandler } from 'express';
import { NodeError } from './errors.js';

export interface RateLimit {
  /** sustained requests per second per client; 0 switches the limit off */
  requestsPerSecond: number;
  /** requests a client may make at once before the rate applies */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Clients remembered at once; beyond this the least recently seen one is forgotten (it starts again with a full bucket). */
const MAX_CLIENTS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limit.requestsPerSecond > 0 && this.limit.burst > 0;
  }

  /** Takes one token for `client`: 0 when it may pass, else the seconds until it may try again. */
  take(client: string): number {
    const now = this.clock();
    const { requestsPerSecond: rate, burst } = this.limit;
    const b = this.buckets.get(client) ?? { tokens: burst, at: now };
    this.buckets.delete(client);
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    let wait = 0;
    if (b.tokens >= 1) b.tokens -= 1;
    else wait = Math.max(1, Math.ceil((1 - b.tokens) / rate));
    // re-inserted as the most recently seen; the oldest goes when the map is full
    this.buckets.set(client, b);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    return wait;
  }
}

/**
 * The limit as middleware of a route family: a refused request goes to the family's error handler as a 429, so it is
 * answered in the family's dialect (OAuth error, OperationOutcome, problem) with Retry-After. The client is the TCP
 * peer address; X-Forwarded-For is not trusted (the lab is not deployed behind a proxy it could vouch for).
 */
export function rateLimiter(buckets: TokenBuckets): RequestHandler {
  return (req, _res, next) => {
    if (!buckets.enabled) return next();
    const wait = buckets.take(req.socket.remoteAddress ?? 'unknown');
    if (!wait) return next();
    next(Object.assign(new NodeError('too_many_requests', `too many requests from this client; retry after ${wait} s`), { retryAfterSeconds: wait }));
  };
}
