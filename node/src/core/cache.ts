// A least-recently-used map bounded in entries AND bytes, for caches whose keys or values come from remote parties.
export interface BoundedCacheLimits {
  maxEntries: number;
  /** total of the sizes given to `set`; one value larger than this is not cached at all */
  maxBytes: number;
}

/**
 * Every cache fed by the network (DID documents, status lists, verified signatures) is bounded twice: by count, so
 * many small entries cannot pile up, and by bytes, so a few large ones cannot either. Eviction is least recently used.
 */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  constructor(private readonly limits: BoundedCacheLimits) {}

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** Stores `value` as costing `bytes`; returns false (and stores nothing) when it alone exceeds the byte limit. */
  set(key: K, value: V, bytes: number): boolean {
    this.delete(key);
    if (bytes > this.limits.maxBytes || this.limits.maxEntries <= 0) return false;
    while (this.map.size >= this.limits.maxEntries || this.total + bytes > this.limits.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.map.set(key, { value, bytes });
    this.total += bytes;
    return true;
  }

  delete(key: K): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.total -= e.bytes;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}

/** Shared parses are frozen all the way down, so no caller can change what another one reads. */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
