// Per-request context (request id, W3C trace context, actor) carried through async calls with AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';

export interface RequestContext {
  requestId: string;
  traceId: string;
  /** span id of this node's handling of the request */
  spanId: string;
  /** the caller's span id, when a valid traceparent came in */
  parentSpanId?: string;
  traceFlags: string;
  /** the caller's network address (NEN 7513 7.3.9 toegangspunt), set by the HTTP layer */
  clientAddress?: string;
  /** who acts, once known (set by authentication layers) */
  actor?: { type: 'system' | 'user' | 'organization'; id: string; [k: string]: unknown };
}

const storage = new AsyncLocalStorage<RequestContext>();

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newSpanId(): string {
  return randomHex(8);
}

// trace and span ids are drawn from a pool of random bytes refilled in one call (as randomUUID does): one
// randomBytes call per id costs more than the rest of starting a request's context
const POOL = 4096;
let pool = Buffer.alloc(0);
let offset = POOL;
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/** Builds a context from incoming headers: a valid traceparent is continued, anything else starts a new trace. */
export function contextFromHeaders(traceparent: string | undefined, requestId: string | undefined): RequestContext {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  const valid = m && m[1] !== 'ff' && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!);
  return {
    requestId: requestId && REQUEST_ID.test(requestId) ? requestId : randomUUID(),
    traceId: valid ? m[2]! : randomHex(16),
    parentSpanId: valid ? m[3]! : undefined,
    spanId: newSpanId(),
    traceFlags: valid ? m[4]! : '01',
  };
}

export function formatTraceparent(ctx: Pick<RequestContext, 'traceId' | 'spanId' | 'traceFlags'>): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.traceFlags}`;
}

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Headers an outgoing call made while handling a request carries, so both sides' records join on the trace id. */
export function outgoingTraceHeaders(): Record<string, string> {
  const ctx = storage.getStore();
  if (!ctx) return {};
  return { traceparent: formatTraceparent({ traceId: ctx.traceId, spanId: newSpanId(), traceFlags: ctx.traceFlags }), 'x-request-id': ctx.requestId };
}
