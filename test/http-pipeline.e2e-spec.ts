import { bootApp, type TestApp } from './support/app';
import { type RunningServer, startServer } from './support/server';

/**
 * The HTTP pipeline every response goes through: security headers (once @fastify/helmet's, now one
 * precomputed hook: the values below are what helmet sent), X-Request-Id, and the request log.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const API_CSP = "default-src 'none';frame-ancestors 'none'";
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const HSTS = 'max-age=31536000; includeSubDomains';

/** Every response's security headers (helmet 8's set with our options), HSTS aside. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': API_CSP,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** Headers that are not security headers: whatever else a response carries is asserted exactly. */
const OTHER = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'x-request-id',
  'cache-control',
  'set-cookie',
  'www-authenticate',
  'etag',
  'last-modified',
  'accept-ranges',
  'vary',
]);

function securityHeadersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of res.headers) if (!OTHER.has(name)) out[name] = value;
  return out;
}

async function get(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(base + path, { redirect: 'manual', ...init });
  await res.arrayBuffer();
  return res;
}

describe('HTTP pipeline: security headers and X-Request-Id', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('sends the full security header set on JSON routes, errors included, and no HSTS over http', async () => {
    for (const path of ['/health', '/.well-known/jwks.json', '/nope', '/v1/user']) {
      const res = await get(t.url, path);
      expect({ path, headers: securityHeadersOf(res) }).toEqual({ path, headers: SECURITY_HEADERS });
    }
    const badJson = await get(t.url, '/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    expect(securityHeadersOf(badJson)).toEqual(SECURITY_HEADERS);
  });

  it('lets an HTML page’s own CSP and X-Frame-Options win over the API defaults', async () => {
    const res = await get(t.url, '/auth/login');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(securityHeadersOf(res)).toEqual({
      ...SECURITY_HEADERS,
      'content-security-policy': PAGE_CSP,
      'x-frame-options': 'DENY',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('gives /docs, its JSON and its assets the docs CSP, and an unknown asset the API one', async () => {
    for (const [path, init] of [
      ['/docs', {}],
      ['/docs/json', {}],
      ['/docs/json', { method: 'HEAD' }],
      ['/docs/swagger-ui.css', {}],
    ] as const) {
      const res = await get(t.url, path, init);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect({ path, headers: securityHeadersOf(res) }).toEqual({
        path,
        headers: { ...SECURITY_HEADERS, 'content-security-policy': DOCS_CSP },
      });
    }
    const missing = await get(t.url, '/docs/no-such-asset.css');
    expect(missing.status).toBe(404);
    expect(securityHeadersOf(missing)).toEqual(SECURITY_HEADERS);
  });

  it('echoes a plain X-Request-Id, replaces anything else with a fresh UUID', async () => {
    const echoed = await get(t.url, '/health', { headers: { 'x-request-id': 'abc-123.X_y' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123.X_y');

    const ids = new Set<string>();
    for (const header of [undefined, 'bad id!', 'x'.repeat(65), 'a\tb']) {
      const res = await get(t.url, '/nope', {
        headers: header === undefined ? {} : { 'x-request-id': header },
      });
      const id = res.headers.get('x-request-id')!;
      expect(id).toMatch(UUID);
      ids.add(id);
    }
    expect(ids.size).toBe(4);
  });

  it('names the request on a CORS preflight answered before the routes too', async () => {
    const res = await get(t.url, '/.well-known/jwks.json', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://elsewhere.example',
        'access-control-request-method': 'GET',
        'x-request-id': 'preflight-1',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-request-id')).toBe('preflight-1');
  });
});

describe('HTTP pipeline: HSTS', () => {
  it.each([
    ['an https issuer', { ISSUER: 'https://id.example.test' }],
    ['TRUST_PROXY (TLS ends at the proxy)', { TRUST_PROXY: 'true' }],
  ])('is sent with %s, on every kind of response', async (_label, env) => {
    const t = await bootApp(env);
    try {
      for (const path of ['/health', '/auth/login', '/docs', '/nope']) {
        const res = await get(t.url, path);
        expect({ path, hsts: res.headers.get('strict-transport-security') }).toEqual({ path, hsts: HSTS });
      }
    } finally {
      await t.close();
    }
  });
});

/**
 * The real server (src/main.ts, compiled on the fly like test/support/cli.ts) at LOG_LEVEL=info: what an
 * operator reads on stdout.
 */
describe('HTTP pipeline: request log at LOG_LEVEL=info', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: 'info', WORKERS: '1' });
  }, 60_000);

  afterAll(() => server?.stop());

  function jsonLines(): Record<string, unknown>[] {
    return server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async function linesFor(reqId: string, expected: number): Promise<Record<string, unknown>[]> {
    // The line is written once the response has finished, which the client may see first.
    for (let i = 0; i < 100; i++) {
      const lines = jsonLines().filter((l) => l.reqId === reqId);
      if (lines.length >= expected) return lines;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return jsonLines().filter((l) => l.reqId === reqId);
  }

  it('writes one JSON line per request, without credentials, and none for /health', async () => {
    const secretQuery = await get(
      server.url,
      '/oauth2/authorize?client_id=app&code=SECRET-CODE&token=SECRET-TOKEN&state=s1',
      {
        headers: {
          'x-request-id': 'log-1',
          authorization: 'Bearer SECRET-AUTHORIZATION',
          cookie: 'iiniit_session=SECRET-COOKIE',
          'x-api-key': 'SECRET-API-KEY',
        },
      },
    );
    expect(secretQuery.headers.get('x-request-id')).toBe('log-1');
    const bearer = await get(server.url, '/v1/user', {
      headers: { 'x-request-id': 'log-2', authorization: 'Bearer SECRET-BEARER' },
    });
    expect(bearer.status).toBe(401);
    const form = await get(server.url, '/oauth2/token', {
      method: 'POST',
      headers: { 'x-request-id': 'log-3', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=x&client_secret=SECRET-BODY',
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    await get(server.url, '/health', { headers: { 'x-request-id': 'log-health' } });

    const [first] = await linesFor('log-1', 1);
    expect(first).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: expect.any(Number),
      hostname: expect.any(String),
      reqId: 'log-1',
      method: 'GET',
      url: '/oauth2/authorize?client_id=app&code=%5BREDACTED%5D&token=%5BREDACTED%5D&state=s1',
      statusCode: secretQuery.status,
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
    expect(await linesFor('log-2', 1)).toEqual([
      expect.objectContaining({ method: 'GET', url: '/v1/user', statusCode: 401, msg: 'request completed' }),
    ]);
    expect(await linesFor('log-3', 1)).toEqual([
      expect.objectContaining({ method: 'POST', url: '/oauth2/token', statusCode: form.status }),
    ]);
    // Exactly one line each (give a duplicate the time to show up), and nothing for /health.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const id of ['log-1', 'log-2', 'log-3']) {
      expect(jsonLines().filter((l) => l.reqId === id)).toHaveLength(1);
    }
    expect(jsonLines().filter((l) => l.reqId === 'log-health')).toEqual([]);
    expect(server.stdout()).not.toContain('SECRET');
  });

  it('keeps Nest’s own lines as JSON through the same logger', () => {
    expect(jsonLines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 30,
          context: 'NestApplication',
          msg: 'Nest application successfully started',
        }),
      ]),
    );
  });
});
