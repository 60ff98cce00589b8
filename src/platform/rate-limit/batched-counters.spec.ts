import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

import { metrics } from '../metrics/metrics';
import { localAllowance } from './batched-counters';
import { RedisRateLimitStore } from './redis-store';

/** The machine's Redis (CI starts one); every key here carries a prefix of this run's own. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error()),
      );
    });
  });
}

async function fallbacks(): Promise<number> {
  const { values } = await metrics().redisFallbacks.get();
  return values.find((v) => v.labels.component === 'rate_limit')?.value ?? 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watches Redis (MONITOR) for the commands that touch this run's keys: the round trips the stores make,
 * not the steps their scripts run inside Redis.
 */
class CommandLog {
  readonly commands: string[][] = [];
  private monitor?: Redis;
  private error?: Error;

  constructor(private readonly prefix: string) {}

  async start(): Promise<void> {
    // ioredis enters "monitoring" one microtask after MONITOR's OK, so a line from another client arriving in the
    // same chunk is taken for a reply and reported as "Command queue state error". That line predates every command
    // this test sends (they start once "monitoring" fired), so it is ignored; any other error fails the test, at
    // start or at stop().
    const monitor = new Redis(REDIS_URL, { monitor: true });
    this.monitor = monitor;
    monitor.on('error', (error: Error) => {
      if (!error.message.startsWith('Command queue state error')) this.error ??= error;
    });
    await new Promise<void>((resolve, reject) => {
      monitor.once('monitoring', () => resolve());
      monitor.once('end', () => reject(this.error ?? new Error('monitor connection ended')));
    });
    if (this.error) throw this.error;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((a) => a.startsWith(this.prefix))) this.commands.push(args);
    });
  }

  /** MONITOR lines arrive a moment after the commands ran. */
  async settle(): Promise<void> {
    await sleep(100);
  }

  async stop(): Promise<void> {
    this.monitor?.disconnect();
    await sleep(20);
    if (this.error) throw this.error;
  }
}

