/** The benchmark scenarios, each one autocannon run against one server. */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

import { Browser, location } from './support/browser';
import { startCpuMeter } from './support/cpu';
import { combineLoads, expectJson, type LoadResult, type LoadSpec, runLoad } from './support/load';
import { log, summary } from './support/log';
import { type ManagedChild, processTree, stopChild } from './support/processes';
import type { Profiler } from './support/profiler';
import { type RssSample, sampleRss } from './support/rss';
import { codeFromRedirect, exchangeCode, REDIRECT_URI, type Seed, type SeededClient } from './support/seed';
import { PEER_CLIENT, type RunningApp, startPeer } from './support/servers';
import type { Settings } from './support/settings';

export interface Context {
  settings: Settings;
  app: RunningApp;
  client: SeededClient;
  /** The seeded user (scenario 8 signs in as them). */
  user?: Seed['user'];
  /** Set once the code flow has run (scenarios 2, 3, 5, 6 need it). */
  seed?: Seed;
  profiler: Profiler;
}

function seedOf(ctx: Context): Seed {
  if (!ctx.seed) throw new Error('the authorization code flow did not run');
  return ctx.seed;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function load(
  settings: Settings,
  spec: Omit<LoadSpec, 'connections' | 'duration'> & Partial<LoadSpec>,
): LoadSpec {
  return { connections: settings.connections, duration: settings.duration, ...spec };
}

const FORM = 'application/x-www-form-urlencoded';

/** A load against the app under test, its process tree measured for CPU. */
function appLoad(
  ctx: Context,
  spec: Omit<LoadSpec, 'url' | 'connections' | 'duration'> & Partial<LoadSpec>,
): LoadSpec {
  return load(ctx.settings, {
    url: ctx.app.base,
    serverPids: () => processTree(ctx.app.child.pid),
    ...spec,
  });
}

/** POST /oauth2/token as the seeded confidential client (client_secret_basic), a form body. */
function tokenPost(ctx: Context): Pick<LoadSpec, 'method' | 'path' | 'headers'> {
  return {
    method: 'POST',
    path: '/oauth2/token',
    headers: { authorization: ctx.client.basic, 'content-type': FORM },
  };
}

async function appScenario(ctx: Context, id: string, spec: LoadSpec): Promise<LoadResult> {
  const result = await runLoad({
    ...spec,
    beforeMeasure: () => ctx.profiler.start(ctx.app),
  });
  await ctx.profiler.stop(ctx.app, id, result.requests);
  log(`  ${summary(result)}`);
  return result;
}

export async function ceilingScenario(
  settings: Settings,
  ceiling: { base: string; child: ManagedChild },
): Promise<LoadResult> {
  log('scenario 1: ceiling, bare Fastify GET / → { ok: true }');
  const result = await runLoad(
    load(settings, {
      url: ceiling.base,
      path: '/',
      warmup: settings.warmup,
      verify: expectJson(['ok']),
      serverPids: () => [ceiling.child.pid],
    }),
  );
  log(`  ${summary(result)}`);
  return result;
}

/**
 * Scenario h: the app's own floor for a read. `GET /health` goes through everything every route pays — Nest's
 * router and pipeline on the Fastify adapter, our global hooks (request id, CORS, security headers, metrics) —
 * and nothing else: no credential, no guard, no database. Scenarios 2 and 3 cannot beat it, so its ratio to
 * the ceiling bounds theirs.
 */
export async function healthScenario(ctx: Context): Promise<LoadResult> {
  log('scenario h: GET /health (no credential: the framework and global hooks alone)');
  return appScenario(
    ctx,
    'h',
    appLoad(ctx, { path: '/health', warmup: ctx.settings.warmup, verify: expectJson(['status']) }),
  );
}

export async function userScenario(
  ctx: Context,
  rss?: { samples: RssSample[] },
  id: '2' | '2r' = '2',
): Promise<LoadResult> {
  log(`scenario ${id}: GET /v1/user with a JWT bearer${id === '2r' ? ' (the app with REDIS_URL)' : ''}`);
  let sampler: ReturnType<typeof sampleRss> | undefined;
  const result = await runLoad({
    ...appLoad(ctx, {
      path: '/v1/user',
      headers: { authorization: `Bearer ${seedOf(ctx).accessToken}` },
      warmup: ctx.settings.warmup,
      verify: expectJson(['id', 'email']),
    }),
    beforeMeasure: () => {
      ctx.profiler.start(ctx.app);
      sampler = sampleRss(ctx.app.child.pid);
    },
  });
  if (rss && sampler) rss.samples = sampler.stop();
  else sampler?.stop();
  await ctx.profiler.stop(ctx.app, id, result.requests);
  log(`  ${summary(result)}`);
  return result;
}

/**
 * RFC 9449 DPoP proofs as a client makes them: ES256, a fresh jti and iat per request (the server refuses a
 * replayed proof), `ath` binding the access token. Signing runs in the load generator (~27k/s per core).
 */
function dpopProver(): (htm: string, htu: string, ath?: string) => string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  return (htm, htu, ath) => {
    const payload = part({
      jti: randomBytes(16).toString('base64url'),
      htm,
      htu,
      iat: Math.floor(Date.now() / 1000),
      ...(ath ? { ath } : {}),
    });
    const input = `${header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
}

/**
 * Scenario 2d: scenario 2 with a DPoP-bound token (a fresh code, consent remembered, exchanged with a proof)
 * and a new proof on every request: the server's extra cost is one signature verify and the jti record.
 */
export async function dpopUserScenario(ctx: Context): Promise<LoadResult> {
  log('scenario 2d: GET /v1/user with a DPoP-bound JWT and a fresh DPoP proof per request');
  const seed = seedOf(ctx);
  const prove = dpopProver();
  const redirect = await seed.browser.request(seed.authorizePath);
  const code = codeFromRedirect(location(redirect), ctx.app.base);
  const response = await fetch(`${ctx.app.base}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: ctx.client.basic,
      'content-type': FORM,
      dpop: prove('POST', `${ctx.app.base}/oauth2/token`),
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: seed.pkce.verifier,
    }).toString(),
  });
  const tokens = (await response.json()) as { access_token?: string; token_type?: string };
  if (response.status !== 200 || tokens.token_type !== 'DPoP' || !tokens.access_token) {
    throw new Error(`DPoP code exchange failed: HTTP ${response.status} ${JSON.stringify(tokens)}`);
  }
  const token = tokens.access_token;
  const ath = createHash('sha256').update(token).digest('base64url');
  const htu = `${ctx.app.base}/v1/user`;
  return appScenario(
    ctx,
    '2d',
    appLoad(ctx, {
      path: '/v1/user',
      headers: { authorization: `DPoP ${token}` },
      setupRequest: (request) => ({
        ...request,
        headers: { ...request.headers, dpop: prove('GET', htu, ath) },
      }),
      warmup: ctx.settings.warmup,
      verify: expectJson(['id', 'email']),
    }),
  );
}

