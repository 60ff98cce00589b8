import fc from 'fast-check';

import { SessionsService } from '../../src/sessions/sessions.service';
import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { createApiKey } from '../factories/api-keys';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { createProject } from '../factories/projects';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';

// These specs test the per-process (memory) counters: a REDIS_URL inherited from CI would share them with
// every other test file logging in from 127.0.0.1 at the same time. redis.e2e-spec covers Redis.
const inheritedRedisUrl = process.env.REDIS_URL;
beforeAll(() => {
  delete process.env.REDIS_URL;
});
afterAll(() => {
  if (inheritedRedisUrl !== undefined) process.env.REDIS_URL = inheritedRedisUrl;
});

/**
 * Property-based fuzzing of every public endpoint with hostile input. Properties, per request:
 * no 5xx, no hang (5 s), no header injected from input, and every 4xx explains itself — JSON
 * `{ error: string }`, or an HTML page on the interactive routes.
 *
 * CI: a fixed seed and 400 runs (< 60 s). Longer: `FUZZ_RUNS=20000 npm run fuzz`; another corner of the
 * space: `FUZZ_SEED=<n>`. fast-check prints the smallest failing request and the seed/path to replay it.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 7_2026);
const REQUEST_TIMEOUT_MS = 5_000;
const TEST_TIMEOUT_MS = Math.max(120_000, RUNS * 60);

/** Interactive routes may answer errors with an HTML page; everything else must answer JSON. */
const HTML_ROUTES = /^\/(auth\/|oauth2\/authorize|console)/;

