import { LRUCache } from 'lru-cache';

import { cacheCounters } from '../metrics/metrics';

export interface ReadCacheOptions<V> {
  /** How long an entry is served from memory. Bounds staleness only for writes that bypass invalidation. */
  ttlMs: number;
  /** Beyond this many entries the least recently used is evicted first, so memory stays bounded. */
  maxEntries: number;
  /**
   * Optional second bound for values of very different sizes (pages of a list): the sum of `weigh(value)`
   * stays at most `maxWeight`; a value heavier than that alone is not cached.
   */
  maxWeight?: number;
  weigh?: (value: V) => number;
  /** Injected in tests; `Date.now` otherwise. */
  now?: () => number;
  /** The `cache` label of its hit/miss metric (a fixed name, never a key). */
  name?: string;
}

interface Entry<V> {
  value: V;
  group?: string;
}

/**
 * One in-process read cache for the authenticated hot paths (API keys, clients, users, project pages): a
 * database round trip costs far more CPU here than the request's own work, so a value that is known
 * stays in memory until it expires (TTL) or, normally much sooner, until a write invalidates it.
 *
 * Storage, TTL, the entry bound and the weight bound are lru-cache's; this class adds what it lacks:
 *
 * Groups: an entry may belong to one group (e.g. every cached page of one owner's projects) so that
 * one write drops all of them without scanning the cache.
 *
 * The epoch guards a race: a load that started before an invalidation must not put its (now stale)
 * value back after the invalidation ran. Every invalidation bumps the epoch; `set` refuses a value
 * read under an older one. `getOrLoad` does this for its callers.
 */
export class ReadCache<V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<string, Entry<V>>;
  private readonly groups = new Map<string, Set<string>>();
  private invalidations = 0;
  private readonly maxWeight: number;
  private readonly weigh?: (value: V) => number;
  private readonly lookups: { hit(): void; miss(): void };

  constructor(options: ReadCacheOptions<V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    if (!(options.ttlMs >= 2)) throw new RangeError('ttlMs must be at least 2');
    this.maxWeight = options.maxWeight ?? Infinity;
    this.weigh = options.weigh;
    // Looked up per call, so a test's Date.now spy applies.
    const now = options.now ?? (() => Date.now());
    this.entries = new LRUCache<string, Entry<V>>({
      max: options.maxEntries,
      // lru-cache calls an entry stale once its age exceeds `ttl` and reads a start time of 0 as "no
      // TTL"; ours expires at exactly ttlMs, also under a test clock that starts at 0: shift both by 1 ms.
      ttl: options.ttlMs - 1,
      perf: { now: () => now() + 1 },
      // Read the clock on every get (its default caches it for 1 ms), like the spied clock above expects.
      ttlResolution: 0,
      ...(this.weigh ? { maxSize: Math.min(this.maxWeight, Number.MAX_SAFE_INTEGER) } : {}),
      dispose: (entry, key) => this.leaveGroup(key, entry),
    });
    this.lookups = cacheCounters(options.name ?? 'unnamed');
  }

  /** Read before loading from the database; hand it to `set` afterwards. */
  get epoch(): number {
    return this.invalidations;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sum of the cached values' weights (0 without a `weigh` function). */
  get weight(): number {
    return this.weigh ? this.entries.calculatedSize : 0;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Stores `value` unless an invalidation happened since `epochAtRead`; returns whether it did. */
  set(key: string, value: V, epochAtRead: number, group?: string): boolean {
    if (epochAtRead !== this.invalidations) return false;
    if (!this.weigh) {
      this.entries.set(key, { value, group });
    } else {
      // lru-cache wants a positive integer size, and drops the old entry when the new one is too heavy.
      const size = Math.max(1, Math.ceil(this.weigh(value)));
      if (size > this.maxWeight) return false;
      this.entries.set(key, { value, group }, { size });
    }
    if (group !== undefined) {
      let keys = this.groups.get(group);
      if (!keys) this.groups.set(group, (keys = new Set()));
      keys.add(key);
    }
    return true;
  }

  /**
   * The cached value, or `load()`'s result cached for next time. null/undefined (not found) is never
   * cached: a missing row that appears later must be seen at once, and nothing would invalidate it.
   * A hit is returned as it is, not wrapped in a promise: the hot paths await it without an extra tick.
   */
  getOrLoad(key: string, load: () => Promise<V | null>, group?: string): V | Promise<V | null> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.lookups.hit();
      return hit.value;
    }
    this.lookups.miss();
    return this.load(key, load, group);
  }

  private async load(key: string, load: () => Promise<V | null>, group?: string): Promise<V | null> {
    const epoch = this.invalidations;
    const value = await load();
    if (value !== null && value !== undefined) this.set(key, value, epoch, group);
    return value;
  }

  delete(key: string): void {
    this.invalidations++;
    this.entries.delete(key);
  }

  deleteGroup(group: string): void {
    this.invalidations++;
    const keys = this.groups.get(group);
    if (!keys) return;
    // Detached first: the dispose hook of each deletion below then has no set to edit mid-iteration.
    this.groups.delete(group);
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.invalidations++;
    this.entries.clear();
    this.groups.clear();
  }

  /** lru-cache's dispose hook: an entry left (evicted, expired, overwritten or deleted). */
  private leaveGroup(key: string, entry: Entry<V>): void {
    if (entry.group === undefined) return;
    const keys = this.groups.get(entry.group);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.groups.delete(entry.group);
  }
}