export async function projectsScenario(ctx: Context): Promise<LoadResult> {
  log(`scenario 3: GET /v1/projects with an API key (${ctx.settings.projects} projects)`);
  return appScenario(
    ctx,
    '3',
    appLoad(ctx, {
      path: '/v1/projects',
      headers: { 'x-api-key': seedOf(ctx).apiKey! },
      warmup: ctx.settings.warmup,
      verify: (status, body) => {
        const problem = expectJson(['data'])(status, body);
        if (problem) return problem;
        const count = (JSON.parse(body) as { data: unknown[] }).data.length;
        return count === ctx.settings.projects
          ? undefined
          : `expected ${ctx.settings.projects} projects, got ${count}`;
      },
    }),
  );
}

export async function clientCredentialsScenario(ctx: Context): Promise<LoadResult> {
  log('scenario 4: POST /oauth2/token client_credentials (client_secret_basic)');
  return appScenario(
    ctx,
    '4',
    appLoad(ctx, {
      ...tokenPost(ctx),
      body: 'grant_type=client_credentials',
      warmup: ctx.settings.warmup,
      verify: expectJson(['access_token', 'expires_in']),
    }),
  );
}

/** Limit `cc`: bench/ceiling-cc-server.ts loaded exactly like scenario 4 (connections, Basic header, body). */
export async function ceilingCcScenario(
  settings: Settings,
  server: { base: string; child: ManagedChild },
  client: SeededClient,
): Promise<LoadResult> {
  log('limit cc: bare Fastify POST /token client_credentials → ES256 JWT');
  const result = await runLoad(
    load(settings, {
      url: server.base,
      method: 'POST',
      path: '/token',
      headers: { authorization: client.basic, 'content-type': FORM },
      body: 'grant_type=client_credentials',
      warmup: settings.warmup,
      verify: expectJson(['access_token', 'expires_in']),
      serverPids: () => [server.child.pid],
    }),
  );
  log(`  ${summary(result)}`);
  return result;
}