describe('batched counters on a real Redis', () => {
  let redis: Redis;
  let prefix: string;
  const stores: RedisRateLimitStore[] = [];

  /** One "instance": its own connection, memory and batches, on the shared Redis. */
  async function instance(syncIntervalMs = 100): Promise<RedisRateLimitStore> {
    const store = new RedisRateLimitStore(REDIS_URL, prefix, undefined, syncIntervalMs);
    await store.onModuleInit();
    stores.push(store);
    return store;
  }

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(() => {
    prefix = `test:batch-${randomUUID().slice(0, 8)}:`;
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.onApplicationShutdown();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(() => redis.quit());

  const admitted = (records: { isBlocked: boolean }[]) => records.filter((r) => !r.isBlocked).length;

  it('counts without a round trip per hit: one INCRBY per bucket per interval, and Redis ends with every hit', async () => {
    const log = new CommandLog(prefix);
    await log.start();
    try {
      // An interval far above the loop's duration on a loaded CI machine: no flush may fire before the check.
      const a = await instance(3_000);
      for (let i = 0; i < 200; i++) {
        expect((await a.incrementBatched('k', MINUTE, 100_000, 'api')).isBlocked).toBe(false);
      }
      await log.settle();
      expect(log.commands).toHaveLength(0);
      await sleep(3_500);
      await log.settle();
      // One flush of the 200 hits, as one script call.
      expect(log.commands).toHaveLength(1);
      expect(log.commands[0][0]).toMatch(/^evalsha$|^eval$/i);
      expect(await redis.get(`${prefix}{api:k}`)).toBe('200');
      const ttl = await redis.pttl(`${prefix}{api:k}`);
      expect(ttl).toBeGreaterThan(MINUTE - 5_000);
      expect(ttl).toBeLessThanOrEqual(MINUTE);
    } finally {
      await log.stop();
    }
  });

  it('learns the other instances’ hits from its flush answer', async () => {
    const [a, b] = [await instance(50), await instance(50)];
    for (let i = 0; i < 300; i++) await a.incrementBatched('k', MINUTE, 1_000, 'api');
    await sleep(150);
    const first = await b.incrementBatched('k', MINUTE, 1_000, 'api');
    // Before B's first flush it only knows its own hit.
    expect(first.totalHits).toBe(1);
    await sleep(150);
    const next = await b.incrementBatched('k', MINUTE, 1_000, 'api');
    expect(next.totalHits).toBe(302);
    expect(next.timeToExpire).toBeGreaterThan(50);
  });

  it('a small limit (no local allowance) stays exact: 60 parallel hits over two instances, exactly 10 pass', async () => {
    expect(localAllowance(10)).toBe(0);
    const [a, b] = [await instance(), await instance()];
    const records = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).incrementBatched('k', MINUTE, 10, 'client')),
    );
    expect(admitted(records)).toBe(10);
    // Each pass got its own place, as the exact path gives.
    expect(
      records
        .filter((r) => !r.isBlocked)
        .map((r) => r.totalHits)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('past the local allowance a hit waits for Redis: three instances admit at most limit + 3 × allowance', async () => {
    const limit = 200;
    const allowance = localAllowance(limit);
    expect(allowance).toBe(10);
    const nodes = [await instance(1_000), await instance(1_000), await instance(1_000)];
    // Waves of parallel hits on every instance, so each one's view of the total is always stale.
    const records: { isBlocked: boolean }[] = [];
    for (let wave = 0; wave < 20; wave++) {
      records.push(
        ...(await Promise.all(
          Array.from({ length: 30 }, (_, i) => nodes[i % 3].incrementBatched('k', MINUTE, limit, 'api')),
        )),
      );
    }
    const passed = admitted(records);
    expect(passed).toBeGreaterThanOrEqual(limit);
    expect(passed).toBeLessThanOrEqual(limit + 3 * allowance);
    // Then every instance refuses, from what it learnt.
    for (const n of nodes) expect((await n.incrementBatched('k', MINUTE, limit, 'api')).isBlocked).toBe(true);
  });

  it('a window that ends opens the next one', async () => {
    const a = await instance(50);
    const hits = async () =>
      Promise.all(Array.from({ length: 8 }, () => a.incrementBatched('k', 1_000, 5, 'api')));
    expect(admitted(await hits())).toBe(5);
    await sleep(1_200);
    const again = await hits();
    expect(admitted(again)).toBe(5);
    expect(again.every((r) => r.timeToExpire === 1)).toBe(true);
  });

  it('shutdown flushes the hits not sent yet (bounded)', async () => {
    const a = await instance(10_000);
    for (let i = 0; i < 7; i++) await a.incrementBatched('k', MINUTE, 1_000, 'api');
    expect(await redis.get(`${prefix}{api:k}`)).toBeNull();
    const started = Date.now();
    await a.onApplicationShutdown();
    stores.splice(stores.indexOf(a), 1);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await redis.get(`${prefix}{api:k}`)).toBe('7');
  });
});

describe('batched counters without Redis', () => {
  afterEach(() => jest.restoreAllMocks());

  it('Redis unreachable: limits hold in memory, nothing throws or waits, one warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new RedisRateLimitStore(`redis://127.0.0.1:${await closedPort()}`, 'test:', undefined, 50);
    await store.onModuleInit();
    const before = await fallbacks();
    try {
      const started = Date.now();
      const records = [];
      for (let i = 0; i < 20; i++) records.push(await store.incrementBatched('k', MINUTE, 5, 'api'));
      expect(records.map((r) => r.isBlocked)).toEqual([
        ...Array<boolean>(5).fill(false),
        ...Array<boolean>(15).fill(true),
      ]);
      expect(Date.now() - started).toBeLessThan(500);
      expect(warn).toHaveBeenCalledTimes(1);
      expect((await fallbacks()) - before).toBe(20);
    } finally {
      await store.onApplicationShutdown();
    }
  });

  it('Redis lost between a hit and its flush: the hits move to memory and still count', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new RedisRateLimitStore(REDIS_URL, `test:lost-${randomUUID().slice(0, 8)}:`, undefined, 50);
    await store.onModuleInit();
    try {
      // 100 hits admitted locally (allowance of 2,000 is 100), not flushed yet...
      for (let i = 0; i < 100; i++) await store.incrementBatched('k', MINUTE, 2_000, 'api');
      // ...and the connection goes away (for good: no reconnect) before the flush.
      (store as unknown as { redis: Redis }).redis.disconnect(false);
      await sleep(150);
      // Counting goes on in memory from those 100: the limit of 2,000 is reached after 1,900 more.
      const records = [];
      for (let i = 0; i < 1_950; i++) records.push(await store.incrementBatched('k', MINUTE, 2_000, 'api'));
      expect(records.filter((r) => !r.isBlocked)).toHaveLength(1_900);
    } finally {
      await store.onApplicationShutdown();
    }
  });
});
