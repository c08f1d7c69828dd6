import { describe, expect, it } from 'vitest';
import { contextFromHeaders, formatTraceparent, outgoingTraceHeaders, runWithContext } from './context.js';

describe('request context', () => {
  it('continues a valid W3C traceparent with a new span of its own', () => {
    const ctx = contextFromHeaders('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'req-1');
    expect(ctx.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(ctx.parentSpanId).toBe('00f067aa0ba902b7');
    expect(ctx.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ctx.spanId).not.toBe('00f067aa0ba902b7');
    expect(ctx.requestId).toBe('req-1');
    expect(formatTraceparent(ctx)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${ctx.spanId}-01`);
  });

  it('starts a new trace for a missing, malformed or all-zero traceparent, and a new id for an unsafe request id', () => {
    for (const bad of [undefined, 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']) {
      const ctx = contextFromHeaders(bad, 'has spaces\nand newline');
      expect(ctx.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(ctx.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(ctx.parentSpanId).toBeUndefined();
      expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('gives outgoing calls the same trace id and request id', () => {
    const ctx = contextFromHeaders(undefined, 'abc');
    const h = runWithContext(ctx, () => outgoingTraceHeaders());
    expect(h['x-request-id']).toBe('abc');
    expect(h.traceparent).toMatch(new RegExp(`^00-${ctx.traceId}-[0-9a-f]{16}-01$`));
    expect(outgoingTraceHeaders()).toEqual({});
  });
});
