import type { ThrottlerStorage } from '@nestjs/throttler';

/** What `ThrottlerStorage.increment` resolves to (the record type is not exported by @nestjs/throttler). */
export type RateRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Sign-in lockout policy, in milliseconds (see LoginLockoutPolicy in the config). */
export interface LockoutPolicy {
  threshold: number;
  baseDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
}

/** The answer to "may this sign-in attempt be checked now?" */
export interface LockoutGate {
  allowed: boolean;
  /** Attempts counted so far, this one included when allowed. */
  failures: number;
  /** allowed: the delay this attempt imposes on the next one; refused: how long until the next may run. */
  delayMs: number;
}

/**
 * The rate-limit storage: @nestjs/throttler's `ThrottlerStorage` (fixed-window counters; `ttl` and
 * `blockDuration` in ms, the record's times in seconds) with two additions the limits here need:
 * - `cost`: one increment that counts several hits (a failed client authentication counts 10×), 0 to
 *   read a counter without counting, or negative to give hits back (a sign-in that succeeded);
 * - the sign-in lockout state, kept in the same place (memory or Redis) and updated atomically.
 */
export interface RateLimitStore extends ThrottlerStorage {
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    cost?: number,
  ): Promise<RateRecord>;
  /**
   * Atomically: refuse while the key's delay runs; otherwise count this attempt as a failure *before* the
   * password is checked (so parallel attempts cannot all slip through) and start the next delay.
   */
  lockoutAttempt(key: string, policy: LockoutPolicy): Promise<LockoutGate>;
  /** A successful sign-in forgets the failures. */
  lockoutClear(key: string): Promise<void>;
  /**
   * For high-volume limits only: may count locally and synchronise later, trading exactness across
   * instances (a bounded overshoot) for no round trip per hit. Absent: `increment` (already local).
   */
  incrementBatched?(
    key: string,
    ttl: number,
    limit: number,
    throttlerName: string,
    cost?: number,
  ): Promise<RateRecord>;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

/** After `threshold` failures: 1 s, 2 s, 4 s, ... (base × 2^(failures − threshold)), capped. */
export function lockoutDelayMs(failures: number, policy: LockoutPolicy): number {
  if (policy.threshold <= 0 || failures < policy.threshold) return 0;
  const exponent = Math.min(failures - policy.threshold, 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

export function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/**
 * A record as the storages answer: `ms` until the window ends, or until the block ends when blocked (a
 * blocked key's wait is its block's).
 */
export function rateRecord(totalHits: number, ms: number, isBlocked: boolean): RateRecord {
  const left = seconds(ms);
  return { totalHits, timeToExpire: left, isBlocked, timeToBlockExpire: isBlocked ? left : 0 };
}
