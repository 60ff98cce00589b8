import { cacheCounters } from '../metrics/metrics';

export interface ReadCacheOptions<V> {
  /** How long an entry is served from memory. Bounds staleness only for writes that bypass invalidation. */
  ttlMs: number;
  /** Beyond this many entries the oldest is evicted first, so memory stays bounded under any key flood. */
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
  until: number;
  weight: number;
  group?: string;
}

/**
 * One in-process read cache for the authenticated hot paths (API keys, clients, users, project pages): a
 * database round trip costs far more CPU here than the request's own work, so a value that is known
 * stays in memory until it expires (TTL) or, normally much sooner, until a write invalidates it.
 *
 * Bounded: insertion-ordered Map, the oldest entry is evicted first (FIFO). An LRU would reorder on
 * every hit; with a TTL this short, FIFO is as good and keeps `get` to one lookup.
 *
 * Groups: an entry may belong to one group (e.g. every cached page of one owner's projects) so that
 * one write drops all of them without scanning the cache.
 *
 * The epoch guards a race: a load that started before an invalidation must not put its (now stale)
 * value back after the invalidation ran. Every invalidation bumps the epoch; `set` refuses a value
 * read under an older one. `getOrLoad` does this for its callers.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly groups = new Map<string, Set<string>>();
  private invalidations = 0;
  private totalWeight = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxWeight: number;
  private readonly weigh?: (value: V) => number;
  private readonly now: () => number;
  private readonly lookups: { hit(): void; miss(): void };

  constructor(options: ReadCacheOptions<V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.maxWeight = options.maxWeight ?? Infinity;
    this.weigh = options.weigh;
    // Looked up per call, so a test's Date.now spy applies.
    this.now = options.now ?? (() => Date.now());
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
    return this.totalWeight;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` unless an invalidation happened since `epochAtRead`; returns whether it did. */
  set(key: string, value: V, epochAtRead: number, group?: string): boolean {
    if (epochAtRead !== this.invalidations) return false;
    const weight = this.weigh ? this.weigh(value) : 0;
    if (weight > this.maxWeight) return false;
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    while (this.entries.size >= this.maxEntries || this.totalWeight + weight > this.maxWeight) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      this.remove(oldest.value[0], oldest.value[1]);
    }
    this.entries.set(key, { value, until: this.now() + this.ttlMs, weight, group });
    this.totalWeight += weight;
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
    const hit = this.get(key);
    if (hit !== undefined) {
      this.lookups.hit();
      return hit;
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
    const entry = this.entries.get(key);
    if (entry) this.remove(key, entry);
  }

  deleteGroup(group: string): void {
    this.invalidations++;
    const keys = this.groups.get(group);
    if (!keys) return;
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      this.entries.delete(key);
      this.totalWeight -= entry.weight;
    }
    this.groups.delete(group);
  }

  clear(): void {
    this.invalidations++;
    this.entries.clear();
    this.groups.clear();
    this.totalWeight = 0;
  }

  private remove(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
    if (entry.group === undefined) return;
    const keys = this.groups.get(entry.group);
    keys?.delete(key);
    if (keys?.size === 0) this.groups.delete(entry.group);
  }
}
