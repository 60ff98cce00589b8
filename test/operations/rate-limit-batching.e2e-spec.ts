import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

import { localAllowance } from '../../src/platform/rate-limit/batched-counters';
import { AuthorizationsService } from '../../src/tokens/authorizations/authorizations.service';
import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { createApiKey, withKey } from '../factories/api-keys';
import { createClient } from '../factories/clients';
import { createUser } from '../factories/users';
import { bootInstances, closeAll, type TestApp } from '../support/app';
import { http, type HttpResult } from '../support/http';
import { basic, tokenRequest } from '../support/oauth';
import { haveRedisServer, TestRedis } from '../support/redis-server';

const describeRedis = haveRedisServer ? describe : describe.skip;
const SCOPES = ['read:user', 'read:projects'];
/** One issuer for the instances, as behind a load balancer: a token from one is valid on the other. */
const ISSUER = 'http://iiniit.test';

/**
 * Commands Redis ran so far (INFO commandstats), INFO itself left out: in all (scripts' inner steps included)
 * and the script calls alone (the round trips).
 */
async function commandsRun(redis: Redis): Promise<{ all: number; scripts: number }> {
  const info = await redis.info('commandstats');
  const counted = { all: 0, scripts: 0 };
  for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (name !== 'info') counted.all += Number(calls);
    if (name === 'evalsha' || name === 'eval') counted.scripts += Number(calls);
  }
  return counted;
}

/** The hits the counters under `prefix` hold, summed. */
async function hitsStored(redis: Redis, prefix: string): Promise<number> {
  const keys = await redis.keys(`${prefix}{api:*`);
  const values = keys.length ? await redis.mget(...keys) : [];
  return values.reduce((sum, v) => sum + Number(v ?? 0), 0);
}

/**
 * The resource API's per-credential limit with several instances on one Redis (its own redis-server, so
 * INFO counts only this file's commands): counted per instance and synchronised in batches.
 */