/** Every public endpoint with the methods it serves (the fuzzer mostly uses those, sometimes any). */
const ENDPOINTS: [string, string[]][] = [
  ['/oauth2/authorize', ['GET', 'POST']],
  ['/auth/login', ['GET', 'POST']],
  ['/auth/signup', ['GET', 'POST']],
  ['/auth/consent', ['GET', 'POST']],
  ['/auth/logout', ['POST']],
  ['/auth/session', ['GET']],
  ['/oauth2/token', ['POST']],
  ['/oauth2/introspect', ['POST']],
  ['/oauth2/revoke', ['POST']],
  ['/oauth2/par', ['POST']],
  ['/oauth2/register', ['POST']],
  ['/oauth2/register/:id', ['GET', 'PUT', 'DELETE']],
  ['/.well-known/oauth-protected-resource/v1', ['GET']],
  ['/.well-known/oauth-authorization-server', ['GET']],
  ['/.well-known/openid-configuration', ['GET']],
  ['/.well-known/jwks.json', ['GET']],
  ['/.well-known/oauth-protected-resource', ['GET']],
  ['/v1/user', ['GET']],
  ['/v1/projects', ['GET', 'POST']],
  ['/v1/projects/:id', ['GET', 'PATCH', 'DELETE']],
  ['/v1/clients', ['GET', 'POST']],
  ['/v1/clients/:id', ['GET', 'PATCH', 'DELETE']],
  ['/v1/clients/:id/secret', ['POST']],
  ['/v1/api-keys', ['GET', 'POST']],
  ['/v1/api-keys/:id', ['DELETE']],
  ['/v1/api-keys/:id/roll', ['POST']],
  ['/v1/authorizations', ['GET']],
  ['/v1/authorizations/:id', ['DELETE']],
  ['/health', ['GET']],
  ['/health/ready', ['GET']],
  ['/docs/json', ['GET']],
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** Percent-encodes anything (lone surrogates included, as U+FFFD), unlike encodeURIComponent. */
function pct(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

const b64url = (value: string) => Buffer.from(value).toString('base64url');

interface Fixtures {
  clientId: string;
  clientSecret: string;
  publicClientId: string;
  bearer: string;
  apiKey: string;
  sessionCookie: string;
  csrf: string;
  /** A signed-out browser's CSRF pair (cookie binding + form token), so login/sign-up forms get through. */
  preSessionCookie: string;
  preSessionCsrf: string;
  projectId: string;
  userEmail: string;
}

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
}

const INJECTED_HEADER = 'x-fuzz-injected';

function arbitraries(f: Fixtures) {
  const ascii = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  });
  const nasty = fc.constantFrom(
    '',
    ' ',
    'null',
    '0',
    '-1',
    '1e309',
    'NaN',
    'true',
    '[]',
    '{}',
    '%00',
    '%',
    '%zz',
    '%E0%A4%A',
    `\r\n${INJECTED_HEADER}: 1`,
    `%0d%0a${INJECTED_HEADER}:%201`,
    '../../etc/passwd',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '\u0000',
    '\ud800',
    '日本語',
    '😀'.repeat(10),
    'https://evil.example/cb',
    'javascript:alert(1)',
    '//evil.example',
    '/\\evil.example',
    '__proto__',
    'S256',
    'plain',
    'code',
    'token',
    'authorization_code',
    'client_credentials',
    'refresh_token',
    'approve',
    'deny',
    'read:user write:projects',
    'openid offline_access',
  );
  const real = fc.constantFrom(
    f.clientId,
    f.publicClientId,
    REDIRECT_URI,
    f.projectId,
    f.bearer,
    f.apiKey,
    f.csrf,
    f.preSessionCsrf,
    f.userEmail,
    f.clientSecret,
    'correct-horse-battery-staple',
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: ascii },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 3, arbitrary: nasty },
    { weight: 3, arbitrary: real },
    { weight: 1, arbitrary: fc.uuid() },
    // Huge values: over the 4096-character parameter limit, and towards the 64 KiB body limit.
    { weight: 1, arbitrary: fc.integer({ min: 2040, max: 9000 }).map((n) => 'x'.repeat(n)) },
  );
  const key = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'response_type',
        'client_id',
        'redirect_uri',
        'scope',
        'state',
        'code_challenge',
        'code_challenge_method',
        'grant_type',
        'code',
        'code_verifier',
        'refresh_token',
        'client_secret',
        'token',
        'token_type_hint',
        'email',
        'password',
        'name',
        'csrf_token',
        'return_to',
        'decision',
        'description',
        'redirect_uris',
        'scopes',
        'type',
        'expires_at',
        'cursor',
        'limit',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('scope[]', 'redirect_uri[x]', '__proto__', 'constructor', 'a[b][c]'),
    },
    { weight: 1, arbitrary: ascii },
  );
  const pairs = fc.array(fc.tuple(key, value), { maxLength: 8 });

  const jwtJunk = fc
    .record({
      alg: fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'ES512', 'PS256', ''),
      typ: fc.constantFrom('at+jwt', 'JWT', 'jwt', undefined),
      kid: fc.oneof(ascii, fc.constantFrom('../../../etc/passwd', 'x'.repeat(3000))),
      jku: fc.constantFrom(undefined, 'https://evil.example/jwks'),
      payload: fc.dictionary(
        fc.constantFrom('sub', 'iss', 'aud', 'exp', 'iat', 'scope', 'client_id', 'jti'),
        fc.jsonValue(),
      ),
      sig: fc.string({ maxLength: 90 }),
    })
    .map(
      ({ payload, sig, ...header }) =>
        `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(sig)}`,
    );

  const authorization = fc.oneof(
    jwtJunk.map((t) => `Bearer ${t}`),
    fc.constant(`Bearer ${f.bearer}`),
    fc.constant(`Bearer ${f.bearer.slice(0, -2)}AA`),
    ascii.map((s) => `Bearer ${s}`),
    fc.constant(
      `Basic ${Buffer.from(`${encodeURIComponent(f.clientId)}:${encodeURIComponent(f.clientSecret)}`).toString('base64')}`,
    ),
    fc.tuple(ascii, ascii).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`),
    fc.constantFrom('Basic !!!', 'Basic', 'Bearer', 'Bearer  ', 'Digest x', 'Negotiate abc', 'bearer a b c'),
    ascii,
  );
  const apiKey = fc.oneof(
    fc.constant(f.apiKey),
    fc.constant(`${f.apiKey.slice(0, -1)}x`),
    ascii.map((s) => `iik_test_${s}`),
    ascii,
  );
  const cookie = fc.oneof(
    fc.constant(f.sessionCookie),
    fc.constant(f.preSessionCookie),
    fc.constant(`${f.sessionCookie}; ${f.preSessionCookie}`),
    ascii.map((s) => `iiniit_session=${s}`),
    ascii.map((s) => `iiniit_csrf=${s}`),
    fc.constant(`iiniit_session=${'a'.repeat(5000)}`),
    ascii,
  );
  const contentType = fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=utf-16',
    'application/x-www-form-urlencoded; charset=latin1',
    'application/vnd.api+json',
    '*/*',
    'junk',
  );
  const headers = fc
    .record(
      {
        authorization,
        'x-api-key': apiKey,
        cookie,
        'x-csrf-token': fc.oneof(fc.constant(f.csrf), fc.constant(f.preSessionCsrf), ascii),
        origin: fc.constantFrom('https://app.example.com', 'https://evil.example', 'null'),
        'access-control-request-method': fc.constantFrom('POST', 'GET', 'DELETE'),
        accept: fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*'), ascii),
        'x-request-id': ascii,
        'user-agent': ascii,
      },
      { requiredKeys: [] },
    )
    .map(
      (h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => typeof v === 'string')) as Record<
          string,
          string
        >,
    );

  // Deep nesting (thousands of levels in a few kilobytes): recursive transformation and validation would
  // overflow the stack. Arrays, objects, a mix, and hidden in a field a DTO knows.
  const deepJson = fc
    .tuple(fc.integer({ min: 500, max: 5000 }), fc.constantFrom('array', 'object', 'mixed', 'field'))
    .map(([depth, shape]) => {
      const [open, inner, close] = {
        array: ['[', '', ']'],
        object: ['{"a":', '1', '}'],
        mixed: ['[{"x":', 'null', '}]'],
        field: ['{"name":[', '"n"', ']}'],
      }[shape];
      return open.repeat(depth) + inner + close.repeat(depth);
    });
  const json = fc.oneof(
    fc.dictionary(key, fc.oneof(value, fc.jsonValue())).map((o) => JSON.stringify(o)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constant('{"a":'.repeat(200)),
    fc.constant(`{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`),
    deepJson,
  );
  const form = pairs.map((p) => new URLSearchParams(p).toString());
  const junk = fc.string({ unit: 'binary', maxLength: 200 });
  const huge = fc.integer({ min: 60_000, max: 70_000 }).map((n) => `a=${'x'.repeat(n)}`);
  // Mostly a body with its own content type (to get past the parsers), sometimes a mismatched one.
  const body = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constant('application/x-www-form-urlencoded'), form) },
    { weight: 3, arbitrary: fc.tuple(fc.constant('application/json'), json) },
    { weight: 1, arbitrary: fc.tuple(contentType, fc.oneof(form, json, junk)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('application/x-www-form-urlencoded', 'application/json'), junk),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constant('application/x-www-form-urlencoded'), huge) },
  );
  const id = fc.oneof(
    fc.constant(f.projectId),
    fc.uuid(),
    ascii.map(pct),
    fc.constantFrom('%2e%2e%2f', '..%2F..%2Fetc', 'x'.repeat(300), '0', '-1', '%00', '%E6%97%A5'),
  );
  const query = fc.oneof(
    pairs.map((p) => (p.length ? `?${p.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}` : '')),
    fc.constantFrom(
      '?%',
      '?a=%zz&a=1&a=2',
      '?scope[]=a&scope[]=b',
      '?redirect_uri[x]=1',
      `?state=${'s'.repeat(2049)}`,
    ),
  );
  const unstructured = fc
    .record({
      route: fc.constantFrom(...ENDPOINTS).chain(([endpoint, methods]) =>
        fc.record({
          endpoint: fc.constant(endpoint),
          method: fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...methods) },
            fc.constantFrom(...METHODS),
          ),
        }),
      ),
      id,
      query,
      headers,
      body: fc.option(body, { nil: undefined }),
    })
    .map(({ route: { method, endpoint }, id: idValue, query: q, headers: h, body: b }): FuzzRequest => {
      const withBody = b !== undefined && method !== 'GET' && method !== 'HEAD';
      return {
        method,
        path: endpoint.replace(':id', idValue),
        query: q,
        headers: withBody ? { ...h, 'content-type': b[0] } : h,
        body: withBody ? b[1] : undefined,
      };
    });

  // Structured requests: a real form or API call with valid pieces most of the time and hostile values
  // in some fields, so the fuzzer gets past CSRF, client authentication and the guard into the code behind.
  const maybe = <T>(real: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 3, arbitrary: real }, { weight: 2, arbitrary: value });
  const pathLike = fc.oneof(
    fc.constant('/console'),
    value.map((v) => `/${v}`),
    value,
  );
  const emailLike = fc.oneof(fc.emailAddress(), fc.constant(f.userEmail), value);
  const formRequest = (
    method: string,
    path: string,
    cookie: string,
    fields: fc.Arbitrary<Record<string, string | undefined>>,
  ): fc.Arbitrary<FuzzRequest> =>
    fields.map((record) => ({
      method,
      path,
      query: '',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        Object.entries(record).filter((e): e is [string, string] => e[1] !== undefined),
      ).toString(),
    }));
  const jsonRequest = (
    method: string,
    path: fc.Arbitrary<string>,
    headers: Record<string, string>,
    payload: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<FuzzRequest> =>
    fc.tuple(path, payload).map(([p, body]) => ({
      method,
      path: p,
      query: '',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }));
  const anyJson = fc.oneof(value, fc.jsonValue(), fc.array(value, { maxLength: 12 }));
  const authorizeParams = fc.record(
    {
      response_type: maybe(fc.constant('code')),
      client_id: maybe(fc.constantFrom(f.clientId, f.publicClientId)),
      redirect_uri: maybe(fc.constant(REDIRECT_URI)),
      scope: maybe(fc.constantFrom('read:user', 'read:user read:projects', 'write:projects')),
      state: value,
      code_challenge: maybe(fc.constant('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')),
      code_challenge_method: maybe(fc.constant('S256')),
      nonce: value,
      prompt: value,
    },
    { requiredKeys: [] },
  );
  const bearer = { authorization: `Bearer ${f.bearer}` };
  const session = { cookie: f.sessionCookie, 'x-csrf-token': f.csrf };
  const structuredRequests = fc.oneof(
    formRequest(
      'POST',
      '/auth/login',
      f.preSessionCookie,
      fc.record({
        csrf_token: maybe(fc.constant(f.preSessionCsrf)),
        email: emailLike,
        password: maybe(fc.constant('correct-horse-battery-staple')),
        return_to: pathLike,
      }),
    ),
    pathLike.map((returnTo): FuzzRequest => ({
      method: 'GET',
      path: '/auth/login',
      query: `?return_to=${pct(returnTo)}`,
      headers: { cookie: f.sessionCookie },
    })),
    formRequest(
      'POST',
      '/auth/signup',
      f.preSessionCookie,
      fc.record({
        csrf_token: maybe(fc.constant(f.preSessionCsrf)),
        email: emailLike,
        password: value,
        name: value,
        return_to: pathLike,
      }),
    ),
    fc
      .tuple(fc.constantFrom('GET', 'POST'), authorizeParams, fc.boolean())
      .map(([method, params, signedIn]): FuzzRequest => {
        const query = new URLSearchParams(
          Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString();
        const cookie = signedIn ? f.sessionCookie : f.preSessionCookie;
        return method === 'GET'
          ? { method, path: '/oauth2/authorize', query: `?${query}`, headers: { cookie } }
          : {
              method,
              path: '/oauth2/authorize',
              query: '',
              headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
              body: query,
            };
      }),
    fc
      .tuple(authorizeParams, maybe(fc.constant(f.csrf)), maybe(fc.constantFrom('approve', 'deny')))
      .map(([params, csrf, decision]): FuzzRequest => ({
        method: 'POST',
        path: '/auth/consent',
        query: '',
        headers: { cookie: f.sessionCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...Object.fromEntries(
            Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
          ),
          csrf_token: csrf,
          decision,
        }).toString(),
      })),
    fc
      .tuple(
        fc.constantFrom('/oauth2/token', '/oauth2/introspect', '/oauth2/revoke', '/oauth2/authorize'),
        fc.record(
          {
            grant_type: maybe(fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials')),
            code: value,
            redirect_uri: maybe(fc.constant(REDIRECT_URI)),
            code_verifier: value,
            refresh_token: value,
            scope: maybe(fc.constantFrom('read:user', 'read:projects write:projects')),
            token: maybe(fc.constantFrom(f.bearer, f.apiKey)),
            token_type_hint: maybe(fc.constantFrom('access_token', 'refresh_token')),
            client_id: maybe(fc.constantFrom(f.clientId, f.publicClientId)),
            resource: value,
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
      )
      .map(([path, params, basicAuth]): FuzzRequest => ({
        method: 'POST',
        path,
        query: '',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(basicAuth
            ? {
                authorization: `Basic ${Buffer.from(`${encodeURIComponent(f.clientId)}:${encodeURIComponent(f.clientSecret)}`).toString('base64')}`,
              }
            : {}),
        },
        body: new URLSearchParams(
          Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
        ).toString(),
      })),
    fc
      .constantFrom('POST', 'PATCH')
      .chain((method) =>
        jsonRequest(
          method,
          method === 'POST' ? fc.constant('/v1/projects') : fc.constant(`/v1/projects/${f.projectId}`),
          bearer,
          fc.dictionary(fc.constantFrom('name', 'description', 'id', 'owner_id', 'extra'), anyJson),
        ),
      ),
    fc.tuple(fc.oneof(value, fc.integer().map(String)), value).map(([limit, cursor]): FuzzRequest => ({
      method: 'GET',
      path: '/v1/projects',
      query: `?limit=${pct(limit)}&cursor=${pct(cursor)}`,
      headers: bearer,
    })),
    jsonRequest(
      'POST',
      fc.constant('/v1/clients'),
      session,
      fc.dictionary(fc.constantFrom('name', 'type', 'redirect_uris', 'scopes', 'grant_types', 'x'), anyJson),
    ),
    jsonRequest(
      'POST',
      fc.constant('/v1/api-keys'),
      session,
      fc.dictionary(fc.constantFrom('name', 'scopes', 'expires_at', 'x'), anyJson),
    ),
  );
  // Deep nesting with valid credentials, so it reaches the JSON routes' pipes rather than stopping at the guard.
  const deepRequests = fc
    .tuple(
      fc.constantFrom<[string, string, Record<string, string>]>(
        ['POST', '/v1/projects', bearer],
        ['POST', '/v1/projects', { 'x-api-key': f.apiKey }],
        ['PATCH', `/v1/projects/${f.projectId}`, bearer],
        ['POST', '/v1/clients', session],
        ['POST', '/v1/api-keys', session],
        ['POST', '/oauth2/token', {}],
      ),
      deepJson,
    )
    .map(([[method, path, headers], body]): FuzzRequest => ({
      method,
      path,
      query: '',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    }));
  return fc.oneof(
    { weight: 10, arbitrary: unstructured },
    { weight: 10, arbitrary: structuredRequests },
    { weight: 1, arbitrary: deepRequests },
  );
}

describe('fuzzing every public endpoint (fast-check)', () => {
  let t: TestApp;
  let fixtures: Fixtures;
  beforeAll(async () => {
    // Roomy limits: the fuzzer should reach the code behind them (the limiter still runs on every request).
    const roomy = '1000000/1m';
    t = await bootApp({
      CORS_ORIGINS: 'https://app.example.com',
      RATE_LIMIT_LOGIN_IP: roomy,
      RATE_LIMIT_LOGIN_ACCOUNT: roomy,
      RATE_LIMIT_SIGNUP_IP: roomy,
      RATE_LIMIT_CLIENT: roomy,
      RATE_LIMIT_CLIENT_AUTH_FAILURES_IP: roomy,
      RATE_LIMIT_API: roomy,
      RATE_LIMIT_API_AUTH_FAILURES_IP: roomy,
    });
    const user = await createUser(t.app);
    const confidential = await createClient(t.app, {
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
    const pub = await createClient(t.app, { type: 'public' });
    const session = await signInAs(t.app, user.id);
    const sessions = t.app.get(SessionsService);
    const binding = 'fuzz-pre-session-binding-0123456789';
    fixtures = {
      preSessionCookie: `${sessions.csrfCookieName}=${binding}`,
      preSessionCsrf: sessions.csrfToken(binding),
      clientId: confidential.clientId,
      clientSecret: confidential.clientSecret!,
      publicClientId: pub.clientId,
      bearer: (
        await t.app.get(AccessTokensService).issue({
          subject: user.id,
          clientId: confidential.clientId,
          scopes: ['read:user', 'read:projects', 'write:projects'],
        })
      ).token,
      apiKey: (await createApiKey(t.app, user.id)).key,
      sessionCookie: `${sessions.cookieName}=${session.cookie.split('=').slice(1).join('=')}`,
      csrf: session.csrf,
      projectId: (await createProject(t.app, user.id)).id,
      userEmail: user.email,
    };
  });
  afterAll(() => t.close());

  /** Sends one request; returns why it breaks a property, or undefined. */
  async function violation(request: FuzzRequest, seen: Map<string, number>): Promise<string | undefined> {
    let response: Response;
    try {
      response = await fetch(`${t.url}${request.path}${request.query}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      // fetch refuses a few things before sending (e.g. a malformed URL): not the server's doing.
      if (error instanceof TypeError && !/fetch failed/.test(error.message)) return undefined;
      return `no answer (${String((error as Error).cause ?? error)})`;
    }
    const text = await response.text();
    const status = response.status;
    seen.set(String(status), (seen.get(String(status)) ?? 0) + 1);
    if (status >= 500) return `${status}: ${text.slice(0, 200)}`;
    if (response.headers.get(INJECTED_HEADER) !== null) return 'a header was injected from input';
    if (status < 400 || request.method === 'HEAD') return undefined;
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/html')) {
      if (!HTML_ROUTES.test(request.path)) return `${status} HTML error page on an API route`;
      return /^<!doctype html>/.test(text) ? undefined : `${status} text/html that is not a page`;
    }
    if (!type.startsWith('application/json')) return `${status} with content-type "${type}"`;
    try {
      return typeof (JSON.parse(text) as { error?: unknown }).error === 'string'
        ? undefined
        : `${status} JSON without an error code: ${text.slice(0, 200)}`;
    } catch {
      return `${status} body is not JSON: ${text.slice(0, 200)}`;
    }
  }

  it(
    `answers ${RUNS} hostile requests (seed ${SEED}) without a 5xx, and every 4xx with a proper error`,
    async () => {
      const seen = new Map<string, number>();
      // FUZZ_COLLECT=1 (long runs): keep going after a failure and list every distinct one at the end,
      // instead of stopping at the first and shrinking it.
      const collect = process.env.FUZZ_COLLECT === '1';
      const failures = new Map<string, { count: number; example: FuzzRequest }>();
      await fc.assert(
        fc.asyncProperty(arbitraries(fixtures), async (request) => {
          const problem = await violation(request, seen);
          if (problem === undefined) return;
          if (!collect) throw new Error(problem);
          const kind = `${request.method} ${request.path.split('/').slice(0, 3).join('/')}: ${problem.slice(0, 80)}`;
          const known = failures.get(kind);
          failures.set(kind, { count: (known?.count ?? 0) + 1, example: known?.example ?? request });
        }),
        // Past the time limit (e.g. while shrinking a hang) fast-check stops and reports what it has.
        {
          seed: SEED,
          numRuns: RUNS,
          interruptAfterTimeLimit: TEST_TIMEOUT_MS - 20_000,
          markInterruptAsFailure: true,
        },
      );
      console.log(
        `fuzz: ${RUNS} requests, seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries([...seen].sort()))}`,
      );
      for (const [kind, { count, example }] of failures) {
        console.log(`fuzz failure ×${count}: ${kind}\n  e.g. ${JSON.stringify(example).slice(0, 1500)}`);
      }
      expect([...failures.keys()]).toEqual([]);
      // Still serving after all that.
      expect((await fetch(`${t.url}/health`)).status).toBe(200);
    },
    TEST_TIMEOUT_MS,
  );
});
