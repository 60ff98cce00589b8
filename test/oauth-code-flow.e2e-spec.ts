import { createRemoteJWKSet, jwtVerify } from 'jose';

import { createClient, REDIRECT_URI } from './factories/clients';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { Browser } from './support/browser';
import { http } from './support/http';
import {
  authorizeInBrowser,
  authorizeUrl,
  basic,
  codeFlowTokens,
  pkcePair,
  signInOnPage,
  tokenRequest,
} from './support/oauth';

describe('OAuth 2.0 authorization code flow', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;
  let app: Awaited<ReturnType<typeof createClient>>;

  beforeAll(async () => {
    // Strict RFC 9700 §4.14.2 reuse detection: the retry grace is covered by test/refresh-rotation.e2e-spec.ts.
    t = await bootApp({ REFRESH_RETRY_GRACE: '0' });
    user = await createUser(t.app);
    app = await createClient(t.app);
  });
  afterAll(() => t.close());

  async function codeFor(params: Record<string, string | undefined> = {}, browser?: Browser) {
    const query = await authorizeInBrowser(
      t.url,
      user,
      {
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'read:user',
        state: 'st-1',
        ...params,
      },
      { browser },
    );
    return query;
  }

  async function exchange(code: string, extra: Record<string, string> = {}) {
    return tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: app.clientId,
      client_secret: app.clientSecret!,
      ...extra,
    });
  }

  describe('the published API doc works as written', () => {
    it('GET /auth/login?response_type=code&... → login → consent → redirect with code, state and iss', async () => {
      const browser = new Browser(t.url);
      const login = await browser.get(
        authorizeUrl(
          {
            response_type: 'code',
            client_id: app.clientId,
            redirect_uri: REDIRECT_URI,
            scope: 'read:user',
            state: 'RANDOM_STATE_VALUE',
          },
          '/auth/login',
        ),
      );
      expect(login.headers.get('x-frame-options')).toBe('DENY');
      expect(login.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(login.headers.get('referrer-policy')).toBe('no-referrer');
      const consent = await signInOnPage(browser, login, user.email, user.password);
      expect(consent.text).toContain('Test App');
      expect(consent.text).toContain('See your profile');
      const redirect = await browser.submit(consent, { decision: 'approve' });
      expect(redirect.status).toBe(303);
      const location = new URL(redirect.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('state')).toBe('RANDOM_STATE_VALUE');
      expect(location.searchParams.get('iss')).toBe(t.config.issuer);
      expect(location.searchParams.get('code')!.length).toBeGreaterThanOrEqual(43);
    });

    it("the JavaScript snippet's exchangeCodeForToken (fetch + URLSearchParams) gets the documented response", async () => {
      const code = (await codeFor({ scope: 'read:user read:projects' })).get('code')!;
      // Verbatim shape of the doc's snippet.
      const response = await fetch(`${t.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: app.clientId,
          client_secret: app.clientSecret!,
        }),
      });
      const json = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(Object.keys(json).sort()).toEqual([
        'access_token',
        'expires_in',
        'refresh_token',
        'scope',
        'token_type',
      ]);
      expect(json).toMatchObject({
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'read:user read:projects',
      });
    });

    it('the curl example (POST /oauth2/authorize, form body labelled application/json) gets tokens', async () => {
      const code = (await codeFor()).get('code')!;
      const body = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: app.clientId,
        client_secret: app.clientSecret!,
      }).toString();
      const res = await http(`${t.url}/oauth2/authorize`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read:user' });
      expect(typeof res.json.refresh_token).toBe('string');
    });

    it('any other unparsable body is invalid_request saying what was expected', async () => {
      const res = await http(`${t.url}/oauth2/token`, {
        method: 'POST',
        body: '{"grant_type": ',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_request');
      expect(res.json.error_description).toMatch(/x-www-form-urlencoded/);
    });
  });

  describe('access tokens', () => {
    it('are RFC 9068 JWTs verifiable offline against the JWKS (jose), with no private members published', async () => {
      const code = (await codeFor()).get('code')!;
      const tokens = (await exchange(code)).json;
      const jwks = await http(`${t.url}/.well-known/jwks.json`);
      for (const key of jwks.json.keys) {
        expect(key).not.toHaveProperty('d');
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      }
      const { payload, protectedHeader } = await jwtVerify(
        tokens.access_token,
        createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)),
        {
          issuer: t.config.issuer,
          audience: `${t.config.issuer}/v1`,
          typ: 'at+jwt',
        },
      );
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload).toMatchObject({ sub: user.id, client_id: app.clientId, scope: 'read:user' });
      expect(payload.jti).toBeDefined();
      expect(payload.exp! - payload.iat!).toBe(3600);
      const me = await http(`${t.url}/v1/user`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ id: user.id, email: user.email });
    });

    it('metadata (RFC 8414) lists endpoints, S256, iss support and the scopes; same at openid-configuration', async () => {
      const meta = await http(`${t.url}/.well-known/oauth-authorization-server`);
      expect(meta.json).toMatchObject({
        issuer: t.config.issuer,
        authorization_endpoint: `${t.config.issuer}/oauth2/authorize`,
        token_endpoint: `${t.config.issuer}/oauth2/token`,
        jwks_uri: `${t.config.issuer}/.well-known/jwks.json`,
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        response_types_supported: ['code'],
        // OpenID Connect Discovery §3: scopes_supported includes openid (and the other OIDC scopes).
        scopes_supported: [
          'read:user',
          'read:projects',
          'write:projects',
          'openid',
          'profile',
          'email',
          'offline_access',
        ],
      });
      expect(meta.json.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token']),
      );
      expect(meta.json.token_endpoint_auth_methods_supported).toEqual([
        'client_secret_basic',
        'client_secret_post',
        'none',
      ]);
      const oidc = await http(`${t.url}/.well-known/openid-configuration`);
      expect(oidc.json).toEqual(meta.json);
    });
  });

  describe('redirect URI validation never redirects to an unregistered address', () => {
    const nearMisses = [
      `${REDIRECT_URI}/`,
      REDIRECT_URI.toUpperCase(),
      'https://APP.example.com/callback',
      `${REDIRECT_URI}?x=1`,
      'https://app.example.com@evil.example/callback',
      'https://evil.example@app.example.com/callback',
      'https://app.example.com/callback/..%2F..%2Fevil',
      'https://app.example.com/callback/../evil',
      'https://app.example.com.evil.example/callback',
      'http://app.example.com/callback',
      `${REDIRECT_URI}#frag`,
      'javascript:alert(1)',
    ];
    it.each(nearMisses)('%s → error page, no Location', async (redirectUri) => {
      const res = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: app.clientId, redirect_uri: redirectUri, scope: 'read:user', state: 's' })}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).toContain('not registered');
    });

    it('unknown client → error page, even with a plausible redirect_uri', async () => {
      const res = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: 'iic_nope', redirect_uri: REDIRECT_URI })}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });

    it('redirect_uri may be omitted only when exactly one is registered', async () => {
      const two = await createClient(t.app, {
        redirectUris: [REDIRECT_URI, 'https://app.example.com/other'],
      });
      const res = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: two.clientId, scope: 'read:user' })}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const q = await authorizeInBrowser(t.url, user, {
        response_type: 'code',
        client_id: app.clientId,
        scope: 'read:user',
      });
      expect(q.get('code')).toBeTruthy();
    });
  });

  describe('errors redirect to the validated redirect_uri with error, state and iss', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['unsupported response_type', { response_type: 'token' }, 'unsupported_response_type'],
      ['missing response_type', { response_type: '' }, 'invalid_request'],
      ['unknown scope', { scope: 'read:user admin' }, 'invalid_scope'],
      ['plain PKCE', { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
      ['challenge without method', { code_challenge: 'a'.repeat(43) }, 'invalid_request'],
      ['malformed challenge', { code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
      ['state over 2 KB', { state: 'x'.repeat(2049) }, 'invalid_request'],
    ];
    it.each(cases)('%s', async (_name, params, error) => {
      const res = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'read:user', state: 'keep-me', ...params })}`,
      );
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('iss')).toBe(t.config.issuer);
      if (!params.state) expect(location.searchParams.get('state')).toBe('keep-me');
      else expect(location.searchParams.get('state')).toBeNull();
    });

    it('a client not allowed the code flow → unauthorized_client', async () => {
      const svc = await createClient(t.app, { grantTypes: ['client_credentials'] });
      const res = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: svc.clientId, redirect_uri: REDIRECT_URI, state: 's' })}`,
      );
      expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('unauthorized_client');
    });

    it('a 2 KB state is echoed exactly', async () => {
      const state = 'A-._~'.repeat(409) + 'xyz';
      expect(state.length).toBe(2048);
      const q = await codeFor({ state });
      expect(q.get('state')).toBe(state);
    });

    it('duplicate parameters → invalid_request (page: the client cannot be trusted yet)', async () => {
      const res = await http(
        `${t.url}/oauth2/authorize?client_id=${app.clientId}&client_id=${app.clientId}&response_type=code`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });

    it('deny → access_denied with state', async () => {
      const q = await authorizeInBrowser(
        t.url,
        user,
        {
          response_type: 'code',
          client_id: app.clientId,
          redirect_uri: REDIRECT_URI,
          scope: 'write:projects',
          state: 'd1',
        },
        { decision: 'deny' },
      );
      expect(q.get('error')).toBe('access_denied');
      expect(q.get('state')).toBe('d1');
      expect(q.get('code')).toBeNull();
    });
  });

  describe('authorization codes', () => {
    it('a code used twice fails and revokes everything issued from it (RFC 6749 §4.1.2)', async () => {
      const other = await createClient(t.app);
      const victim = await createUser(t.app);
      const q = await authorizeInBrowser(t.url, victim, {
        response_type: 'code',
        client_id: other.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'read:user',
      });
      const form = { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT_URI };
      const first = await tokenRequest(t.url, form, {
        authorization: basic(other.clientId, other.clientSecret!),
      });
      expect(first.status).toBe(200);
      const second = await tokenRequest(t.url, form, {
        authorization: basic(other.clientId, other.clientSecret!),
      });
      expect(second.status).toBe(400);
      expect(second.json.error).toBe('invalid_grant');
      const refresh = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: first.json.refresh_token },
        {
          authorization: basic(other.clientId, other.clientSecret!),
        },
      );
      expect(refresh.json.error).toBe('invalid_grant');
      const me = await http(`${t.url}/v1/user`, {
        headers: { authorization: `Bearer ${first.json.access_token}` },
      });
      expect(me.status).toBe(401);
    });

    it("client B cannot redeem client A's code", async () => {
      const b = await createClient(t.app);
      const code = (await codeFor()).get('code')!;
      const res = await tokenRequest(t.url, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: b.clientId,
        client_secret: b.clientSecret!,
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_grant');
      // Not burnt by the wrong client: the rightful client can still redeem it.
      expect((await exchange(code)).status).toBe(200);
    });

    it('redirect_uri must match the authorization request', async () => {
      const code = (await codeFor()).get('code')!;
      const res = await exchange(code, { redirect_uri: 'https://app.example.com/other' });
      expect(res.json.error).toBe('invalid_grant');
    });

    it('50 parallel redemptions of one code: exactly one success', async () => {
      const code = (await codeFor()).get('code')!;
      const results = await Promise.all(Array.from({ length: 50 }, () => exchange(code)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.json.error).toBe('invalid_grant');
    });

    it('an unknown or garbage code → invalid_grant, never 500', async () => {
      for (const code of ['nope', 'x'.repeat(5000), '%00', '\u0000']) {
        const res = await exchange(code);
        expect(res.status).toBe(400);
        expect(['invalid_grant', 'invalid_request']).toContain(res.json.error);
      }
    });
  });

  describe('PKCE (RFC 7636, S256 only)', () => {
    it('right verifier → tokens; wrong or missing verifier → invalid_grant', async () => {
      const { verifier, challenge } = pkcePair();
      const params = { code_challenge: challenge, code_challenge_method: 'S256' };
      const ok = await exchange((await codeFor(params)).get('code')!, { code_verifier: verifier });
      expect(ok.status).toBe(200);
      const wrong = await exchange((await codeFor(params)).get('code')!, {
        code_verifier: pkcePair().verifier,
      });
      expect(wrong.json.error).toBe('invalid_grant');
      const missing = await exchange((await codeFor(params)).get('code')!);
      expect(missing.json.error).toBe('invalid_grant');
    });

    it('downgrade: a verifier for a code issued without a challenge fails', async () => {
      const res = await exchange((await codeFor()).get('code')!, { code_verifier: pkcePair().verifier });
      expect(res.json.error).toBe('invalid_grant');
    });

    it('public clients must use PKCE and authenticate with none', async () => {
      const pub = await createClient(t.app, { type: 'public', redirectUris: ['http://127.0.0.1:8123/cb'] });
      const noPkce = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: pub.clientId, scope: 'read:user', state: 's' })}`,
      );
      expect(new URL(noPkce.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
      const { verifier, challenge } = pkcePair();
      const q = await authorizeInBrowser(t.url, user, {
        response_type: 'code',
        client_id: pub.clientId,
        scope: 'read:user',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const res = await tokenRequest(t.url, {
        grant_type: 'authorization_code',
        code: q.get('code')!,
        client_id: pub.clientId,
        code_verifier: verifier,
      });
      expect(res.status).toBe(200);
      // Public clients are asked for consent every time (no silent re-authorization).
      const again = await new Browser(t.url).get(
        authorizeUrl({
          response_type: 'code',
          client_id: pub.clientId,
          scope: 'read:user',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(again.text).toContain('action="/auth/login"');
    });

    it('OAUTH_REQUIRE_PKCE=true requires it from confidential clients too', async () => {
      const strict = await bootApp({ OAUTH_REQUIRE_PKCE: 'true' });
      try {
        const res = await http(
          `${strict.url}${authorizeUrl({ response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'read:user' })}`,
        );
        expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
      } finally {
        await strict.close();
      }
    });
  });

  describe('refresh tokens', () => {
    async function freshTokens(scope = 'read:user read:projects') {
      const res = await exchange((await codeFor({ scope })).get('code')!);
      expect(res.status).toBe(200);
      return res.json;
    }
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: token, ...extra },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );

    it('rotate on every use; may narrow scope, never widen it', async () => {
      const first = await freshTokens();
      const narrowed = await refresh(first.refresh_token, { scope: 'read:user' });
      expect(narrowed.status).toBe(200);
      expect(narrowed.json.scope).toBe('read:user');
      expect(narrowed.json.refresh_token).not.toBe(first.refresh_token);
      const wider = await refresh(narrowed.json.refresh_token, { scope: 'read:user write:projects' });
      expect(wider.json.error).toBe('invalid_scope');
    });

    it('replaying a rotated refresh token revokes the whole family (RFC 9700 §4.14.2)', async () => {
      const a = await createClient(t.app);
      const owner = await createUser(t.app);
      const auth = { authorization: basic(a.clientId, a.clientSecret!) };
      const first = (await codeFlowTokens(t.url, owner, a, 'read:user')).json;
      const second = (
        await tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, auth)
      ).json;
      expect(second.refresh_token).toBeDefined();
      const replay = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: first.refresh_token },
        auth,
      );
      expect(replay.json.error).toBe('invalid_grant');
      const afterReplay = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: second.refresh_token },
        auth,
      );
      expect(afterReplay.json.error).toBe('invalid_grant');
      const me = await http(`${t.url}/v1/user`, {
        headers: { authorization: `Bearer ${second.access_token}` },
      });
      expect(me.status).toBe(401);
    });

    it('20 parallel refreshes with one token: at most one wins', async () => {
      const tokens = await freshTokens();
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(tokens.refresh_token)));
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    });

    it("another client's refresh token → invalid_grant", async () => {
      const tokens = await freshTokens();
      const b = await createClient(t.app);
      const res = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        { authorization: basic(b.clientId, b.clientSecret!) },
      );
      expect(res.json.error).toBe('invalid_grant');
    });
  });

  describe('client authentication at the token endpoint', () => {
    it('client_secret_basic works; wrong secret → 401 invalid_client with WWW-Authenticate: Basic', async () => {
      const code = (await codeFor()).get('code')!;
      const bad = await tokenRequest(
        t.url,
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
        { authorization: basic(app.clientId, 'wrong') },
      );
      expect(bad.status).toBe(401);
      expect(bad.json.error).toBe('invalid_client');
      expect(bad.headers.get('www-authenticate')).toMatch(/^Basic/);
      const ok = await tokenRequest(
        t.url,
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );
      expect(ok.status).toBe(200);
    });

    it('two methods at once → invalid_request; a body client_id that differs from Basic → invalid_client', async () => {
      const both = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: 'x', client_secret: app.clientSecret! },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );
      expect(both.status).toBe(400);
      expect(both.json.error).toBe('invalid_request');
      const mismatch = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'iic_other' },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );
      expect(mismatch.status).toBe(401);
      expect(mismatch.json.error).toBe('invalid_client');
    });

    it('a confidential client without its secret → invalid_client; no client at all → invalid_client', async () => {
      const noSecret = await tokenRequest(t.url, {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: app.clientId,
      });
      expect(noSecret.status).toBe(401);
      const nobody = await tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: 'x' });
      expect(nobody.status).toBe(401);
    });

    it('unknown or missing grant_type; grant not allowed for the client', async () => {
      const unknown = await tokenRequest(t.url, {
        grant_type: 'password',
        client_id: app.clientId,
        client_secret: app.clientSecret!,
      });
      expect(unknown.json.error).toBe('unsupported_grant_type');
      const missing = await tokenRequest(t.url, {
        client_id: app.clientId,
        client_secret: app.clientSecret!,
      });
      expect(missing.json.error).toBe('invalid_request');
      const notAllowed = await tokenRequest(t.url, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret!,
      });
      expect(notAllowed.json.error).toBe('unauthorized_client');
    });

    it('duplicate and array parameters → invalid_request', async () => {
      const dup = await http(`${t.url}/oauth2/token`, {
        method: 'POST',
        body: 'grant_type=refresh_token&grant_type=refresh_token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(dup.json.error).toBe('invalid_request');
      const arr = await http(`${t.url}/oauth2/token`, {
        method: 'POST',
        body: { grant_type: ['a'], client_id: { x: 1 } },
      });
      expect(arr.json.error).toBe('invalid_request');
    });
  });

  describe('pages: CSRF, consent memory, open redirects, sessions', () => {
    it('login and consent POSTs without a CSRF token are refused', async () => {
      const browser = new Browser(t.url);
      await browser.get('/auth/login');
      const login = await browser.post('/auth/login', {
        email: user.email,
        password: user.password,
        return_to: '/console',
      });
      expect(login.status).toBe(403);
      expect(browser.cookies.has('iiniit_session')).toBe(false);

      const signedIn = new Browser(t.url);
      const page = await signedIn.get(
        authorizeUrl({
          response_type: 'code',
          client_id: app.clientId,
          redirect_uri: REDIRECT_URI,
          scope: 'write:projects',
        }),
      );
      const consent = await signInOnPage(signedIn, page, user.email, user.password);
      expect(consent.text).toContain('action="/auth/consent"');
      const forged = await signedIn.submit(consent, { decision: 'approve', csrf_token: 'forged' });
      expect(forged.status).toBe(403);
      expect(forged.headers.get('location')).toBeNull();
    });

    it('wrong password and unknown email look the same on the login page', async () => {
      const browser = new Browser(t.url);
      const page = await browser.get('/auth/login');
      const wrong = await browser.submit(page, { email: user.email, password: 'not-the-password' });
      const unknown = await browser.submit(page, {
        email: 'ghost@example.test',
        password: 'not-the-password',
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const message = (r: typeof wrong) => /role="alert"[^>]*>([^<]*)</.exec(r.text)?.[1];
      expect(message(wrong)).toBe(message(unknown));
    });

    it('consent is remembered for confidential clients (skipped the second time)', async () => {
      const browser = new Browser(t.url);
      const first = await codeFor({ scope: 'read:projects' }, browser);
      expect(first.get('code')).toBeTruthy();
      const second = await browser.get(
        authorizeUrl({
          response_type: 'code',
          client_id: app.clientId,
          redirect_uri: REDIRECT_URI,
          scope: 'read:projects',
          state: 'again',
        }),
      );
      expect(second.status).toBe(302);
      expect(new URL(second.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    });

    it('the session id rotates at login and logout ends it', async () => {
      const browser = new Browser(t.url);
      browser.cookies.set('iiniit_session', 'attacker-chosen-value');
      const page = await browser.get('/auth/login');
      await browser.submit(page, { email: user.email, password: user.password });
      const session = browser.cookies.get('iiniit_session');
      expect(session).toBeDefined();
      expect(session).not.toBe('attacker-chosen-value');
      const me = await browser.get('/auth/session');
      expect(me.json.user.email).toBe(user.email);
      const out = await browser.post('/auth/logout', { csrf_token: me.json.csrf_token });
      expect(out.status).toBe(303);
      const after = await http(`${t.url}/auth/session`, { headers: { cookie: `iiniit_session=${session}` } });
      expect(after.status).toBe(401);
    });

    it.each(['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'])(
      'return_to %s is not followed after login',
      async (returnTo) => {
        const browser = new Browser(t.url);
        const page = await browser.get(`/auth/login?return_to=${encodeURIComponent(returnTo)}`);
        const res = await browser.submit(page, { email: user.email, password: user.password });
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/console');
      },
    );
  });
});
