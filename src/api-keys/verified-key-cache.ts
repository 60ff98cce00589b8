/**
 * A small bounded TTL cache for verified API keys, keyed by key hash, so the hot path does not read
 * PostgreSQL on every request.
 *
 * Staleness is bounded by the TTL; in this process, revoke/roll call `delete` at once. The `epoch`
 * guards a race: a lookup that started before an invalidation must not put its (now stale) row back
 * into the cache after the invalidation has run. Callers read `epoch` before their database read and
 * hand it to `set`, which refuses the entry when any invalidation happened in between.
 */
export class VerifiedKeyCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  private invalidations = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get epoch(): number {
    return this.invalidations;
  }

  get size(): number {
    return this.entries.size;
  }

  get(keyHash: string, now: number): T | undefined {
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return entry.value;
  }

  set(keyHash: string, value: T, now: number, epochAtRead: number): void {
    if (epochAtRead !== this.invalidations) return;
    this.entries.delete(keyHash);
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry, evicted first (FIFO).
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyHash, { value, until: now + this.ttlMs });
  }

  delete(keyHash: string): void {
    this.invalidations++;
    this.entries.delete(keyHash);
  }

  clear(): void {
    this.invalidations++;
    this.entries.clear();
  }
}
