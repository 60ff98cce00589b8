import { ReadCache } from './read-cache';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ReadCache', () => {
  it('serves an entry until its TTL, then forgets it', () => {
    const c = clock();
    const cache = new ReadCache<number>({ ttlMs: 1000, maxEntries: 10, now: c.now });
    cache.set('a', 1, cache.epoch);
    c.t = 999;
    expect(cache.get('a')).toBe(1);
    c.t = 1000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the oldest entry beyond its size (FIFO; re-setting a key makes it the newest)', () => {
    const cache = new ReadCache<number>({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    cache.set('a', 1, cache.epoch);
    cache.set('b', 2, cache.epoch);
    cache.set('a', 10, cache.epoch);
    cache.set('c', 3, cache.epoch);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(10);
    expect(cache.get('c')).toBe(3);
  });

  it('keeps the total weight under its budget and refuses a value heavier than the whole budget', () => {
    const cache = new ReadCache<string>({
      ttlMs: 1000,
      maxEntries: 100,
      maxWeight: 10,
      weigh: (v) => v.length,
      now: () => 0,
    });
    cache.set('a', 'xxxx', cache.epoch);
    cache.set('b', 'xxxx', cache.epoch);
    expect(cache.weight).toBe(8);
    cache.set('c', 'xxxx', cache.epoch); // 12 > 10: the oldest goes
    expect(cache.get('a')).toBeUndefined();
    expect(cache.weight).toBe(8);
    expect(cache.set('huge', 'x'.repeat(11), cache.epoch)).toBe(false);
    expect(cache.get('huge')).toBeUndefined();
    cache.delete('b');
    expect(cache.weight).toBe(4);
    cache.clear();
    expect(cache.weight).toBe(0);
  });

  it('refuses to store a value read before an invalidation (no stale re-caching after a write)', () => {
    const cache = new ReadCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    const epochAtRead = cache.epoch;
    cache.delete('k'); // the write's invalidation runs while the read is in flight
    expect(cache.set('k', 'stale', epochAtRead)).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.set('k', 'fresh', cache.epoch)).toBe(true);
    expect(cache.get('k')).toBe('fresh');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('getOrLoad: loads once, serves from memory, and never caches a miss', async () => {
    const cache = new ReadCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    const load = jest.fn(async () => 'v');
    expect(await cache.getOrLoad('k', load)).toBe('v');
    expect(await cache.getOrLoad('k', load)).toBe('v');
    expect(load).toHaveBeenCalledTimes(1);

    const missing = jest.fn(async (): Promise<string | null> => null);
    expect(await cache.getOrLoad('nope', missing)).toBeNull();
    expect(await cache.getOrLoad('nope', missing)).toBeNull();
    expect(missing).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(1);
  });

  it('getOrLoad: a load that raced an invalidation returns its value but does not cache it', async () => {
    const cache = new ReadCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    const slow = deferred<string>();
    const racing = cache.getOrLoad('k', () => slow.promise);
    cache.delete('k'); // a write committed and invalidated while the database read was in flight
    slow.resolve('old row');
    expect(await racing).toBe('old row');
    expect(cache.get('k')).toBeUndefined();
    // The next read loads again and sees the write.
    expect(await cache.getOrLoad('k', async () => 'new row')).toBe('new row');
    expect(cache.get('k')).toBe('new row');
  });

  it('getOrLoad: an invalidation of another key also voids the in-flight load (conservative epoch)', async () => {
    const cache = new ReadCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    const slow = deferred<string>();
    const racing = cache.getOrLoad('a', () => slow.promise, 'g1');
    cache.deleteGroup('g2');
    slow.resolve('a1');
    await racing;
    expect(cache.get('a')).toBeUndefined();
  });

  it('deleteGroup drops exactly the entries of that group', () => {
    const cache = new ReadCache<number>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    cache.set('owner:1|20|', 1, cache.epoch, 'owner:1');
    cache.set('owner:1|20|cursor', 2, cache.epoch, 'owner:1');
    cache.set('owner:2|20|', 3, cache.epoch, 'owner:2');
    cache.set('plain', 4, cache.epoch);
    cache.deleteGroup('owner:1');
    expect(cache.get('owner:1|20|')).toBeUndefined();
    expect(cache.get('owner:1|20|cursor')).toBeUndefined();
    expect(cache.get('owner:2|20|')).toBe(3);
    expect(cache.get('plain')).toBe(4);
    cache.deleteGroup('unknown');
    expect(cache.size).toBe(2);
  });

  it('keeps its group index consistent through eviction, expiry and overwrite', () => {
    const c = clock();
    const cache = new ReadCache<number>({ ttlMs: 100, maxEntries: 2, now: c.now });
    cache.set('a', 1, cache.epoch, 'g');
    cache.set('b', 2, cache.epoch, 'g');
    cache.set('c', 3, cache.epoch, 'h'); // evicts a
    cache.set('b', 20, cache.epoch, 'h'); // b moves from g to h
    cache.deleteGroup('g');
    expect(cache.get('b')).toBe(20);
    c.t = 100;
    expect(cache.get('c')).toBeUndefined(); // expired
    c.t = 0;
    cache.set('d', 4, cache.epoch, 'h');
    cache.deleteGroup('h');
    expect(cache.size).toBe(0);
  });

  it('rejects a zero size bound', () => {
    expect(() => new ReadCache({ ttlMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});
