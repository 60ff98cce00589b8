/** The benchmark scenarios, each one autocannon run against one server. */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

import { location } from './support/browser';
import { expectJson, type LoadResult, type LoadSpec, runLoad } from './support/load';
import { log, summary } from './support/log';
import { type ManagedChild, processTree, stopChild } from './support/processes';
import type { Profiler } from './support/profiler';
import { type RssSample, sampleRss } from './support/rss';
import { codeFromRedirect, REDIRECT_URI, type Seed, type SeededClient } from './support/seed';
import { PEER_CLIENT, type RunningApp, startPeer } from './support/servers';
import type { Settings } from './support/settings';

export interface Context {
  settings: Settings;
  app: RunningApp;
  client: SeededClient;
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

export async function userScenario(ctx: Context, rss?: { samples: RssSample[] }): Promise<LoadResult> {
  log('scenario 2: GET /v1/user with a JWT bearer');
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
  await ctx.profiler.stop(ctx.app, '2', result.requests);
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
