import type { MemoryRateLimitStore } from './memory-store';
import { type RateRecord, rateRecord } from './rate-limit-store';

/**
 * The share of a limit one instance may admit on its own before Redis has confirmed it. A bucket whose
 * limit is below 1 / LOCAL_SHARE (20 hits) gets no local allowance: every hit waits for Redis's answer and
 * the limit stays exact, as small budgets (a few per minute) must.
 */
export const LOCAL_SHARE = 1 / 20;

/** The hits one instance may admit in a bucket of `limit` before Redis has seen them. */
export function localAllowance(limit: number): number {
  return Math.floor(limit * LOCAL_SHARE);
}

/**
 * Past this many buckets, idle ones (nothing unsent, window over) are dropped at a flush — at most every
 * SWEEP_EVERY_MS, so many live buckets do not make every flush walk them all.
 */
const SWEEP_SIZE = 10_000;
const SWEEP_EVERY_MS = 10_000;

/** What sends one bucket's delta: resolves to [the shared total after adding it, ms left in its window]. */
export type SendDelta = (counter: string, ttl: number, delta: number) => Promise<[number, number]>;

export interface BatchedCountersOptions {
  /** How often unsent hits are flushed (ms). */
  intervalMs: number;
  send: SendDelta;
  /** Whether a flush can be tried now; false sends every hit straight to the fallback. */
  available(): boolean;
  /** A flush failed or the connection is down: the hits are counted in `fallback` instead. */
  onFallback(error: unknown): void;
  fallback: MemoryRateLimitStore;
}

interface Waiter {
  /** Hits of the same batch counted before this one. */
  offset: number;
  cost: number;
  resolve: (record: RateRecord) => void;
}

interface Bucket {
  counter: string;
  /** The fallback's id for this bucket (the same as the exact path's, so an outage counts in one place). */
  id: string;
  ttl: number;
  limit: number;
  /** The shared total as of the last answer from Redis (this instance's flushed hits included). */
  known: number;
  /** When the window ends, as last answered (this clock); 0 = not known yet. */
  resetAt: number;
  /** Counted here, not sent yet. */
  pending: number;
  /** Sent, not answered yet. */
  inflight: number;
  /** Hits past the local allowance: decided by the next flush's answer. */
  waiters: Waiter[];
}

/**
 * Counters that live in Redis but are counted here and synchronised in batches, so a high-volume limit
 * (the resource API's per credential, the token endpoint's per client) costs no Redis round trip per request.
 *
 * Each bucket keeps the last shared total Redis reported plus this instance's hits not yet confirmed. A hit
 * is admitted at once while that sum stays within the limit and the unconfirmed hits stay within the local
 * allowance (limit / 20); unsent hits are flushed every `intervalMs` as one INCRBY per bucket (all buckets
 * in one pipelined write), and the answer teaches the shared total. A hit past the local allowance
 * triggers an immediate flush and waits for its answer, which places it exactly among every instance's
 * hits — so the allowance bounds what an instance can admit unseen: at most `instances × allowance`
 * hits over the limit in a window, and small limits (allowance 0) stay exact.
 *
 * Redis unreachable when a flush runs: the batch's hits go into the per-instance memory counters (the same
 * ones the exact path falls back to), hits waiting on it are answered from there, and nothing is thrown
 * into requests.
 */
export class BatchedCounters {
  private readonly buckets = new Map<string, Bucket>();
  /** Buckets with unsent hits: a flush visits only these. */
  private readonly dirty = new Set<Bucket>();
  private timer?: NodeJS.Timeout;
  private urgent?: NodeJS.Immediate;
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;
  private sweptAt = 0;

  constructor(private readonly options: BatchedCountersOptions) {}

