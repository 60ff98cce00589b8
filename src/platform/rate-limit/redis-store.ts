import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';

import { countRedisFallback, gaugeSources } from '../metrics/metrics';
import { BatchedCounters } from './batched-counters';
import { MemoryRateLimitStore } from './memory-store';
import type { LockoutGate, LockoutPolicy, RateLimitStore, RateRecord } from './rate-limit-store';

/**
 * One atomic step per request (Lua runs alone on the Redis server): a blocked key answers at once;
 * otherwise INCRBY the window's counter, start its expiry (PEXPIRE) when the window is new, and when the
 * count passes the limit, block for `blockDuration` if one is given. 50 parallel requests see 50
 * distinct counts, so exactly `limit` pass. cost 0 reads without counting; a negative cost gives hits
 * back (never below 0, never opening a window).
 * KEYS: counter, block marker. ARGV: ttl ms, limit, block ms, cost.
 * Returns { hits, ms until the window (or block) ends, blocked 0|1, ms until the block ends }.
 */
const INCREMENT_SCRIPT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  return { tonumber(redis.call('GET', KEYS[1]) or '0'), blockTtl, 1, blockTtl }
end
local ttlMs = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockMs = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
if cost <= 0 then
  local current = redis.call('GET', KEYS[1])
  if not current then return { 0, ttlMs, 0, 0 } end
  local hits = tonumber(current)
  if cost < 0 and hits > 0 then
    hits = redis.call('DECRBY', KEYS[1], math.min(-cost, hits))
  end
  local left = redis.call('PTTL', KEYS[1])
  if hits > limit then return { hits, left, 1, left } end
  return { hits, left, 0, 0 }
end
local hits = redis.call('INCRBY', KEYS[1], cost)
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ttlMs)
  left = ttlMs
end
if hits <= limit then return { hits, left, 0, 0 } end
if blockMs > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', blockMs)
  redis.call('DEL', KEYS[1])
  return { hits, blockMs, 1, blockMs }
end
return { hits, left, 1, left }
`;

/**
 * A batch of hits counted on one instance (BatchedCounters): INCRBY the window's counter by them, starting
 * its expiry when the window is new — the same counter and window as INCREMENT_SCRIPT, so instances of
 * either kind count together. No block marker: the batched limits never block beyond their window.
 * KEYS: counter. ARGV: ttl ms, hits. Returns { total hits, ms until the window ends }.
 */
const ADD_SCRIPT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { hits, left }
`;

/**
 * The sign-in lockout step, atomic for the same reason. Redis's clock (TIME) so instances with skewed
 * clocks agree. KEYS: lockout hash { f: failures, n: next attempt allowed at (ms) }.
 * ARGV: threshold, base delay ms, max delay ms, window ms. Returns { allowed 0|1, failures, delay ms }.
 */
const LOCKOUT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'f', 'n')
local failures = tonumber(state[1]) or 0
local nextAt = tonumber(state[2]) or 0
if now < nextAt then return { 0, failures, nextAt - now } end
failures = failures + 1
local threshold = tonumber(ARGV[1])
local delay = 0
if threshold > 0 and failures >= threshold then
  delay = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ math.min(failures - threshold, 30), tonumber(ARGV[3])))