/**
 * Sign-ins in flight at once in scenario 8. The app hashes on libuv's pool (4 threads by default): 8 keep every
 * thread busy with one more queued. More connections only queue, and each request still in flight when the
 * warm-up ends is abandoned by the client but hashed by the server anyway (argon2 cannot be cancelled), eating
 * into the measured run: with 50, one warm-up's leftovers alone are ~2 s of hashing on this machine.
 */
const LOGIN_CONNECTIONS = 8;

/**
 * Scenario 8: POST /auth/login with the right password, as the login page's form sends it. The CSRF token is
 * an HMAC of the pre-session cookie (stateless: nothing on the server is spent by a sign-in), so one GET of
 * the page gives a cookie and token that every request can carry. The session cookie each success sets is
 * never sent back, so every request is a signed-out browser signing in: one argon2id verification, a
 * session row and an audit event each. Success is the 303 to the return address; anything else is an error.
 */
export async function loginScenario(ctx: Context): Promise<LoadResult> {
  const user = ctx.user;
  if (!user) throw new Error('no seeded user');
  log('scenario 8: POST /auth/login with the right password (argon2id)');
  const browser = new Browser(ctx.app.base);
  const page = await browser.request('/auth/login');
  if (page.status !== 200) throw new Error(`GET /auth/login: HTTP ${page.status}`);
  const form = /<form[^>]*action="\/auth\/login"[^>]*>([\s\S]*?)<\/form>/.exec(page.text);
  if (!form) throw new Error('the login page has no form posting to /auth/login');
  const fields = new URLSearchParams();
  for (const m of form[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields.set(m[1], m[2].replace(/&amp;/g, '&'));
  }
  if (!fields.get('csrf_token')) throw new Error('the login form carries no csrf_token');
  fields.set('email', user.email);
  fields.set('password', user.password);
  const body = fields.toString();
  const cookie = browser.cookieHeader;
  const signedIn = (status: number, where: string | undefined): boolean =>
    status === 303 && !!where && !/^\/auth\/(login|mfa)/.test(where);
  // The reuse this scenario relies on, checked before loading: the same cookie and form twice.
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${ctx.app.base}/auth/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': FORM },
      body,
      redirect: 'manual',
    });
    await response.arrayBuffer();
    if (!signedIn(response.status, response.headers.get('location') ?? undefined)) {
      throw new Error(
        `POST /auth/login #${i + 1} with the page's cookie and CSRF token: HTTP ${response.status} → ${response.headers.get('location')}`,
      );
    }
  }
  return appScenario(
    ctx,
    '8',
    appLoad(ctx, {
      method: 'POST',
      path: '/auth/login',
      headers: { cookie, 'content-type': FORM },
      body,
      connections: Math.min(ctx.settings.connections, LOGIN_CONNECTIONS),
      warmup: ctx.settings.warmup,
      success: (status, headers) => signedIn(status, header(headers, 'location')),
    }),
  );
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Authorization codes for scenario 6: consent is remembered for this confidential client, so each
 * GET /oauth2/authorize with the session cookie answers 302 with a fresh code. Built under load too.
 */
export async function buildCodePool(
  ctx: Context,
): Promise<{ codes: string[]; seconds: number; rps: number }> {
  log(
    `building the code pool: GET /oauth2/authorize with the session (≤ ${ctx.settings.poolMax} codes, ≤ ${ctx.settings.poolSeconds} s)`,
  );
  const codes: string[] = [];
  let firstProblem: string | undefined;
  const result = await runLoad(
    appLoad(ctx, {
      path: seedOf(ctx).authorizePath,
      headers: { cookie: seedOf(ctx).browser.cookieHeader },
      duration: ctx.settings.poolSeconds,
      amount: ctx.settings.poolMax,
      onResponse: (status, body, headers) => {
        const redirect = header(headers, 'location');
        try {
          if ((status !== 302 && status !== 303) || !redirect) {
            throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
          }
          codes.push(codeFromRedirect(redirect, ctx.app.base));
        } catch (error) {
          firstProblem ??= error instanceof Error ? error.message : String(error);
        }
      },
    }),
  );
  log(
    `  ${codes.length} codes in ${result.seconds.toFixed(1)} s (${Math.round(codes.length / result.seconds)}/s, p99 ${result.p99.toFixed(1)} ms)`,
  );
  if (firstProblem) log(`  some authorization requests failed, e.g. ${firstProblem}`);
  return { codes, seconds: result.seconds, rps: codes.length / result.seconds };
}

