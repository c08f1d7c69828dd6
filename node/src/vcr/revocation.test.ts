// Status-list cache lifetime: the issuer's Cache-Control max-age, bounded by the verifier's upper bound.
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_LIST_CACHE_MS, statusListLifetimeMs } from './revocation.js';

describe('statusListLifetimeMs', () => {
  const bound = DEFAULT_STATUS_LIST_CACHE_MS;
  it('follows max-age when it is shorter than the upper bound', () => {
    expect(statusListLifetimeMs('max-age=5', bound)).toBe(5_000);
    expect(statusListLifetimeMs('public, max-age=60, must-revalidate', bound)).toBe(60_000);
    expect(statusListLifetimeMs('Max-Age="30"', bound)).toBe(30_000);
  });
  it('never exceeds the upper bound', () => {
    expect(statusListLifetimeMs('max-age=86400', bound)).toBe(15 * 60_000);
    expect(statusListLifetimeMs('max-age=86400', 60_000)).toBe(60_000);
  });
  it('uses the upper bound without a max-age, and nothing for no-store / no-cache', () => {
    expect(statusListLifetimeMs(null, bound)).toBe(bound);
    expect(statusListLifetimeMs('public', bound)).toBe(bound);
    expect(statusListLifetimeMs('max-age=abc', bound)).toBe(bound);
    expect(statusListLifetimeMs('no-store', bound)).toBe(0);
    expect(statusListLifetimeMs('max-age=60, no-cache', bound)).toBe(0);
    expect(statusListLifetimeMs('max-age=0', bound)).toBe(0);
  });
});
