import { randomUUID } from 'node:crypto';

import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { createApiKey, withKey } from '../factories/api-keys';
import { createClient } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootInstances, closeAll, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { http } from '../support/http';
import { basic, tokenRequest } from '../support/oauth';
import { haveRedisServer, TestRedis } from '../support/redis-server';

const describeRedis = haveRedisServer ? describe : describe.skip;
const LIMIT = 4;
const METRICS_TOKEN = 'redis-outage-metrics-token-0123456789';

type Client = Awaited<ReturnType<typeof createClient>>;

/**
 * Two instances on one PostgreSQL and a Redis of the test's own (port 6394), which the test kills and
 * restarts. While it is down every instance limits and revokes with its own state; once it is back they
 * share again, and revocations made during the outage reach the other instance from the database.
 */
describeRedis('Redis outage (a redis-server of its own on port 6394)', () => {
  const redis = new TestRedis(6394);
  let a: TestApp;
  let b: TestApp;
  let userId: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    await redis.start();
    [a, b] = await bootInstances(2, {
      REDIS_URL: redis.url,
      // One issuer for the deployment (behind one load balancer): a token from A is valid on B.
      ISSUER: 'http://iiniit.test',
      RATE_LIMIT_CLIENT: `${LIMIT}/1m`,
      // This file's own counters, whatever else shares the prefix of the run.
      RATE_LIMIT_KEY_PREFIX: `iiniit:rl:redis-outage-${randomUUID().slice(0, 8)}:`,
      METRICS_TOKEN,
      JANITOR_ENABLED: 'false',
    });
    userId = (await createUser(a.app)).id;
    for (let i = 0; i < 4; i++) {
      clients.push(await createClient(a.app, { grantTypes: ['client_credentials'], redirectUris: [] }));
    }
  }, 60_000);

  afterAll(async () => {
    await closeAll(a, b);
    await redis.kill();
  }, 30_000);

  const cc = async (t: TestApp, c: Client): Promise<number> => {
    const started = Date.now();
    const res = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials' },
      { authorization: basic(c.clientId, c.clientSecret!) },
    );
    // Never waits on a Redis that is gone.
    expect(Date.now() - started).toBeLessThan(2_000);
    return res.status;
  };

  /** A user's access token for `c`, straight from the issuer (signed with the key every instance shares). */
  const userToken = async (c: Client): Promise<string> =>
    (
      await a.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: c.clientId, scopes: ['read:user'] })
    ).token;

  const userStatus = async (t: TestApp, token: string): Promise<number> =>
    (await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${token}` } })).status;

  const revoke = async (t: TestApp, c: Client, token: string): Promise<void> => {
    const started = Date.now();
    const res = await http(`${t.url}/oauth2/revoke`, {
      method: 'POST',
      form: { token, token_type_hint: 'access_token' },
      headers: { authorization: basic(c.clientId, c.clientSecret!) },
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
  };

  const scrape = async (t: TestApp): Promise<string> => {
    const res = await http(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text;
  };
  const sample = (text: string, name: string, labels: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('with Redis up, limits are shared: requests on A and B draw from one budget', async () => {
    const c = clients[0];
    for (let i = 0; i < LIMIT; i++) expect(await cc(i % 2 ? b : a, c)).toBe(200);
    expect(await cc(a, c)).toBe(429);
    expect(await cc(b, c)).toBe(429);
    expect(sample(await scrape(a), 'iiniit_redis_connected', 'connection="rate_limit"')).toBe(1);
  });

  it('Redis killed: limits hold per instance, revocation works where it was made, nothing hangs or fails', async () => {
    const c = clients[1];
    const revoker = clients[2];
    const token = await userToken(revoker);
    expect(await userStatus(a, token)).toBe(200);
    expect(await userStatus(b, token)).toBe(200);
    // An API key B has verified and cached.
    const key = await createApiKey(a.app, userId);
    expect((await http(`${b.url}/v1/projects`, { headers: withKey(key.key) })).status).toBe(200);
    const session = await signInAs(a.app, userId);
    const before = await scrape(a);
    const fallbacksBefore = sample(before, 'iiniit_redis_fallback_total', 'component="rate_limit"') ?? 0;

    await redis.kill();

    // Each instance counts on its own: LIMIT on A, then LIMIT more on B, and each refuses past its own.
    for (let i = 0; i < LIMIT; i++) expect(await cc(a, c)).toBe(200);
    expect(await cc(a, c)).toBe(429);
    for (let i = 0; i < LIMIT; i++) expect(await cc(b, c)).toBe(200);
    expect(await cc(b, c)).toBe(429);

    // RFC 7009 revocation still answers (the database write is what counts) and applies on A at once.
    await revoke(a, revoker, token);
    expect(await userStatus(a, token)).toBe(401);
    // Deleting the API key on A applies there at once; the invalidation for B cannot be published.
    const deleted = await http(`${a.url}/v1/api-keys/${key.id}`, {
      method: 'DELETE',
      headers: session.headers,
    });
    expect(deleted.status).toBe(204);
    expect((await http(`${a.url}/v1/projects`, { headers: withKey(key.key) })).status).toBe(401);
    // Health stays up; the process serves on.
    expect((await http(`${a.url}/health`)).status).toBe(200);

    const during = await scrape(a);
    expect(sample(during, 'iiniit_redis_connected', 'connection="rate_limit"')).toBe(0);
    expect(sample(during, 'iiniit_redis_fallback_total', 'component="rate_limit"')).toBeGreaterThan(
      fallbacksBefore,
    );
    expect(sample(during, 'iiniit_redis_fallback_total', 'component="change_feed"')).toBeGreaterThan(0);

    // Stays revoked on A while Redis is still away (a later token for the same client still works).
    expect(await userStatus(a, token)).toBe(401);
    expect(await userStatus(a, await userToken(revoker))).toBe(200);
    (globalThis as { revokedDuringOutage?: string }).revokedDuringOutage = token;
    (globalThis as { deletedKeyDuringOutage?: string }).deletedKeyDuringOutage = key.key;
  }, 30_000);

  it('Redis back: the revocation made during the outage reaches B, and limits are shared again', async () => {
    const token = (globalThis as { revokedDuringOutage?: string }).revokedDuringOutage!;
    expect(token).toBeDefined();
    await redis.start();
    // ioredis reconnects with a back-off of at most 2 s; B catches up from the database once subscribed.
    const ms = await eventually(async () => (await userStatus(b, token)) === 401, 10_000);
    console.log(`revocation made during the Redis outage reached the other instance ${ms} ms after restart`);
    // B's read caches start afresh once subscribed again: the key deleted on A is refused there too,
    // well before the cache's 30 s TTL.
    const deletedKey = (globalThis as { deletedKeyDuringOutage?: string }).deletedKeyDuringOutage!;
    await eventually(
      async () => (await http(`${b.url}/v1/projects`, { headers: withKey(deletedKey) })).status === 401,
      5_000,
    );
    await eventually(
      async () => sample(await scrape(a), 'iiniit_redis_connected', 'connection="rate_limit"') === 1,
      10_000,
    );

    const c = clients[3];
    for (let i = 0; i < LIMIT; i++) expect(await cc(i % 2 ? b : a, c)).toBe(200);
    expect(await cc(a, c)).toBe(429);
    expect(await cc(b, c)).toBe(429);

    // The change feed carries revocations again: one made on B applies on A within a second.
    const live = await userToken(clients[2]);
    expect(await userStatus(a, live)).toBe(200);
    await revoke(b, clients[2], live);
    await eventually(async () => (await userStatus(a, live)) === 401, 1_000);
  }, 30_000);
});