/** A body per request from a pool: each token is sent exactly once (autocannon `amount` = pool size). */
function fromPool(pool: string[], body: (token: string) => string): LoadSpec['setupRequest'] {
  let next = 0;
  return (request) => {
    // Never reached with amount = pool size; an unknown token is a harmless 400, a reused one would revoke the grant.
    const token = next < pool.length ? pool[next++] : 'pool-exhausted';
    request.body = body(token);
    return request;
  };
}

/**
 * Scenarios 5 and 6: POST /oauth2/token once per pooled code or token (never more connections than
 * the pool holds), every response checked for an access and a refresh token.
 */
function poolLoad(
  ctx: Context,
  pool: string[],
  body: (token: string) => string,
  extra: Partial<LoadSpec> = {},
): LoadSpec {
  return appLoad(ctx, {
    ...tokenPost(ctx),
    connections: Math.min(ctx.settings.connections, pool.length),
    amount: pool.length,
    setupRequest: fromPool(pool, body),
    verify: expectJson(['access_token', 'refresh_token']),
    verifyEvery: 1,
    ...extra,
  });
}

export async function codeExchangeScenario(
  ctx: Context,
  codes: string[],
): Promise<{ result: LoadResult; refreshTokens: string[] }> {
  log(`scenario 6: POST /oauth2/token authorization_code with PKCE (${codes.length} pre-created codes)`);
  const refreshTokens: string[] = [];
  const { verifier } = seedOf(ctx).pkce;
  const redirect = encodeURIComponent(REDIRECT_URI);
  const result = await appScenario(
    ctx,
    '6',
    poolLoad(
      ctx,
      codes,
      (code) =>
        `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${redirect}&code_verifier=${verifier}`,
      {
        // The refresh tokens it returns are scenario 5's pool: independent, valid, never used.
        onResponse: (status, body) => {
          if (status !== 200) return;
          const token = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
          if (token) refreshTokens.push(token);
        },
      },
    ),
  );
  return { result, refreshTokens };
}

