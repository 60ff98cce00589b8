/**
 * Memoises a pure mapping of an immutable object, keyed by the object itself (WeakMap: an entry lives
 * exactly as long as its source). Read caches hand out the same user or page object on every hit, so the
 * response built from it (dates to ISO strings, renamed fields) is built once per cached value instead of
 * once per request. Results are frozen: one object is shared by every request that reads it.
 */
export function derived<T extends object, R extends object>(map: (source: T) => R): (source: T) => R {
  const results = new WeakMap<T, R>();
  return (source: T): R => {
    let result = results.get(source);
    if (result === undefined) {
      result = Object.freeze(map(source));
      results.set(source, result);
    }
    return result;
  };
}
