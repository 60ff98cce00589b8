import { connect } from 'node:net';

import { ConfigError, loadConfig } from '../../src/config/app-config';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http } from '../support/http';
import { authorizeUrl, basic } from '../support/oauth';
import { loginForm } from './support';

// These specs test the per-process (memory) counters: a REDIS_URL inherited from CI would share them with
// every other test file logging in from 127.0.0.1 at the same time. redis.e2e-spec covers Redis.
const inheritedRedisUrl = process.env.REDIS_URL;
beforeAll(() => {
  delete process.env.REDIS_URL;
});
afterAll(() => {
  if (inheritedRedisUrl !== undefined) process.env.REDIS_URL = inheritedRedisUrl;
});

/** Sends bytes as they are (fetch would refuse or fix malformed requests) and returns the raw answer. */
function raw(url: string, request: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
        headers: head,
        body: rest.join('\r\n\r\n'),
      });
    });
  });
}

describe('HTTP hardening', () => {
  describe('CORS with an allow-list', () => {
    const APP = 'https://app.example.com';
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ CORS_ORIGINS: `${APP}, https://other.example.org` });
    });
    afterAll(() => t.close());

    const preflight = (path: string, origin: string, method = 'POST') =>
      http(`${t.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization',
        },
      });

    it.each(['/oauth2/token', '/oauth2/revoke', '/v1/user', '/v1/projects', '/v1/projects/123'])(
      'answers the preflight for a listed origin on %s, never with credentials',
      async (path) => {
        const r = await preflight(path, APP);
        expect(r.status).toBe(204);
        expect(r.headers.get('access-control-allow-origin')).toBe(APP);
        expect(r.headers.get('vary')).toMatch(/Origin/);
        expect(r.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
        expect(r.headers.get('access-control-allow-credentials')).toBeNull();
      },
    );

    it.each([
      'https://evil.example.com',
      'https://app.example.com.evil.com',
      'http://app.example.com',
      'https://APP.example.com',
      'null',
    ])('refuses the preflight from %s and never reflects it', async (origin) => {
      const r = await preflight('/oauth2/token', origin);
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ error: 'forbidden', error_description: expect.any(String) });
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      const actual = await http(`${t.url}/v1/user`, { headers: { origin } });
      expect(actual.status).toBe(401);
      expect(actual.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('adds the CORS headers to actual responses for a listed origin (token endpoint, API errors too)', async () => {
      const { clientId, clientSecret } = await createClient(t.app, { grantTypes: ['client_credentials'] });
      const token = await http(`${t.url}/oauth2/token`, {
        method: 'POST',
        form: { grant_type: 'client_credentials', scope: 'read:user' },
        headers: { origin: APP, authorization: basic(clientId, clientSecret!) },
      });
      expect(token.status).toBe(200);
      expect(token.headers.get('access-control-allow-origin')).toBe(APP);
      expect(token.headers.get('access-control-allow-credentials')).toBeNull();
      const api = await http(`${t.url}/v1/user`, { headers: { origin: APP } });
      expect(api.status).toBe(401);
      expect(api.headers.get('access-control-allow-origin')).toBe(APP);
      expect(api.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/);
    });

    it.each([
      ['GET', '/auth/login'],
      ['POST', '/auth/login'],
      ['GET', '/auth/consent'],
      ['GET', '/oauth2/authorize'],
      ['POST', '/oauth2/introspect'],
      ['GET', '/v1/clients'],
      ['GET', '/console'],
    ])('never does CORS on %s %s, even for a listed origin', async (method, path) => {
      const pre = await preflight(path, APP, method);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      expect(pre.status).toBeGreaterThanOrEqual(400);
      const actual = await http(`${t.url}${path}`, { method, headers: { origin: APP } });
      expect(actual.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('serves /.well-known documents to every origin, without credentials', async () => {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/jwks.json']) {
        const r = await http(`${t.url}${path}`, { headers: { origin: 'https://anyone.example' } });
        expect(r.status).toBe(200);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        expect(r.headers.get('access-control-allow-credentials')).toBeNull();
        const pre = await preflight(path, 'https://anyone.example', 'GET');
        expect(pre.status).toBe(204);
        expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      }
    });
  });

  describe('defaults', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp();
    });
    afterAll(() => t.close());

    it('no CORS_ORIGINS: no CORS on the API or the token endpoint', async () => {
      const api = await http(`${t.url}/v1/user`, { headers: { origin: 'https://app.example.com' } });
      expect(api.headers.get('access-control-allow-origin')).toBeNull();
      const pre = await http(`${t.url}/oauth2/token`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      });
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('no HSTS on a plain-http issuer without a proxy', async () => {
      expect((await http(`${t.url}/health`)).headers.get('strict-transport-security')).toBeNull();
    });

    it('headers over 16 KiB: 431 with a JSON error, not a 500', async () => {
      const r = await raw(t.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(r.status).toBe(431);
      expect(r.headers).toMatch(/content-type: application\/json/i);
      expect(JSON.parse(r.body)).toEqual({
        error: 'header_fields_too_large',
        error_description: expect.any(String),
      });
    });

    it('malformed HTTP (a bare CR in a header value): 400 with a JSON error', async () => {
      const r = await raw(
        t.url,
        `GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rSet-Cookie: x=1\r\n\r\n`,
      );
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toBe('invalid_request');
      expect(r.headers).not.toMatch(/set-cookie/i);
    });

    it('an over-long path parameter is a 4xx JSON error', async () => {
      const r = await http(`${t.url}/v1/projects/${'a'.repeat(500)}`);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(typeof r.json.error).toBe('string');
    });

    it('NUL in values that reach PostgreSQL is a 400, not a 500 (found by the fuzzer)', async () => {
      const { attempt } = await loginForm(t.url);
      const login = await attempt('a\u0000@example.com', 'whatever-password');
      expect(login.status).toBe(400);
      expect(login.json.error).toBe('invalid_request');
      for (const path of ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke']) {
        const r = await http(`${t.url}${path}`, {
          method: 'POST',
          form: { grant_type: 'client_credentials', client_id: '\u0000', token: 'x' },
        });
        expect(r.status).toBe(400);
        expect(r.json.error).toBe('invalid_request');
      }
      const authorize = await http(`${t.url}/oauth2/authorize?response_type=code&client_id=%00`);
      expect(authorize.status).toBe(400);
    });

    it('OAuth parameters over 4096 characters and bodies over 64 KiB are refused', async () => {
      const long = await http(`${t.url}/oauth2/token`, {
        method: 'POST',
        form: { grant_type: 'client_credentials', scope: 'x'.repeat(5000) },
      });
      expect(long.status).toBe(400);
      expect(long.json.error).toBe('invalid_request');
      const huge = await http(`${t.url}/oauth2/token`, {
        method: 'POST',
        form: { grant_type: 'client_credentials', junk: 'x'.repeat(70_000) },
      });
      expect(huge.status).toBe(413);
      expect(typeof huge.json.error).toBe('string');
    });
  });

  describe('CR/LF never reaches a response header', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp();
    });
    afterAll(() => t.close());

    const injected = 'x\r\nSet-Cookie: injected=1\r\nX-Injected: 1';

    it('state with CR/LF is echoed percent-encoded in the redirect', async () => {
      const { clientId } = await createClient(t.app);
      const r = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, scope: 'nope:nope', state: injected })}`,
      );
      expect([302, 303]).toContain(r.status);
      expect(r.headers.get('x-injected')).toBeNull();
      expect(r.headers.getSetCookie().some((c) => c.startsWith('injected'))).toBe(false);
      const location = new URL(r.headers.get('location')!);
      expect(location.searchParams.get('state')).toBe(injected);
      expect(r.headers.get('location')).not.toMatch(/[\r\n]/);
    });

    it('redirect_uri with CR/LF is not registered: an error page, no redirect', async () => {
      const { clientId } = await createClient(t.app);
      const r = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: clientId, redirect_uri: `${REDIRECT_URI}${injected}` })}`,
      );
      expect(r.status).toBe(400);
      expect(r.headers.get('location')).toBeNull();
      expect(r.headers.get('x-injected')).toBeNull();
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    });

    it.each(['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke'])(
      '%s refuses control characters in a parameter with 400 invalid_request (RFC 6749 Appendix A)',
      async (path) => {
        const { clientId, clientSecret } = await createClient(t.app);
        const r = await http(`${t.url}${path}`, {
          method: 'POST',
          headers: { authorization: basic(clientId, clientSecret!) },
          form: { grant_type: 'client_credentials', token: 'a\u0000b', scope: 'read:user\nx' },
        });
        expect(r.status).toBe(400);
        expect(r.json).toMatchObject({ error: 'invalid_request' });
      },
    );

    it.each([
      [`/console${injected}`, '/console'],
      ['/\r\n/evil.example', '/console'],
      ['/projects/日本語?q=ü', '/projects/%E6%97%A5%E6%9C%AC%E8%AA%9E?q=%C3%BC'],
    ])('return_to %j after sign-in → Location %s', async (returnTo, location) => {
      const user = await createUser(t.app);
      const { browser } = await loginForm(t.url);
      const page = await browser.get(`/auth/login?return_to=${encodeURIComponent(returnTo)}`);
      const r = await browser.submit(page, { email: user.email, password: user.password });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(location);
      expect(r.headers.get('x-injected')).toBeNull();
    });
  });

  describe('HSTS', () => {
    it.each([
      [{ TRUST_PROXY: 'true' }, true],
      [{ ISSUER: 'https://id.example.com' }, true],
      [{}, false],
    ])('with %j: %s', async (env, expected) => {
      const t = await bootApp(env);
      try {
        const hsts = (await http(`${t.url}/health`)).headers.get('strict-transport-security');
        expect(hsts !== null).toBe(expected);
        if (expected) expect(hsts).toMatch(/max-age=31536000/);
      } finally {
        await t.close();
      }
    });
  });

  describe('configuration', () => {
    it.each([
      ['RATE_LIMIT_LOGIN_IP', 'lots'],
      ['RATE_LIMIT_LOGIN_IP', '10/0s'],
      ['RATE_LIMIT_LOGIN_IP', '10/2d'],
      ['RATE_LIMIT_LOGIN_IP', '10/'],
      ['RATE_LIMIT_API', '-1/1m'],
      ['RATE_LIMIT_CLIENT_FAILURE_WEIGHT', '0'],
      ['LOGIN_LOCKOUT_THRESHOLD', 'five'],
      ['LOGIN_LOCKOUT_MAX_DELAY', '0'],
      ['RATE_LIMIT_KEY_PREFIX', 'has space'],
      ['CORS_ORIGINS', '*'],
      ['CORS_ORIGINS', 'https://app.example.com/path'],
      ['CORS_ORIGINS', 'app.example.com'],
      ['CORS_ORIGINS', 'ftp://app.example.com'],
    ])('refuses %s=%j naming the variable', (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^config: ${name} `));
    });

    it('parses counts per window, "0"/"off", and exact origins', () => {
      const c = loadConfig({
        RATE_LIMIT_LOGIN_IP: '5/30s',
        RATE_LIMIT_SIGNUP_IP: '100/2h',
        RATE_LIMIT_API: 'off',
        RATE_LIMIT_CLIENT: '0',
        RATE_LIMIT_LOGIN_ACCOUNT: '7/m',
        CORS_ORIGINS: 'https://a.example.com/, http://localhost:5173',
      });
      expect(c.rateLimits.loginIp).toEqual({ limit: 5, windowSeconds: 30 });
      expect(c.rateLimits.signupIp).toEqual({ limit: 100, windowSeconds: 7200 });
      expect(c.rateLimits.api.limit).toBe(0);
      expect(c.rateLimits.client.limit).toBe(0);
      expect(c.rateLimits.loginAccount).toEqual({ limit: 7, windowSeconds: 60 });
      expect(c.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
      const d = loadConfig({});
      expect(d.rateLimits).toMatchObject({
        loginIp: { limit: 30, windowSeconds: 60 },
        loginAccount: { limit: 10, windowSeconds: 60 },
        signupIp: { limit: 10, windowSeconds: 3600 },
        client: { limit: 600, windowSeconds: 60 },
        api: { limit: 6000, windowSeconds: 60 },
      });
      expect(d.loginLockout).toEqual({
        threshold: 5,
        baseDelaySeconds: 1,
        maxDelaySeconds: 900,
        windowSeconds: 3600,
      });
      expect(d.corsOrigins).toEqual([]);
    });
  });
});