  /** Counts `cost` hits in `counter` (a Redis key); the answer is immediate unless the allowance is used up. */
  increment(counter: string, id: string, ttl: number, limit: number, cost: number): Promise<RateRecord> {
    if (this.closed || !this.options.available()) {
      // After close() this is the process's last moments, not an outage: nothing to report.
      if (!this.closed) this.options.onFallback(new Error('connection not ready'));
      return Promise.resolve(this.options.fallback.incrementNow(id, ttl, limit, 0, cost));
    }
    const now = Date.now();
    let bucket = this.buckets.get(counter);
    if (bucket === undefined) {
      bucket = { counter, id, ttl, limit, known: 0, resetAt: 0, pending: 0, inflight: 0, waiters: [] };
      this.buckets.set(counter, bucket);
    }
    bucket.limit = limit;
    bucket.ttl = ttl;
    if (bucket.resetAt !== 0 && bucket.resetAt <= now) {
      // The window ended (as far as this clock can tell): Redis's counter has expired with it.
      bucket.known = 0;
      bucket.resetAt = 0;
    }
    const used = bucket.known + bucket.inflight + bucket.pending;
    const leftMs = bucket.resetAt === 0 ? ttl : bucket.resetAt - now;
    if (used + cost > limit) {
      // Already over, counting only what certainly happened: refused without a round trip (and not counted,
      // as the window's outcome for this bucket is settled).
      return Promise.resolve(rateRecord(used + cost, leftMs, true));
    }
    const offset = bucket.pending;
    bucket.pending += cost;
    this.dirty.add(bucket);
    if (bucket.inflight + bucket.pending <= localAllowance(limit)) {
      this.schedule();
      return Promise.resolve(rateRecord(used + cost, leftMs, false));
    }
    return new Promise<RateRecord>((resolve) => {
      bucket.waiters.push({ offset, cost, resolve });
      // setImmediate, not a microtask: requests read in the same turn of the event loop join one flush.
      this.urgent ??= setImmediate(() => {
        this.urgent = undefined;
        void this.flush();
      });
    });
  }

  /** Sends every bucket's unsent hits now; resolves when the answers are in (or have failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.dirty];
    this.dirty.clear();
    if (this.buckets.size > SWEEP_SIZE && Date.now() - this.sweptAt > SWEEP_EVERY_MS) this.sweep();
    const sends = batch.map((bucket) => this.send(bucket));
    const all = Promise.all(sends).then(() => undefined);
    this.inflight.add(all);
    void all.finally(() => this.inflight.delete(all));
    return all;
  }

  /**
   * Shutdown: no more batching (later hits count in memory), the unsent hits are flushed and the flushes in
   * flight awaited, for at most `timeoutMs` — a Redis that does not answer must not hold the exit.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.urgent) clearImmediate(this.urgent);
    this.urgent = undefined;
    const done = Promise.all([this.flush(), ...this.inflight]);
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.intervalMs);
    // An idle process may exit: close() flushes what is left.
    this.timer.unref();
  }

  private async send(bucket: Bucket): Promise<void> {
    const delta = bucket.pending;
    const waiters = bucket.waiters;
    bucket.pending = 0;
    bucket.waiters = [];
    if (delta === 0) return;
    bucket.inflight += delta;
    let total: number;
    let leftMs: number;
    try {
      if (!this.options.available()) throw new Error('connection not ready');
      [total, leftMs] = await this.options.send(bucket.counter, bucket.ttl, delta);
    } catch (error) {
      bucket.inflight -= delta;
      this.options.onFallback(error);
      // Kept in this instance's memory instead, where requests are counted while Redis is away.
      const record = this.options.fallback.incrementNow(bucket.id, bucket.ttl, bucket.limit, 0, delta);
      this.settle(waiters, record.totalHits - delta, bucket.limit, record.timeToExpire * 1000);
      return;
    }
    bucket.inflight -= delta;
    // Answers on one connection arrive in the order sent, so the latest one is the freshest total.
    bucket.known = total;
    bucket.resetAt = Date.now() + leftMs;
    this.settle(waiters, total - delta, bucket.limit, leftMs);
  }

  /** Each waiting hit gets its own place among the batch's hits, as the exact path would have. */
  private settle(waiters: Waiter[], base: number, limit: number, leftMs: number): void {
    for (const { offset, cost, resolve } of waiters) {
      const position = base + offset + cost;
      resolve(rateRecord(position, leftMs, position > limit));
    }
  }

  private sweep(): void {
    const now = Date.now();
    this.sweptAt = now;
    for (const [counter, b] of this.buckets) {
      if (b.pending === 0 && b.inflight === 0 && b.waiters.length === 0 && b.resetAt <= now) {
        this.buckets.delete(counter);
      }
    }
  }
}