export async function refreshScenario(ctx: Context, tokens: string[]): Promise<LoadResult> {
  log(`scenario 5: POST /oauth2/token refresh_token with rotation (${tokens.length} fresh refresh tokens)`);
  return appScenario(
    ctx,
    '5',
    poolLoad(ctx, tokens, (token) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`),
  );
}

export async function peerScenario(settings: Settings, format: 'opaque' | 'jwt'): Promise<LoadResult> {
  const peer = await startPeer(format);
  try {
    log(
      `scenario ${format === 'opaque' ? '7' : '7b'}: oidc-provider POST /token client_credentials (${format} token)`,
    );
    const result = await runLoad(
      load(settings, {
        url: peer.base,
        serverPids: () => [peer.child.pid],
        method: 'POST',
        path: '/token',
        headers: {
          authorization: `Basic ${Buffer.from(`${PEER_CLIENT.id}:${PEER_CLIENT.secret}`).toString('base64')}`,
          'content-type': FORM,
        },
        body: 'grant_type=client_credentials',
        warmup: settings.warmup,
        verify: expectJson(['access_token', 'expires_in']),
      }),
    );
    log(`  ${summary(result)}`);
    return result;
  } finally {
    await stopChild(peer.child);
  }
}

export interface MixResult {
  total: LoadResult;
  streams: { id: string; name: string; result: LoadResult }[];
  rss: RssSample[];
}

/**
 * Fresh refresh tokens for the mixed load's rotation stream: with consent remembered, each authorization
 * request with the session cookie comes straight back with a code, exchanged here.
 */
async function freshRefreshTokens(ctx: Context, count: number): Promise<string[]> {
  const seed = seedOf(ctx);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const redirect = await seed.browser.request(seed.authorizePath);
    const code = codeFromRedirect(location(redirect), ctx.app.base);
    tokens.push((await exchangeCode(ctx.app.base, ctx.client, code, seed.pkce.verifier)).refresh_token!);
  }
  return tokens;
}

/**
 * Scenario `mix`: five autocannon instances at once against the app for the scenario duration, the
 * connections shared out between them, while the app's RSS is sampled: what memory a serving process needs
 * when every kind of work is in flight together.
 *
 * The rotation stream chains: each response's new refresh token goes back into a shared queue and the next
 * request on any connection takes the oldest one, so a small pool of fresh tokens lasts the whole run, each
 * token still sent exactly once (RFC 9700 §4.14.2 treats a reused one as theft and revokes the grant).
 * The write stream changes the seeded projects (PATCH) rather than creating more: new rows would lengthen the
 * list the projects stream reads, and its cost would drift during the run.
 */
export async function mixScenario(ctx: Context): Promise<MixResult> {
  const seed = seedOf(ctx);
  const apiKey = seed.apiKey;
  if (!apiKey || !seed.projectIds.length) throw new Error('no API key and projects were seeded');
  const per = Math.max(1, Math.floor(ctx.settings.connections / 5));
  const queue = await freshRefreshTokens(ctx, per * 2);
  log(
    `scenario mix: 5 streams × ${per} connections for ${ctx.settings.duration} s (${queue.length} fresh refresh tokens to chain)`,
  );
  let writes = 0;
  const streams: { id: string; name: string; spec: LoadSpec }[] = [
    {
      id: 'mix/user',
      name: 'GET /v1/user (JWT bearer)',
      spec: appLoad(ctx, {
        path: '/v1/user',
        headers: { authorization: `Bearer ${seed.accessToken}` },
        verify: expectJson(['id', 'email']),
      }),
    },
    {
      id: 'mix/projects',
      name: 'GET /v1/projects (API key)',
      spec: appLoad(ctx, {
        path: '/v1/projects',
        headers: { 'x-api-key': apiKey },
        verify: expectJson(['data']),
      }),
    },
    {
      id: 'mix/cc',
      name: 'POST /oauth2/token client_credentials',
      spec: appLoad(ctx, {
        ...tokenPost(ctx),
        body: 'grant_type=client_credentials',
        verify: expectJson(['access_token', 'expires_in']),
      }),
    },
    {
      id: 'mix/refresh',
      name: 'POST /oauth2/token refresh_token (rotation)',
      spec: appLoad(ctx, {
        ...tokenPost(ctx),
        setupRequest: (request) => {
          // An empty queue (only after failed rotations) sends an unknown token: a 400, counted as an error.
          const token = queue.shift() ?? 'queue-empty';
          request.body = `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`;
          return request;
        },
        onResponse: (status, body) => {
          if (status !== 200) return;
          const token = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
          if (token) queue.push(token);
        },
        verify: expectJson(['access_token', 'refresh_token']),
      }),
    },
    {
      id: 'mix/write',
      name: 'PATCH /v1/projects/:id (API key)',
      spec: appLoad(ctx, {
        method: 'PATCH',
        headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
        setupRequest: (request) => {
          const n = writes++;
          request.path = `/v1/projects/${seed.projectIds[n % seed.projectIds.length]}`;
          request.body = JSON.stringify({ description: `Changed by the mixed load (${n})` });
          return request;
        },
        verify: expectJson(['id']),
      }),
    },
  ];
  const sampler = sampleRss(ctx.app.child.pid);
  const meter = startCpuMeter(() => processTree(ctx.app.child.pid));
  ctx.profiler.start(ctx.app);
  const results = await Promise.all(
    streams.map(({ spec }) =>
      // One CPU meter for all five (below); the app is warm from the scenarios before.
      runLoad({ ...spec, connections: per, warmup: 0, serverPids: undefined }),
    ),
  );
  const cpu = meter.stop();
  const rss = sampler.stop();
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  await ctx.profiler.stop(ctx.app, 'mix', requests);
  // Side by side: the loads' rates add up over the longest one's time.
  const total = combineLoads(
    results,
    { seconds: Math.max(...results.map((r) => r.seconds)), rps: results.reduce((sum, r) => sum + r.rps, 0) },
    cpu,
  );
  log(`  ${summary(total)}`);
  for (const [i, r] of results.entries()) log(`    ${streams[i].id}: ${summary(r)}`);
  return {
    total,
    streams: streams.map(({ id, name }, i) => ({ id, name, result: results[i] })),
    rss,
  };
}
