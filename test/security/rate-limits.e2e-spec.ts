import { ipBucket } from '../../src/platform/rate-limit/rate-limiter.service';
import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { createApiKey, withKey } from '../factories/api-keys';
import { createClient } from '../factories/clients';
import { createUser, TEST_PASSWORD, uniqueEmail } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { http } from '../support/http';
import { basic, tokenRequest } from '../support/oauth';
import { loginForm, rateLimitHeaders } from './support';

// These specs test the per-process (memory) counters: a REDIS_URL inherited from CI would share them with
// every other test file logging in from 127.0.0.1 at the same time. redis.e2e-spec covers Redis.
const inheritedRedisUrl = process.env.REDIS_URL;
beforeAll(() => {
  delete process.env.REDIS_URL;
});
afterAll(() => {
  if (inheritedRedisUrl !== undefined) process.env.REDIS_URL = inheritedRedisUrl;
});

/** Rate limits on the in-memory storage (no REDIS_URL); redis.e2e-spec covers the shared one. */
describe('rate limits (memory storage)', () => {
  describe('sign-in', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({
        RATE_LIMIT_LOGIN_ACCOUNT: '10/1m',
        RATE_LIMIT_LOGIN_IP: '70/1m',
        LOGIN_LOCKOUT_THRESHOLD: '0', // lockout has its own spec: here only the counters
      });
    });
    afterAll(() => t.close());

    it('lets exactly 10 of 50 parallel wrong passwords for one account through, the rest get 429', async () => {
      const user = await createUser(t.app);
      const { attempt } = await loginForm(t.url);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => attempt(user.email, 'wrong-password')),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40);
      const limited = results.find((r) => r.status === 429)!;
      expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
      expect(limited.text).toContain('Too many sign-in attempts');
      expect(limited.text).toContain('action="/auth/login"');
      const headers = rateLimitHeaders(limited);
      expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(headers['ratelimit-limit']).toBe('10');
      expect(headers['ratelimit-remaining']).toBe('0');
      expect(Number(headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
      // The right password is refused too while the account's window lasts: the limit is per account.
      expect((await attempt(user.email, user.password)).status).toBe(429);
      // Case and spaces do not make a new account key.
      expect((await attempt(` ${user.email.toUpperCase()} `, 'x')).status).toBe(429);
    });

    it('counts unknown emails the same way (no existence signal) and per IP across accounts', async () => {
      const { attempt } = await loginForm(t.url);
      const ghost = uniqueEmail('ghost');
      const first = await Promise.all(Array.from({ length: 11 }, () => attempt(ghost, 'nope')));
      expect(first.map((r) => r.status).sort()).toEqual([...Array(10).fill(401), 429]);
      // The IP bucket (70/min) holds the 50 + 2 + 11 attempts above: 7 more, whatever the account.
      const statuses: number[] = [];
      for (let i = 0; i < 9; i++) statuses.push((await attempt(uniqueEmail('other'), 'nope')).status);
      expect(statuses).toEqual([...Array(7).fill(401), 429, 429]);
      const last = await attempt(uniqueEmail('other'), 'nope');
      expect(last.headers.get('ratelimit-limit')).toBe('70');
    });
  });

  describe('sign-in successes', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ RATE_LIMIT_LOGIN_ACCOUNT: '3/1m', RATE_LIMIT_LOGIN_IP: '5/1m' });
    });
    afterAll(() => t.close());

    it('give their attempt back: the limits count failed attempts, not people signing in', async () => {
      const user = await createUser(t.app);
      const { attempt } = await loginForm(t.url);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await attempt(user.email, user.password)).status);
      for (let i = 0; i < 4; i++) statuses.push((await attempt(user.email, 'wrong')).status);
      expect(statuses).toEqual([...Array(8).fill(303), 401, 401, 401, 429]);
    });
  });

  describe('sign-up', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ RATE_LIMIT_SIGNUP_IP: '3/1h' });
    });
    afterAll(() => t.close());

    it('allows 3 sign-ups per IP per hour, then shows the sign-up page with 429', async () => {
      const browser = new Browser(t.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const page = await browser.get('/auth/signup');
        const result = await browser.submit(page, { email: uniqueEmail('signup'), password: TEST_PASSWORD });
        statuses.push(result.status);
        if (result.status === 303) await browser.post('/auth/logout', {});
        if (i === 3) {
          expect(result.headers.get('content-type')).toMatch(/^text\/html/);
          expect(result.text).toContain('Too many accounts were created from your network');
          expect(result.text).toContain('action="/auth/signup"');
          expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(3000);
        }
      }
      expect(statuses).toEqual([303, 303, 303, 429]);
    });
  });

  describe('token, introspection and revocation endpoints', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({
        RATE_LIMIT_CLIENT: '20/1m',
        RATE_LIMIT_CLIENT_FAILURE_WEIGHT: '10',
        RATE_LIMIT_CLIENT_AUTH_FAILURES_IP: '1000/1m',
      });
    });
    afterAll(() => t.close());

    it('limits each client_id; 429 is an RFC 6749-shaped JSON error with the rate-limit headers', async () => {
      const { clientId, clientSecret } = await createClient(t.app, {
        grantTypes: ['client_credentials'],
        scopes: ['read:user'],
      });
      const auth = { authorization: basic(clientId, clientSecret!) };
      const form = { grant_type: 'client_credentials', scope: 'read:user' };
      const results = await Promise.all(Array.from({ length: 30 }, () => tokenRequest(t.url, form, auth)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(20);
      const limited = results.filter((r) => r.status === 429);
      expect(limited).toHaveLength(10);
      expect(limited[0].json).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
      expect(limited[0].headers.get('content-type')).toMatch(/^application\/json/);
      expect(limited[0].headers.get('cache-control')).toBe('no-store');
      expect(rateLimitHeaders(limited[0])).toMatchObject({
        'ratelimit-limit': '20',
        'ratelimit-remaining': '0',
      });
      // Introspection and revocation share the client's bucket.
      const introspect = await http(`${t.url}/oauth2/introspect`, {
        method: 'POST',
        form: { token: 'x' },
        headers: auth,
      });
      expect(introspect.status).toBe(429);
      const revoke = await http(`${t.url}/oauth2/revoke`, {
        method: 'POST',
        form: { token: 'x' },
        headers: auth,
      });
      expect(revoke.status).toBe(429);
      // Successful responses announce what is left.
      const other = await createClient(t.app, { grantTypes: ['client_credentials'], scopes: ['read:user'] });
      const ok = await tokenRequest(t.url, form, {
        authorization: basic(other.clientId, other.clientSecret!),
      });
      expect(ok.status).toBe(200);
      expect(rateLimitHeaders(ok)).toMatchObject({ 'ratelimit-limit': '20', 'ratelimit-remaining': '19' });
    });

    it('counts a failed client authentication 10 times against the client_id', async () => {
      const { clientId, clientSecret } = await createClient(t.app, {
        grantTypes: ['client_credentials'],
        scopes: ['read:user'],
      });
      const form = { grant_type: 'client_credentials', scope: 'read:user' };
      const bad = await tokenRequest(t.url, form, { authorization: basic(clientId, 'wrong-secret') });
      expect(bad.status).toBe(401);
      expect(bad.json.error).toBe('invalid_client');
      // 1 + 9 more = 10 of 20: the next 10 good requests pass, the 11th is refused.
      const good = { authorization: basic(clientId, clientSecret!) };
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await tokenRequest(t.url, form, good)).status);
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
    });
  });

  describe('failed client authentication per IP', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ RATE_LIMIT_CLIENT_AUTH_FAILURES_IP: '5/1m' });
    });
    afterAll(() => t.close());

    it('after 5 failures from one address, even a valid client waits (guessing many client ids)', async () => {
      const form = { grant_type: 'client_credentials' };
      for (let i = 0; i < 5; i++) {
        const r = await tokenRequest(t.url, form, { authorization: basic(`guess-${i}`, 'secret') });
        expect(r.status).toBe(401);
      }
      const { clientId, clientSecret } = await createClient(t.app, {
        grantTypes: ['client_credentials'],
        scopes: ['read:user'],
      });
      const blocked = await tokenRequest(t.url, form, { authorization: basic(clientId, clientSecret!) });
      expect(blocked.status).toBe(429);
      expect(blocked.json.error).toBe('too_many_requests');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const introspect = await http(`${t.url}/oauth2/introspect`, {
        method: 'POST',
        form: { token: 'x', client_id: 'a', client_secret: 'b' },
      });
      expect(introspect.status).toBe(429);
    });
  });

  describe('resource API', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ RATE_LIMIT_API: '15/1m', RATE_LIMIT_API_AUTH_FAILURES_IP: '8/1m' });
    });
    afterAll(() => t.close());

    it('limits each credential separately, after authentication', async () => {
      const user = await createUser(t.app);
      const tokens = t.app.get(AccessTokensService);
      const a = await tokens.issue({
        subject: user.id,
        clientId: (await createClient(t.app)).clientId,
        scopes: ['read:user'],
      });
      const b = await tokens.issue({
        subject: user.id,
        clientId: (await createClient(t.app)).clientId,
        scopes: ['read:user'],
      });
      const key = await createApiKey(t.app, user.id);
      const get = (headers: Record<string, string>) => http(`${t.url}/v1/user`, { headers });
      const bearerA = { authorization: `Bearer ${a.token}` };
      const results = await Promise.all(Array.from({ length: 20 }, () => get(bearerA)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(15);
      const limited = results.filter((r) => r.status === 429);
      expect(limited).toHaveLength(5);
      expect(limited[0].json.error).toBe('too_many_requests');
      expect(rateLimitHeaders(limited[0])).toMatchObject({
        'ratelimit-limit': '15',
        'ratelimit-remaining': '0',
      });
      const ok = results.find((r) => r.status === 200)!;
      expect(ok.headers.get('ratelimit-limit')).toBe('15');
      // Another app acting for the same user, and an API key, have their own buckets.
      expect((await get({ authorization: `Bearer ${b.token}` })).status).toBe(200);
      expect((await get(withKey(key.key))).status).toBe(200);
    });

    it('limits missing and invalid credentials per IP, then refuses before verifying anything', async () => {
      const user = await createUser(t.app);
      const valid = await t.app
        .get(AccessTokensService)
        .issue({ subject: user.id, clientId: (await createClient(t.app)).clientId, scopes: ['read:user'] });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const headers: Record<string, string> =
          i % 2 ? { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' } : {};
        statuses.push((await http(`${t.url}/v1/user`, { headers })).status);
      }
      expect(statuses).toEqual(Array(8).fill(401));
      const after = await http(`${t.url}/v1/user`, { headers: { 'x-api-key': 'iik_test_junk' } });
      expect(after.status).toBe(429);
      // A valid credential from this address waits too: otherwise the limit would not stop guessing.
      const blocked = await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${valid.token}` } });
      expect(blocked.status).toBe(429);
      expect(blocked.json.error).toBe('too_many_requests');
    });
  });

  describe('limits set to 0', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ RATE_LIMIT_API: '0', RATE_LIMIT_LOGIN_ACCOUNT: 'off' });
    });
    afterAll(() => t.close());

    it('are off: no counting, no headers', async () => {
      const user = await createUser(t.app);
      const token = await t.app
        .get(AccessTokensService)
        .issue({ subject: user.id, clientId: (await createClient(t.app)).clientId, scopes: ['read:user'] });
      const r = await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${token.token}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBeNull();
    });
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:ffff::5', '2001:db8:0:0::/64'],
    ['2001:DB8:aa:bb:cc:dd:ee:ff', '2001:db8:aa:bb::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('per-IP buckets: %s counts as %s (IPv6 by /64)', (ip, bucket) => {
    expect(ipBucket(ip)).toBe(bucket);
  });
});
