import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';

import { AuditEvent } from '../../src/audit/audit-event.entity';
import { createApiKey, withKey } from '../factories/api-keys';
import { createUser, uniqueEmail } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http } from '../support/http';
import { loginForm, uniqueId } from './support';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** With REDIS_URL every instance shares the counters (Lua: INCRBY + PEXPIRE + block, atomic). */
describe('rate limits shared through Redis', () => {
  // A fresh key prefix per run: nothing left in Redis by an earlier run (or a parallel spec) interferes.
  const prefix = `${uniqueId('test')}:rl:`;
  const env = {
    REDIS_URL,
    RATE_LIMIT_KEY_PREFIX: prefix,
    RATE_LIMIT_LOGIN_ACCOUNT: '10/1m',
    RATE_LIMIT_LOGIN_IP: '1000/1m',
    RATE_LIMIT_API: '10/1m',
    LOGIN_LOCKOUT_THRESHOLD: '0',
  };
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    [a, b] = await Promise.all([bootApp(env), bootApp(env)]);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await Promise.all([a.close(), b.close()]);
  });

  it('one account limit across two instances: half the attempts on A, half on B, then 429 on both', async () => {
    const user = await createUser(a.app);
    const [onA, onB] = await Promise.all([loginForm(a.url), loginForm(b.url)]);
    const first = await Promise.all([
      ...Array.from({ length: 5 }, () => onA.attempt(user.email, 'wrong')),
      ...Array.from({ length: 5 }, () => onB.attempt(user.email, 'wrong')),
    ]);
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(401));
    const [nextA, nextB] = [await onA.attempt(user.email, 'wrong'), await onB.attempt(user.email, 'wrong')];
    expect([nextA.status, nextB.status]).toEqual([429, 429]);
    expect(nextB.headers.get('ratelimit-limit')).toBe('10');
    expect(Number(nextB.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('a burst of 50 parallel wrong passwords split over both instances: exactly 10 are checked', async () => {
    const email = uniqueEmail('burst');
    const [onA, onB] = await Promise.all([loginForm(a.url), loginForm(b.url)]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? onA : onB).attempt(email, `guess-${i}`)),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(40);
  });

  it('a successful sign-in gives its attempt back (Lua DECRBY), on either instance', async () => {
    const user = await createUser(a.app);
    const [onA, onB] = await Promise.all([loginForm(a.url), loginForm(b.url)]);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await (i % 2 ? onA : onB).attempt(user.email, user.password)).status);
    }
    expect(statuses).toEqual(Array(12).fill(303));
  });

  it('one credential limit on the resource API across both instances', async () => {
    const user = await createUser(a.app);
    const key = await createApiKey(a.app, user.id);
    const get = (t: TestApp) => http(`${t.url}/v1/user`, { headers: withKey(key.key) });
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => get(a)),
      ...Array.from({ length: 6 }, () => get(b)),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(2);
  });

  it('keys carry the prefix and a hash, never an email or IP in clear, and expire', async () => {
    const email = uniqueEmail('keys');
    const { attempt } = await loginForm(a.url);
    await attempt(email, 'wrong');
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatch(
        new RegExp(
          `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\{[a-z_]+:[A-Za-z0-9_-]{22}\\}(:block)?$`,
        ),
      );
      expect(k).not.toContain('@');
      expect(k).not.toContain('127.0.0.1');
      expect(await redis.pttl(k)).toBeGreaterThan(0);
    }
  });

  describe('lockout', () => {
    let c: TestApp;
    let d: TestApp;
    beforeAll(async () => {
      const lockEnv = {
        ...env,
        RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
        LOGIN_LOCKOUT_THRESHOLD: '5',
        LOGIN_LOCKOUT_BASE_DELAY: '60',
      };
      [c, d] = await Promise.all([bootApp(lockEnv), bootApp(lockEnv)]);
    });
    afterAll(() => Promise.all([c.close(), d.close()]));

    it('50 parallel wrong passwords over two instances: exactly 5 are checked, then the account waits', async () => {
      const user = await createUser(c.app);
      const [onC, onD] = await Promise.all([loginForm(c.url), loginForm(d.url)]);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? onC : onD).attempt(user.email, `guess-${i}`)),
      );
      expect(results.every((r) => r.status === 401)).toBe(true);
      const rows = await c.app
        .get(DataSource)
        .getRepository(AuditEvent)
        .createQueryBuilder('e')
        .where(`e.type = 'sign_in.failed' AND e.details->>'email' = :email`, { email: user.email })
        .getMany();
      expect(rows).toHaveLength(50);
      expect(rows.filter((r) => (r.details as { locked?: boolean }).locked !== true)).toHaveLength(5);
      expect((await onD.attempt(user.email, user.password)).status).toBe(401);
      expect((await onC.attempt(user.email, user.password)).status).toBe(401);
    });
  });

  it('without a reachable Redis, limits still hold per instance (in-memory fallback)', async () => {
    const t = await bootApp({ ...env, REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_LOGIN_ACCOUNT: '3/1m' });
    try {
      const { attempt } = await loginForm(t.url);
      const email = uniqueEmail('fallback');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await attempt(email, 'wrong')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});
