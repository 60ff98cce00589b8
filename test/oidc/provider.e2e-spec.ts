import { DataSource } from 'typeorm';

import { ClientsService } from '../../src/clients/clients.service';
import { Session } from '../../src/sessions/session.entity';
import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { runTs } from '../support/cli';
import { http, type HttpResult } from '../support/http';
import {
  authorizeInBrowser,
  authorizeUrl,
  basic,
  codeFlowTokens,
  pkcePair,
  signInOnPage,
  tokenRequest,
} from '../support/oauth';

const SIGNED_OUT = 'https://app.example.com/signed-out';

/**
 * The OpenID Connect provider over plain HTTP: what the relying-party library does not show — discovery
 * details, userinfo errors and CORS, the authorization request's OIDC parameters, the offline_access rule,
 * the logout confirmation, and the registration fields in the API, console and CLI. ES256 clients only
 * (the RS256 path runs in openid-client.e2e-spec.ts on its own database).
 */
describe('OpenID Connect provider', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;
  let app: Awaited<ReturnType<typeof createClient>>;

  beforeAll(async () => {
    t = await bootApp();
    user = await createUser(t.app, { displayName: 'Grace Hopper' });
    app = await createClient(t.app, {
      scopes: ['openid', 'profile', 'email', 'read:user'],
      postLogoutRedirectUris: [SIGNED_OUT],
    });
  });
  afterAll(() => t.close());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function tokensFor(scope: string): Promise<Record<string, string>> {
    const res = await codeFlowTokens(t.url, user, app, scope);
    expect(res.status).toBe(200);
    return res.json;
  }

  /** An authorization request (confidential client, no PKCE) in a browser; returns the first response. */
  function authorize(browser: Browser, params: Record<string, string>): Promise<HttpResult> {
    return browser.get(
      authorizeUrl({ response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, ...params }),
    );
  }

  function redirectError(res: HttpResult): string | null {
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('error');
  }

  describe('discovery', () => {
    it('lists every OIDC field it supports, and says no to request objects and the claims parameter', async () => {
      const res = await http(`${t.url}/.well-known/openid-configuration`);
      expect(res.json).toMatchObject({
        userinfo_endpoint: `${t.config.issuer}/oauth2/userinfo`,
        end_session_endpoint: `${t.config.issuer}/oauth2/logout`,
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256', 'RS256'],
        prompt_values_supported: ['none', 'login', 'consent'],
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        response_types_supported: ['code'],
      });
      expect(res.json.scopes_supported).toEqual(
        expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']),
      );
      expect(res.json.claims_supported).toEqual(
        expect.arrayContaining([
          'sub',
          'name',
          'email',
          'email_verified',
          'auth_time',
          'nonce',
          'sid',
          'amr',
        ]),
      );
      // The API's protected-resource metadata keeps to the API's scopes.
      const resource = await http(`${t.url}/.well-known/oauth-protected-resource`);
      expect(resource.json.scopes_supported).toEqual(['read:user', 'read:projects', 'write:projects']);
    });
  });

  describe('id_token', () => {
    it('comes only when openid was granted', async () => {
      expect((await tokensFor('read:user')).id_token).toBeUndefined();
      expect((await tokensFor('openid')).id_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    it('a code issued with a nonce carries it; a nonce longer than 512 characters is refused', async () => {
      const q = await authorizeInBrowser(t.url, user, {
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        nonce: 'n-0S6_WzA2Mj',
      });
      const res = await tokenRequest(
        t.url,
        { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT_URI },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );
      const payload = JSON.parse(Buffer.from(res.json.id_token.split('.')[1], 'base64url').toString());
      expect(payload.nonce).toBe('n-0S6_WzA2Mj');
      const browser = new Browser(t.url);
      expect(redirectError(await authorize(browser, { scope: 'openid', nonce: 'x'.repeat(513) }))).toBe(
        'invalid_request',
      );
    });
  });

  describe('userinfo', () => {
    it('answers GET and POST with the claims of the granted scopes, never cached', async () => {
      const all = await tokensFor('openid profile email');
      for (const method of ['GET', 'POST']) {
        const res = await http(`${t.url}/oauth2/userinfo`, { method, headers: bearer(all.access_token) });
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.json).toEqual({
          sub: user.id,
          name: 'Grace Hopper',
          updated_at: expect.any(Number),
          email: user.email,
          email_verified: false,
        });
      }
      const subOnly = await tokensFor('openid');
      const res = await http(`${t.url}/oauth2/userinfo`, { headers: bearer(subOnly.access_token) });
      expect(res.json).toEqual({ sub: user.id });
    });

    it('RFC 6750 errors: no token, a bad token, a token without openid, a service token', async () => {
      const none = await http(`${t.url}/oauth2/userinfo`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const bad = await http(`${t.url}/oauth2/userinfo`, { headers: bearer('not.a.token') });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const noOpenid = await tokensFor('read:user');
      const scope = await http(`${t.url}/oauth2/userinfo`, { headers: bearer(noOpenid.access_token) });
      expect(scope.status).toBe(403);
      expect(scope.headers.get('www-authenticate')).toContain('error="insufficient_scope", scope="openid"');
      const service = await t.app
        .get(AccessTokensService)
        .issue({ subject: app.clientId, clientId: app.clientId, scopes: ['openid'] });
      const svc = await http(`${t.url}/oauth2/userinfo`, { headers: bearer(service.token) });
      expect(svc.status).toBe(401);
      expect(svc.json.error).toBe('invalid_token');
    });

    it("CORS only for the token's client: its registered origins, never another app's", async () => {
      const origin = new URL(REDIRECT_URI).origin;
      const preflight = (from: string) =>
        http(`${t.url}/oauth2/userinfo`, {
          method: 'OPTIONS',
          headers: {
            origin: from,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      const ok = await preflight(origin);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
      const refused = await preflight('https://unregistered.example');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();

      const token = (await tokensFor('openid')).access_token;
      const mine = await http(`${t.url}/oauth2/userinfo`, { headers: { ...bearer(token), origin } });
      expect(mine.headers.get('access-control-allow-origin')).toBe(origin);
      await createClient(t.app, { redirectUris: ['https://other-app.example/cb'] });
      const other = await http(`${t.url}/oauth2/userinfo`, {
        headers: { ...bearer(token), origin: 'https://other-app.example' },
      });
      expect(other.status).toBe(200);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('authorization request', () => {
    it.each([
      [{ request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported'],
      [{ request_uri: 'https://app.example.com/req.jwt' }, 'request_uri_not_supported'],
      [{ claims: '{"userinfo":{"email":null}}' }, 'invalid_request'],
      [{ prompt: 'none login' }, 'invalid_request'],
      [{ prompt: 'select_account' }, 'invalid_request'],
      [{ max_age: 'soon' }, 'invalid_request'],
    ])('refuses %j with %s, redirected to the client', async (extra, error) => {
      const res = await authorize(new Browser(t.url), { scope: 'openid', state: 'st', ...extra });
      expect(redirectError(res)).toBe(error);
      expect(new URL(res.headers.get('location')!).searchParams.get('state')).toBe('st');
    });

    it('login_hint pre-fills the email; ui_locales and unknown parameters are ignored', async () => {
      const page = await authorize(new Browser(t.url), {
        scope: 'openid',
        login_hint: 'hint@example.test',
        ui_locales: 'fr-CA fr',
        something_new: 'x',
      });
      expect(page.status).toBe(200);
      expect(page.text).toContain('value="hint@example.test"');
    });

    it('prompt=none: consent_required when consent is not remembered (no page); prompt=consent asks again', async () => {
      const browser = new Browser(t.url);
      const fresh = await createClient(t.app, { scopes: ['openid', 'profile'] });
      await signInOnPage(browser, await authorize(browser, { scope: 'openid' }), user.email, user.password);
      const silent = await browser.get(
        authorizeUrl({
          response_type: 'code',
          client_id: fresh.clientId,
          redirect_uri: REDIRECT_URI,
          scope: 'openid profile',
          prompt: 'none',
        }),
      );
      expect(redirectError(silent)).toBe('consent_required');
      expect(silent.text).toBe('');
      // Remembered consent (approved above for `app`) is asked again with prompt=consent.
      const again = await authorize(browser, { scope: 'openid', prompt: 'consent' });
      expect(again.status).toBe(200);
      expect(again.text).toContain('action="/auth/consent"');
    });

    it('prompt=none with an id_token_hint for another user: login_required', async () => {
      const other = await createUser(t.app);
      const hint = (await codeFlowTokens(t.url, other, app, 'openid')).json.id_token;
      const browser = new Browser(t.url);
      await authorizeInBrowser(
        t.url,
        user,
        { response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'openid' },
        { browser },
      );
      expect(
        redirectError(await authorize(browser, { scope: 'openid', prompt: 'none', id_token_hint: hint })),
      ).toBe('login_required');
      const garbage = await authorize(browser, { scope: 'openid', prompt: 'none', id_token_hint: 'x.y.z' });
      expect(redirectError(garbage)).toBe('invalid_request');
    });

    it('prompt=login and max_age without a session: one sign-in, then the code (no loop)', async () => {
      const cases: Record<string, string>[] = [
        { prompt: 'login' },
        { max_age: '0' },
        { prompt: 'login consent' },
      ];
      for (const extra of cases) {
        const browser = new Browser(t.url);
        const login = await authorize(browser, { scope: 'openid', ...extra });
        let next = await signInOnPage(browser, login, user.email, user.password);
        if (next.status === 200 && next.text.includes('action="/auth/consent"')) {
          next = await browser.submit(next, { decision: 'approve' });
        }
        expect([302, 303]).toContain(next.status);
        expect(new URL(next.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      }
    });

    it('the consent page lists the OpenID Connect scopes in plain words', async () => {
      const browser = new Browser(t.url);
      const pub = await createClient(t.app, {
        type: 'public',
        scopes: ['openid', 'profile', 'email', 'offline_access'],
      });
      const page = await signInOnPage(
        browser,
        await browser.get(
          authorizeUrl({
            response_type: 'code',
            client_id: pub.clientId,
            redirect_uri: REDIRECT_URI,
            scope: 'openid profile email offline_access',
            code_challenge: pkcePair().challenge,
            code_challenge_method: 'S256',
          }),
        ),
        user.email,
        user.password,
      );
      for (const words of [
        'Sign you in with your iiniit account',
        'See your name',
        'See your email address',
        'Stay connected when you are not using it',
      ]) {
        expect(page.text).toContain(words);
      }
    });

    it('the browser session records auth_time, amr and a sid', async () => {
      const browser = new Browser(t.url);
      await signInOnPage(browser, await authorize(browser, { scope: 'openid' }), user.email, user.password);
      const rows = await t.app
        .get(DataSource)
        .getRepository(Session)
        .find({ where: { userId: user.id }, order: { createdAt: 'DESC' }, take: 1 });
      expect(rows[0]).toMatchObject({ amr: ['pwd'], sid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(Math.abs(rows[0].authTime.getTime() - Date.now())).toBeLessThan(60_000);
    });
  });

  describe('refresh tokens and offline_access', () => {
    async function publicTokens(scope: string): Promise<Record<string, string>> {
      const pub = await createClient(t.app, {
        type: 'public',
        scopes: ['openid', 'offline_access', 'read:user'],
      });
      const { verifier, challenge } = pkcePair();
      const q = await authorizeInBrowser(t.url, user, {
        response_type: 'code',
        client_id: pub.clientId,
        redirect_uri: REDIRECT_URI,
        scope,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const res = await tokenRequest(t.url, {
        grant_type: 'authorization_code',
        code: q.get('code')!,
        redirect_uri: REDIRECT_URI,
        client_id: pub.clientId,
        code_verifier: verifier,
      });
      expect(res.status).toBe(200);
      return res.json;
    }

    it('a public client gets a refresh token only with offline_access; a confidential one as before', async () => {
      expect((await publicTokens('openid read:user')).refresh_token).toBeUndefined();
      const offline = await publicTokens('openid offline_access');
      expect(offline.refresh_token).toMatch(/^iirt_/);
      expect(offline.id_token).toBeDefined();
      expect((await tokensFor('read:user')).refresh_token).toMatch(/^iirt_/);
    });
  });

  describe('RP-initiated logout', () => {
    async function signedIn(): Promise<Browser> {
      const browser = new Browser(t.url);
      await authorizeInBrowser(
        t.url,
        user,
        { response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'openid' },
        { browser },
      );
      return browser;
    }

    async function stillSignedIn(browser: Browser): Promise<boolean> {
      const res = await authorize(browser, { scope: 'openid', prompt: 'none' });
      return new URL(res.headers.get('location')!).searchParams.has('code');
    }

    it('without id_token_hint: a confirmation page; the CSRF-checked POST ends the session and returns', async () => {
      const browser = await signedIn();
      const confirm = await browser.get(
        `/oauth2/logout?${new URLSearchParams({ client_id: app.clientId, post_logout_redirect_uri: SIGNED_OUT, state: 'bye' }).toString()}`,
      );
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Sign out of iiniit?');
      expect(await stillSignedIn(browser)).toBe(true);

      const forged = await browser.post('/oauth2/logout', { logout_confirm: 'yes', csrf_token: 'nope' });
      expect(forged.status).toBe(403);
      expect(await stillSignedIn(browser)).toBe(true);

      const done = await browser.submit(confirm, { logout_confirm: 'yes' });
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe(`${SIGNED_OUT}?state=bye`);
      expect(await stillSignedIn(browser)).toBe(false);
    });

    it('an invalid hint is treated as no hint; signed out already, it just says so', async () => {
      const browser = await signedIn();
      const page = await browser.get('/oauth2/logout?id_token_hint=a.b.c');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Sign out of iiniit?');
      expect(await stillSignedIn(browser)).toBe(true);
      const nobody = await new Browser(t.url).get('/oauth2/logout');
      expect(nobody.status).toBe(200);
      expect(nobody.text).toContain('You are signed out');
    });

    it('a post_logout_redirect_uri without a way to check it, or for an unknown app, is an error page', async () => {
      const browser = await signedIn();
      const queries: Record<string, string>[] = [
        { post_logout_redirect_uri: SIGNED_OUT },
        { client_id: 'iic_unknown', post_logout_redirect_uri: SIGNED_OUT },
      ];
      for (const query of queries) {
        const res = await browser.get(`/oauth2/logout?${new URLSearchParams(query).toString()}`);
        expect(res.status).toBe(400);
        expect(res.headers.get('location')).toBeNull();
      }
      expect(await stillSignedIn(browser)).toBe(true);
    });
  });

  describe('client registration', () => {
    it('/v1/clients takes post_logout_redirect_uris and id_token_signed_response_alg, and checks them', async () => {
      const dev = await createUser(t.app);
      const s = await signInAs(t.app, dev.id);
      const create = (body: Record<string, unknown>) =>
        http(`${t.url}/v1/clients`, { method: 'POST', headers: s.headers, body });
      const base = {
        name: 'OIDC App',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['openid'],
      };
      const plain = await create(base);
      expect(plain.status).toBe(201);
      expect(plain.json).toMatchObject({
        post_logout_redirect_uris: [],
        id_token_signed_response_alg: 'ES256',
      });
      const full = await create({
        ...base,
        post_logout_redirect_uris: [SIGNED_OUT],
        id_token_signed_response_alg: 'RS256',
      });
      expect(full.json).toMatchObject({
        post_logout_redirect_uris: [SIGNED_OUT],
        id_token_signed_response_alg: 'RS256',
        scopes: ['openid'],
      });
      const badAlg = await create({ ...base, id_token_signed_response_alg: 'none' });
      expect(badAlg.status).toBe(400);
      const badUri = await create({ ...base, post_logout_redirect_uris: ['http://evil.example/out'] });
      expect(badUri.status).toBe(400);
      expect(JSON.stringify(badUri.json)).toContain('post_logout_redirect_uris');
      const patched = await http(`${t.url}/v1/clients/${full.json.id}`, {
        method: 'PATCH',
        headers: s.headers,
        body: { id_token_signed_response_alg: 'ES256' },
      });
      expect(patched.json).toMatchObject({
        id_token_signed_response_alg: 'ES256',
        post_logout_redirect_uris: [SIGNED_OUT],
      });
    });

    it('the console form has the OpenID Connect fields and saves them', async () => {
      const dev = await createUser(t.app);
      const s = await signInAs(t.app, dev.id);
      const form = await http(`${t.url}/console/apps/new`, { headers: { cookie: s.cookie } });
      expect(form.text).toContain('name="post_logout_redirect_uris"');
      expect(form.text).toContain('name="id_token_signed_response_alg"');
      const body = new URLSearchParams({
        csrf_token: s.csrf,
        name: 'Console OIDC',
        type: 'confidential',
        redirect_uris: REDIRECT_URI,
        post_logout_redirect_uris: SIGNED_OUT,
        id_token_signed_response_alg: 'RS256',
      });
      for (const scope of ['openid', 'email']) body.append('scopes', scope);
      const res = await http(`${t.url}/console/apps`, {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
      });
      expect(res.status).toBe(303);
      const [created] = await t.app.get(ClientsService).listOwned(dev.id);
      expect(created).toMatchObject({
        scopes: ['openid', 'email'],
        postLogoutRedirectUris: [SIGNED_OUT],
        idTokenSignedResponseAlg: 'RS256',
      });
    });

    it('the admin CLI registers them: --post-logout-redirect-uri and --id-token-alg', async () => {
      const res = await runTs('src/cli/admin.ts', [
        'client:create',
        '--name',
        'CLI OIDC',
        '--type',
        'confidential',
        '--redirect-uri',
        REDIRECT_URI,
        '--scope',
        'openid profile email read:user',
        '--post-logout-redirect-uri',
        SIGNED_OUT,
        '--id-token-alg',
        'RS256',
      ]);
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout.trim())).toMatchObject({
        scopes: ['openid', 'profile', 'email', 'read:user'],
        post_logout_redirect_uris: [SIGNED_OUT],
        id_token_signed_response_alg: 'RS256',
      });
    });
  });
});
