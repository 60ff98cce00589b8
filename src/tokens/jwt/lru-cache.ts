import { LRUCache } from 'lru-cache';

/** The verified-JWT cache: lru-cache bounded by entry count (a hit moves the entry to the recent end). */
export class LruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> extends LRUCache<K, V> {
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error('LRU capacity must be a positive integer');
    }
    super({ max: capacity });
  }
}
