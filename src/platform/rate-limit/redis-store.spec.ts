import { createServer } from 'node:net';

import { Logger } from '@nestjs/common';

import { loadConfig } from '../../config/app-config';
import { ChangeFeed } from '../cache/change-feed.service';
import { metrics } from '../metrics/metrics';
import { RedisRateLimitStore } from './redis-store';

/** A TCP port nothing listens on (bound, then released): connections to it are refused. */
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

async function fallbacks(component: string): Promise<number> {
  const { values } = await metrics().redisFallbacks.get();
  return values.find((v) => v.labels.component === component)?.value ?? 0;
}

/** Redis unreachable: per-instance state, one warning per outage, a metric per fallback, never a wait. */
describe('Redis unavailable', () => {
  let url: string;
  beforeAll(async () => {
    url = `redis://127.0.0.1:${await closedPort()}`;
  });
  afterEach(() => jest.restoreAllMocks());

  it('rate limits are enforced in memory, with one warning for the whole outage', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new RedisRateLimitStore(url, 'test:');
    await store.onModuleInit();
    const before = await fallbacks('rate_limit');
    try {
      const started = Date.now();
      const blocked: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        blocked.push((await store.increment('k', 60_000, 5, 0, 'client')).isBlocked);
      }
      expect(blocked).toEqual([...Array<boolean>(5).fill(false), ...Array<boolean>(15).fill(true)]);
      const policy = { threshold: 1, baseDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 60_000 };
      expect((await store.lockoutAttempt('e', policy)).allowed).toBe(true);
      expect((await store.lockoutAttempt('e', policy)).allowed).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/Redis unavailable for rate limits/);
      expect((await fallbacks('rate_limit')) - before).toBe(22);
    } finally {
      await store.onApplicationShutdown();
    }
  });

  it('change-feed publishes fail fast, are counted, and warn once per outage', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const feed = new ChangeFeed(loadConfig({ NODE_ENV: 'test', REDIS_URL: url }));
    const before = await fallbacks('change_feed');
    try {
      for (let i = 0; i < 10; i++) {
        const started = Date.now();
        await feed.publish('iiniit:test', `m${i}`);
        // The first waits at most the publish bound; later ones see the outage and return at once.
        expect(Date.now() - started).toBeLessThan(700);
      }
      const publishWarnings = warn.mock.calls.filter(([m]) =>
        /publishing to iiniit:test failed/.test(String(m)),
      );
      expect(publishWarnings).toHaveLength(1);
      expect((await fallbacks('change_feed')) - before).toBe(10);
    } finally {
      await feed.onModuleDestroy();
    }
  });
});