describeRedis('resource API limits batched across instances', () => {
  const redis = new TestRedis(6396);
  let probe: Redis;

  beforeAll(async () => {
    await redis.start();
    probe = new Redis(redis.url);
  }, 30_000);
  afterAll(async () => {
    probe?.disconnect();
    await redis.kill();
  });

  /** A user's two credentials on the read paths: a JWT for GET /v1/user, an API key for GET /v1/projects. */
  async function credentials(
    t: TestApp,
  ): Promise<{ user: Record<string, string>; key: Record<string, string> }> {
    const user = await createUser(t.app);
    const client = await createClient(t.app);
    const grant = await t.app.get(AuthorizationsService).approve(user.id, client.clientId, SCOPES);
    const { token } = await t.app
      .get(AccessTokensService)
      .issue({ subject: user.id, clientId: client.clientId, scopes: SCOPES, grantId: grant.id });
    const key = await createApiKey(t.app, user.id);
    return { user: { authorization: `Bearer ${token}` }, key: withKey(key.key) };
  }

  describe('a small limit (40 a minute) over two instances', () => {
    const LIMIT = 40;
    // What each instance may admit before Redis has seen it; the bound is instances × that.
    const TOLERANCE = 2 * localAllowance(LIMIT);
    let nodes: TestApp[] = [];

    beforeAll(async () => {
      nodes = await bootInstances(2, {
        REDIS_URL: redis.url,
        ISSUER,
        RATE_LIMIT_API: `${LIMIT}/1m`,
        RATE_LIMIT_CLIENT: `${LIMIT}/1m`,
        RATE_LIMIT_KEY_PREFIX: `iiniit:rl:batch-${randomUUID().slice(0, 8)}:`,
      });
    }, 60_000);
    afterAll(() => closeAll(...nodes), 30_000);

    it('allows the limit (within the stated tolerance) in parallel waves spread over both, then 429 on both', async () => {
      expect(TOLERANCE).toBe(4);
      const { key } = await credentials(nodes[0]);
      const get = (t: TestApp) => http(`${t.url}/v1/projects`, { headers: key });
      const results: (HttpResult & { node: number })[] = [];
      for (let wave = 0; wave < 8; wave++) {
        results.push(
          ...(await Promise.all(
            Array.from({ length: 10 }, async (_, i) => ({ ...(await get(nodes[i % 2])), node: i % 2 })),
          )),
        );
      }
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThanOrEqual(LIMIT);
      expect(ok.length).toBeLessThanOrEqual(LIMIT + TOLERANCE);
      expect(results.filter((r) => r.status === 429)).toHaveLength(results.length - ok.length);
      // Both instances served part of the budget.
      expect(new Set(ok.map((r) => r.node)).size).toBe(2);
      for (const r of ok) {
        expect(r.headers.get('ratelimit-limit')).toBe(String(LIMIT));
        const remaining = Number(r.headers.get('ratelimit-remaining'));
        expect(remaining).toBeGreaterThanOrEqual(0);
        expect(remaining).toBeLessThan(LIMIT);
        const reset = Number(r.headers.get('ratelimit-reset'));
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
      }
      for (const t of nodes) {
        const refused = await get(t);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('ratelimit-remaining')).toBe('0');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    });

    it('the token endpoint’s per-client limit is batched the same way', async () => {
      const c = await createClient(nodes[0].app, { grantTypes: ['client_credentials'], redirectUris: [] });
      const authorization = basic(c.clientId, c.clientSecret!);
      const statuses: number[] = [];
      for (let wave = 0; wave < 6; wave++) {
        statuses.push(
          ...(await Promise.all(
            Array.from(
              { length: 10 },
              async (_, i) =>
                (
                  await tokenRequest(
                    nodes[i % 2].url,
                    { grant_type: 'client_credentials' },
                    { authorization },
                  )
                ).status,
            ),
          )),
        );
      }
      const ok = statuses.filter((s) => s === 200).length;
      expect(ok).toBeGreaterThanOrEqual(LIMIT);
      expect(ok).toBeLessThanOrEqual(LIMIT + TOLERANCE);
      expect(statuses.filter((s) => s === 429)).toHaveLength(statuses.length - ok);
      for (const t of nodes) {
        expect(
          (await tokenRequest(t.url, { grant_type: 'client_credentials' }, { authorization })).status,
        ).toBe(429);
      }
    });
  });

  describe('commands per read request', () => {
    const N = 1_000;
    const PARALLEL = 20;

    /**
     * What Redis ran while `nodes` served N reads, PARALLEL at a time (half JWT on /v1/user, half API key on
     * /v1/projects), and how long the reads took.
     */
    async function commandsForReads(
      nodes: TestApp[],
    ): Promise<{ all: number; scripts: number; elapsed: number }> {
      const { user, key } = await credentials(nodes[0]);
      // One read each first: the credentials' caches are warm and the counters exist.
      for (const t of nodes) expect((await http(`${t.url}/v1/user`, { headers: user })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const before = await commandsRun(probe);
      const started = Date.now();
      for (let i = 0; i < N / PARALLEL; i++) {
        const t = nodes[i % nodes.length];
        const statuses = await Promise.all(
          Array.from(
            { length: PARALLEL },
            async (_, j) =>
              (await http(`${t.url}${j % 2 ? '/v1/projects' : '/v1/user'}`, { headers: j % 2 ? key : user }))
                .status,
          ),
        );
        expect(statuses).toEqual(Array(PARALLEL).fill(200));
      }
      const elapsed = Date.now() - started;
      const after = await commandsRun(probe);
      return { all: after.all - before.all, scripts: after.scripts - before.scripts, elapsed };
    }

    it('batched: N reads over two instances make one script call per credential per instance per sync interval, and every hit reaches Redis', async () => {
      const INTERVAL = 1_000;
      const prefix = `iiniit:rl:reads-${randomUUID().slice(0, 8)}:`;
      const nodes = await bootInstances(2, {
        REDIS_URL: redis.url,
        ISSUER,
        RATE_LIMIT_API: '1000000/1m',
        RATE_LIMIT_SYNC_INTERVAL_MS: String(INTERVAL),
        RATE_LIMIT_KEY_PREFIX: prefix,
      });
      try {
        const { all, scripts, elapsed } = await commandsForReads(nodes);
        console.log(
          `batched: ${N} reads in ${elapsed} ms, ${scripts} script calls, ${all} Redis commands in all`,
        );
        // Two instances × two credentials, at most once per interval each (+1: a flush straddling each edge).
        expect(scripts).toBeLessThanOrEqual(2 * 2 * (Math.ceil(elapsed / INTERVAL) + 1));
        // Each call runs INCRBY and PTTL (and PEXPIRE in a new window) inside Redis.
        expect(all).toBeLessThanOrEqual(4 * scripts);
        expect(all).toBeLessThan(N / 5);
      } finally {
        await closeAll(...nodes);
      }
      // Shutdown flushed what was left: the shared counters hold every read (and the two warm-up reads).
      expect(await hitsStored(probe, prefix)).toBe(N + 2);
    }, 120_000);

    it('exact (RATE_LIMIT_SYNC_INTERVAL_MS=0): one script call per read, for comparison', async () => {
      const nodes = await bootInstances(1, {
        REDIS_URL: redis.url,
        ISSUER,
        RATE_LIMIT_API: '1000000/1m',
        RATE_LIMIT_SYNC_INTERVAL_MS: '0',
        RATE_LIMIT_KEY_PREFIX: `iiniit:rl:exact-${randomUUID().slice(0, 8)}:`,
      });
      try {
        const { all, scripts, elapsed } = await commandsForReads(nodes);
        console.log(
          `exact: ${N} reads in ${elapsed} ms, ${scripts} script calls, ${all} Redis commands in all`,
        );
        expect(scripts).toBeGreaterThanOrEqual(N);
      } finally {
        await closeAll(...nodes);
      }
    }, 120_000);
  });
});