end
redis.call('HSET', KEYS[1], 'f', failures, 'n', string.format('%d', now + delay))
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]), delay))
return { 1, failures, delay }
`;

interface ScriptedRedis extends Redis {
  iiniitRateIncrement(
    counter: string,
    block: string,
    ttl: number,
    limit: number,
    blockMs: number,
    cost: number,
  ): Promise<[number, number, number, number]>;
  iiniitRateAdd(counter: string, ttl: number, hits: number): Promise<[number, number]>;
  iiniitLockout(
    key: string,
    threshold: number,
    baseMs: number,
    maxMs: number,
    windowMs: number,
  ): Promise<[number, number, number]>;
}

/** How long start-up waits for Redis before serving with the in-memory fallback. */
const CONNECT_WAIT_MS = 2_000;
/**
 * A slow Redis must not stall sign-in or the API: past this, rate limits are answered from memory. Generous
 * enough that a loaded server (argon2 saturating its cores) does not mistake its own delay for an outage.
 */
const COMMAND_TIMEOUT_MS = 2_000;
/** How long a sign-in attempt is told to wait when Redis is up but did not answer in time (see lockoutAttempt). */
const SLOW_LOCKOUT_RETRY_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;
/** Shutdown waits this long at most for the last batched hits to reach Redis. */
const FINAL_FLUSH_MS = 1_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Rate-limit storage in Redis (REDIS_URL), shared by every instance. Keys: `<prefix>{<rule>:<id hash>}`
 * (+ `:block`) and `<prefix>{lockout:<email hash>}`; the hash tag `{...}` keeps a counter and its block
 * marker in one cluster slot. Identifiers arrive hashed (RateLimiter), so Redis holds no emails or IPs.
 *
 * Redis unavailable (down, timing out): each instance falls back to its own memory counters and logs it
 * once per outage — limits stay on, per instance, rather than failing open or failing every sign-in.
 * Every operation answered that way counts in `iiniit_redis_fallback_total{component="rate_limit"}`;
 * `iiniit_redis_connected{connection="rate_limit"}` shows the outage. While the connection is known to be
 * down, requests go straight to memory (no round trip, no timeout to wait out); ioredis keeps
 * reconnecting, and the first ready connection makes the counters shared again (they restart from what
 * Redis holds: a fresh Redis starts from zero).
 */
export class RedisRateLimitStore implements RateLimitStore, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: ScriptedRedis;
  private degraded = false;
  private readonly batched?: BatchedCounters;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly fallback = new MemoryRateLimitStore(),
    /** How often batched hits are synchronised (ms); 0 counts every hit in Redis as it happens. */
    syncIntervalMs = 0,
  ) {
    this.redis = new Redis(url, {
      connectionName: 'iiniit-rate-limit',
      // Fail fast instead of queueing while disconnected: the fallback answers meanwhile.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // A Redis that drops packets (no refusal) is given up on within a second per attempt, not ioredis's
      // default 10 s, so the outage is noticed and each retry's socket is released quickly.
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Concurrent requests share one write to the socket: one round trip, many counters.
      enableAutoPipelining: true,
      disconnectTimeout: 200,
    }) as ScriptedRedis;
    this.redis.defineCommand('iiniitRateIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    this.redis.defineCommand('iiniitRateAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
    this.redis.defineCommand('iiniitLockout', { numberOfKeys: 1, lua: LOCKOUT_SCRIPT });
    if (syncIntervalMs > 0) {
      this.batched = new BatchedCounters({
        intervalMs: syncIntervalMs,
        send: (counter, ttl, hits) => this.redis.iiniitRateAdd(counter, ttl, hits),
        available: () => this.redis.status === 'ready',
        onFallback: (error) => {
          this.degrade(error);
          countRedisFallback('rate_limit');
        },
        fallback: this.fallback,
      });
    }
    this.redis.on('error', (error: Error) => this.degrade(error));
    gaugeSources.redis.set('rate_limit', () => this.redis.status === 'ready');
    this.redis.on('ready', () => {
      if (this.degraded) this.logger.log('Redis is back: rate limits are shared again');
      this.degraded = false;
    });
  }

  /**
   * Waits (bounded) for the connection, so the first requests already count in Redis; a refused
   * connection ends the wait at once (the fallback serves, ioredis keeps reconnecting).
   */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    let done: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    const timer = setTimeout(done, CONNECT_WAIT_MS);
    this.redis.once('ready', done);
    this.redis.once('error', done);
    await settled;
    clearTimeout(timer);
    this.redis.off('ready', done);
    this.redis.off('error', done);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    cost = 1,
  ): Promise<RateRecord> {
    const counter = `${this.prefix}{${throttlerName}:${key}}`;
    if (this.redis.status !== 'ready') {
      this.down();
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName, cost);
    }
    try {
      const [hits, leftMs, blocked, blockMs] = await this.redis.iiniitRateIncrement(
        counter,
        `${counter}:block`,
        ttl,
        limit,
        blockDuration,
        cost,
      );
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(leftMs / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockMs / 1000),
      };
    } catch (error) {
      this.degrade(error);
      countRedisFallback('rate_limit');
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName, cost);
    }
  }

  /**
   * A high-volume limit's hit, counted here and synchronised in batches (see BatchedCounters): no round
   * trip per request, at the price of a bounded overshoot across instances. With batching off, the exact
   * `increment`.
   */
  incrementBatched(
    key: string,
    ttl: number,
    limit: number,
    throttlerName: string,
    cost = 1,
  ): Promise<RateRecord> {
    if (!this.batched) return this.increment(key, ttl, limit, 0, throttlerName, cost);
    const id = `${throttlerName}:${key}`;
    return this.batched.increment(`${this.prefix}{${id}}`, id, ttl, limit, cost);
  }

  async lockoutAttempt(key: string, policy: LockoutPolicy): Promise<LockoutGate> {
    if (this.redis.status !== 'ready') {
      this.down();
      return this.fallback.lockoutAttempt(key, policy);
    }
    try {
      const [allowed, failures, delayMs] = await this.redis.iiniitLockout(
        this.lockoutKey(key),
        policy.threshold,
        policy.baseDelayMs,
        policy.maxDelayMs,
        policy.windowMs,
      );
      return { allowed: allowed === 1, failures, delayMs };
    } catch (error) {
      this.degrade(error);
      countRedisFallback('rate_limit');
      // Connected but too slow (a timeout, not an outage): the shared count may already have moved, so
      // answering from this instance's memory would let a flood that slows Redis down multiply the
      // guesses by the number of instances. The lockout fails closed instead: "wait a moment".
      if (this.redis.status === 'ready') {
        return { allowed: false, failures: policy.threshold, delayMs: SLOW_LOCKOUT_RETRY_MS };
      }
      return this.fallback.lockoutAttempt(key, policy);
    }
  }

  async lockoutClear(key: string): Promise<void> {
    await Promise.all([
      this.redis.del(this.lockoutKey(key)).catch((error: unknown) => this.degrade(error)),
      this.fallback.lockoutClear(key),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    // Requests have finished (the HTTP server closes first): the last hits still count on other instances.
    await this.batched?.close(FINAL_FLUSH_MS);
    this.fallback.onApplicationShutdown();
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  private lockoutKey(key: string): string {
    return `${this.prefix}{lockout:${key}}`;
  }

  /** The connection is not ready: note the outage (logged once) and count one fallback. */
  private down(): void {
    this.degrade(new Error(`connection ${this.redis.status}`));
    countRedisFallback('rate_limit');
  }

  private degrade(error: unknown): void {
    if (!this.degraded) {
      this.logger.warn(`Redis unavailable for rate limits (${message(error)}); counting in memory meanwhile`);
    }
    this.degraded = true;
  }
}
