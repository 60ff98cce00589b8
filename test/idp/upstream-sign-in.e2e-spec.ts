import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';

import { DataSource } from 'typeorm';

import { IdentityProvidersService } from '../../src/auth/idp/identity-providers.service';
import { IdpRegistry } from '../../src/auth/idp/idp-registry';
import { Session } from '../../src/sessions/session.entity';
import { UsersService } from '../../src/users/users.service';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser, uniqueEmail } from '../factories/users';
import { bootApp, freePort, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { runTs } from '../support/cli';
import { authorizeUrl, basic, tokenRequest } from '../support/oauth';
import {
  addProvider,
  continueHref,
  disableProviders,
  startUpstreamOp,
  throughUpstream,
  uniqueSlug,
  type UpstreamOp,
} from './support';

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/**
 * Sign-in through an upstream OpenID provider — a real node-oidc-provider on its own port — and the
 * account rules around it: create on first sign-in, find by (provider, subject), link only from the
 * console, never merge by email, and every upstream failure ending on a page with a way back.
 */
describe('Upstream identity providers (passport-oauth2)', () => {
  let t: TestApp;
  let op: UpstreamOp;
  const slug = uniqueSlug('corp');
  const secret = 'upstream-client-secret-0123456789abcdef';

  beforeAll(async () => {
    t = await bootApp();
    op = await startUpstreamOp([
      { client_id: 'iiniit', client_secret: secret, redirect_uris: [`${t.url}/auth/idp/${slug}/callback`] },
    ]);
    await addProvider(t, {
      slug,
      type: 'oidc',
      name: 'Corp SSO',
      issuer: op.issuer,
      clientId: 'iiniit',
      clientSecret: secret,
    });
  });
  afterAll(async () => {
    await op?.tamper({});
    if (t) await disableProviders(t, slug);
    await op?.close();
    await t?.close();
  });

  /** From a page with the buttons to our callback's response. */
  async function signInUpstream(browser: Browser, page: { text: string }) {
    const start = await browser.get(continueHref(page as never, slug));
    const { authorizationRequest, callback } = await throughUpstream(browser, start, t.url);
    return { authorizationRequest, callback, result: await browser.get(callback.pathname + callback.search) };
  }

  function sessionCookieSet(res: { headers: Headers }): boolean {
    return res.headers.getSetCookie().some((c) => /^iiniit_session=[^;]+/.test(c));
  }

  it('keeps the client secret sealed at rest and out of every listing', async () => {
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT client_secret_sealed FROM identity_providers WHERE slug = $1`, [slug]);
    expect(rows[0].client_secret_sealed).toMatch(/^s1\./);
    expect(rows[0].client_secret_sealed).not.toContain(secret);
    const listed = JSON.stringify(await t.app.get(IdentityProvidersService).list());
    expect(listed).not.toContain(secret);
  });

  it('a new user comes through the upstream to the consent page, and the app gets its tokens', async () => {
    const app = await createClient(t.app, { scopes: ['openid', 'email', 'profile', 'read:user'] });
    const email = uniqueEmail('fed-new');
    await op.next({ sub: `sub-${email}`, email, email_verified: true, name: 'Fed Newcomer' });
    const browser = new Browser(t.url);
    const login = await browser.get(
      authorizeUrl({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'openid email profile',
        state: 'app-state',
      }),
    );
    expect(login.status).toBe(200);
    expect(login.text).toContain('Continue with Corp SSO');

    const { authorizationRequest, result } = await signInUpstream(browser, login);
    // RFC 6749 §10.12 state, RFC 7636 S256, OIDC Core nonce on every upstream request.
    const q = authorizationRequest.searchParams;
    expect(q.get('state')).toMatch(/^[\w-]{43}$/);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(q.get('redirect_uri')).toBe(`${t.url}/auth/idp/${slug}/callback`);

    expect(result.status).toBe(303);
    expect(sessionCookieSet(result)).toBe(true);
    // Back to the third-party app's authorization request, which now shows its consent page.
    const consent = await browser.get(result.headers.get('location')!);
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('action="/auth/consent"');
    const approved = await browser.submit(consent, { decision: 'approve' });
    expect([302, 303]).toContain(approved.status);
    const redirect = new URL(approved.headers.get('location')!);
    expect(redirect.searchParams.get('state')).toBe('app-state');
    const tokens = await tokenRequest(
      t.url,
      {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        redirect_uri: REDIRECT_URI,
      },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    expect(tokens.status).toBe(200);
    const idToken = claimsOf(tokens.json.id_token);
    // OIDC Core §2 / RFC 8176: our id_token says the user came in federated.
    expect(idToken.amr).toEqual(['fed']);

    const user = await t.app.get(UsersService).findByEmail(email);
    expect(user).toMatchObject({ id: idToken.sub, displayName: 'Fed Newcomer', emailVerified: true });
    expect(await t.app.get(UsersService).hasPassword(user!.id)).toBe(false);
    // Upstream tokens are not kept; the session records federated sign-in.
    const sessions = await t.app.get(DataSource).getRepository(Session).findBy({ userId: user!.id });
    expect(sessions.map((s) => s.amr)).toEqual([['fed']]);
  });

  it('a returning user is found by (provider, subject), even after the upstream email changed', async () => {
    const email = uniqueEmail('fed-return');
    await op.next({ sub: `sub-${email}`, email, email_verified: true, name: 'Returning' });
    const first = new Browser(t.url);
    const one = await signInUpstream(first, await first.get('/auth/login'));
    expect(one.result.status).toBe(303);
    expect(one.result.headers.get('location')).toBe('/console');
    const user = await t.app.get(UsersService).findByEmail(email);

    await op.next({ sub: `sub-${email}`, email: uniqueEmail('fed-changed'), email_verified: true });
    const second = new Browser(t.url);
    const two = await signInUpstream(second, await second.get('/auth/login'));
    expect(two.result.status).toBe(303);
    const sessionToken = second.cookies.get('iiniit_session')!;
    const sessions = t.app.get(DataSource).getRepository(Session);
    const rows = await sessions.findBy({ userId: user!.id });
    expect(rows).toHaveLength(2);
    expect(sessionToken).toBeTruthy();
    // The sign-up page offers the same buttons.
    expect((await second.get('/auth/signup')).text).toContain('Continue with Corp SSO');
  });

  it('links from the console only, signs in as the linked account, unlinks — but never the last way in', async () => {
    const owner = await createUser(t.app);
    const signedIn = await signInAs(t.app, owner.id);
    const browser = new Browser(t.url);
    const [name, value] = signedIn.cookie.split('=');
    browser.cookies.set(name, value);
    const page = await browser.get('/console/linked-sign-ins');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Link Corp SSO');

    const sub = `sub-linked-${owner.id}`;
    // The upstream email is someone else's and unverified: linking does not care, it is the signed-in user's choice.
    await op.next({ sub, email: uniqueEmail('other'), email_verified: false });
    const form =
      /<form method="post" action="(\/console\/linked-sign-ins\/[^"]+\/link)"[\s\S]*?<\/form>/.exec(
        page.text,
      )!;
    const start = await browser.post(form[1], { csrf_token: signedIn.csrf });
    const { callback } = await throughUpstream(browser, start, t.url);
    const linked = await browser.get(callback.pathname + callback.search);
    expect(linked.status).toBe(303);
    expect(linked.headers.get('location')).toBe('/console/linked-sign-ins?notice=linked');
    const after = await browser.get('/console/linked-sign-ins?notice=linked');
    expect(after.text).toContain('Linked. You can now sign in with it.');
    expect(after.text).not.toContain('Link Corp SSO');

    // A signed-out browser signing in upstream with that subject becomes the owner.
    await op.next({ sub, email: uniqueEmail('other'), email_verified: false });
    const elsewhere = new Browser(t.url);
    const signIn = await signInUpstream(elsewhere, await elsewhere.get('/auth/login'));
    expect(signIn.result.status).toBe(303);
    const sessions = await t.app.get(DataSource).getRepository(Session).findBy({ userId: owner.id });
    expect(sessions.some((s) => s.amr.includes('fed'))).toBe(true);

    // The owner has a password: unlinking is allowed.
    const unlink = /action="(\/console\/linked-sign-ins\/[0-9a-f-]{36}\/unlink)"/.exec(after.text)!;
    const unlinked = await browser.post(unlink[1], { csrf_token: signedIn.csrf });
    expect(unlinked.status).toBe(303);
    expect((await browser.get('/console/linked-sign-ins')).text).toContain('Link Corp SSO');

    // Without CSRF, nothing is linked or unlinked.
    expect((await browser.post(form[1], {})).status).toBe(403);
  });

  it('an account made upstream cannot unlink its only way to sign in', async () => {
    const email = uniqueEmail('fed-only');
    await op.next({ sub: `sub-${email}`, email, email_verified: true });
    const browser = new Browser(t.url);
    const { result } = await signInUpstream(browser, await browser.get('/auth/login'));
    expect(result.status).toBe(303);
    const page = await browser.get('/console/linked-sign-ins');
    expect(page.text).toContain('cannot be unlinked');
    expect(page.text).not.toContain('/unlink"');
    const user = await t.app.get(UsersService).findByEmail(email);
    const [identity] = await t.app.get(IdentityProvidersService).identitiesOf(user!.id);
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.text)![1];
    const refused = await browser.post(`/console/linked-sign-ins/${identity.id}/unlink`, {
      csrf_token: csrf,
    });
    expect(refused.status).toBe(409);
    expect(await t.app.get(IdentityProvidersService).identitiesOf(user!.id)).toHaveLength(1);
  });

  it('an upstream email that belongs to an account never merges into it (unverified, or even verified)', async () => {
    const existing = await createUser(t.app);
    for (const verified of [false, true]) {
      await op.next({
        sub: `sub-merge-${verified}-${existing.id}`,
        email: existing.email,
        email_verified: verified,
      });
      const browser = new Browser(t.url);
      const { result } = await signInUpstream(browser, await browser.get('/auth/login'));
      expect(result.status).toBe(409);
      expect(result.text).toContain('An account with this email address already exists');
      expect(result.text).toContain('href="/auth/login?return_to=%2Fconsole"');
      expect(sessionCookieSet(result)).toBe(false);
    }
    expect(await t.app.get(IdentityProvidersService).identitiesOf(existing.id)).toEqual([]);
    expect(await t.app.get(DataSource).getRepository(Session).findBy({ userId: existing.id })).toEqual([]);
  });

  it('access_denied at the upstream ends on a friendly page with a way back to the app', async () => {
    await op.next({ deny: true });
    const browser = new Browser(t.url);
    const page = await browser.get('/auth/login?return_to=%2Fconsole%2Fapps');
    const { callback, result } = await signInUpstream(browser, page);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(result.status).toBe(403);
    expect(result.text).toContain('Sign-in cancelled');
    expect(result.text).toContain('href="/auth/login?return_to=%2Fconsole%2Fapps"');
    expect(sessionCookieSet(result)).toBe(false);
  });

  it('a tampered state, a replayed callback and a callback from another browser are refused', async () => {
    const email = uniqueEmail('fed-state');
    await op.next({ sub: `sub-${email}`, email, email_verified: true });
    const browser = new Browser(t.url);
    const start = await browser.get(continueHref(await browser.get('/auth/login'), slug));
    const { callback } = await throughUpstream(browser, start, t.url);

    const tampered = new URL(callback.href);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}AA`);
    const other = new Browser(t.url); // no state cookie at all
    const fromElsewhere = await other.get(callback.pathname + callback.search);
    expect(fromElsewhere.status).toBe(400);
    const stateCookie = browser.cookies.get('iiniit_upstream')!;
    const bad = await browser.get(tampered.pathname + tampered.search);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('This sign-in expired');
    expect(sessionCookieSet(bad)).toBe(false);
    // The failed attempt cleared the cookie; put back, the untouched callback still completes.
    browser.cookies.set('iiniit_upstream', stateCookie);
    const good = await browser.get(callback.pathname + callback.search);
    expect(good.status).toBe(303);
    expect(await t.app.get(UsersService).findByEmail(email)).not.toBeNull();
  });

  it.each([
    ['aud', { aud: 'someone-else' }],
    ['nonce', { nonce: 'not-the-one-we-sent' }],
    ['iss', { iss: 'https://evil.example.com' }],
    ['exp', { exp: Math.floor(Date.now() / 1000) - 3600 }],
  ])('an upstream id_token with the wrong %s signs nobody in', async (_claim, claims) => {
    const email = uniqueEmail('fed-tampered');
    await op.next({ sub: `sub-${email}`, email, email_verified: true });
    await op.tamper(claims);
    try {
      const browser = new Browser(t.url);
      const { result } = await signInUpstream(browser, await browser.get('/auth/login'));
      expect(result.status).toBe(401);
      expect(result.text).toContain('We could not verify this sign-in');
      expect(sessionCookieSet(result)).toBe(false);
      expect(await t.app.get(UsersService).findByEmail(email)).toBeNull();
    } finally {
      await op.tamper({});
    }
  });

  it('a provider that is down, or hangs, ends on a page within the 10 s bound', async () => {
    const down = uniqueSlug('down');
    const closedPort = await freePort();
    await addProvider(t, {
      slug: down,
      type: 'oidc',
      name: 'Down SSO',
      issuer: `http://127.0.0.1:${closedPort}`,
      clientId: 'x',
      clientSecret: 'y',
    });
    // Accepts connections and never answers.
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    const hangSlug = uniqueSlug('hang');
    const port = (hanging.address() as { port: number }).port;
    try {
      await addProvider(t, {
        slug: hangSlug,
        type: 'oidc',
        name: 'Hanging SSO',
        issuer: `http://127.0.0.1:${port}`,
        clientId: 'x',
        clientSecret: 'y',
      });
      const browser = new Browser(t.url);
      const res = await browser.get(`/auth/idp/${down}?return_to=%2Fconsole`);
      expect(res.status).toBe(502);
      expect(res.text).toContain('Down SSO is not available');
      expect(res.text).toContain('href="/auth/login?return_to=%2Fconsole"');

      const started = Date.now();
      const slow = await browser.get(`/auth/idp/${hangSlug}`);
      expect(slow.status).toBe(502);
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
      await disableProviders(t, down, hangSlug);
    }
  }, 30_000);

  it('an unknown provider is a 404 page, never a 500', async () => {
    expect((await new Browser(t.url).get('/auth/idp/no-such-provider')).status).toBe(404);
    expect((await new Browser(t.url).get('/auth/idp/NOT%20VALID/callback?code=x&state=y')).status).toBe(404);
  });

  describe('GitHub preset (against a local stand-in for its three endpoints)', () => {
    let github: Server;
    let base: string;
    const codes = new Map<string, string>();
    const ghSlug = uniqueSlug('github');

    beforeAll(async () => {
      github = createServer((req, res) => {
        const url = new URL(req.url!, 'http://x');
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (url.pathname === '/login/oauth/authorize') {
          codes.set('gh-code', url.searchParams.get('code_challenge')!);
          const back = new URL(url.searchParams.get('redirect_uri')!);
          back.searchParams.set('code', 'gh-code');
          back.searchParams.set('state', url.searchParams.get('state')!);
          res.writeHead(302, { location: back.href });
          return res.end();
        }
        if (url.pathname === '/login/oauth/access_token') {
          let body = '';
          req.on('data', (c) => (body += c));
          req.on('end', () => {
            const form = new URLSearchParams(body);
            const challenge = createHash('sha256')
              .update(form.get('code_verifier') ?? '')
              .digest('base64url');
            if (form.get('client_secret') !== 'gh-secret' || codes.get(form.get('code')!) !== challenge) {
              return json(200, { error: 'bad_verification_code' });
            }
            json(200, { access_token: 'gho_test', token_type: 'bearer', scope: 'read:user,user:email' });
          });
          return;
        }
        if (req.headers.authorization !== 'Bearer gho_test') return json(401, { message: 'Bad credentials' });
        if (url.pathname === '/api/user') {
          return json(200, { id: 4242, login: 'octo', name: 'Octo Cat', email: null });
        }
        if (url.pathname === '/api/user/emails') {
          return json(200, [
            { email: 'octo-old@example.com', primary: false, verified: true },
            { email: `octo-${ghSlug}@example.com`, primary: true, verified: true },
          ]);
        }
        json(404, {});
      });
      await new Promise<void>((r) => github.listen(0, '127.0.0.1', () => r()));
      base = `http://127.0.0.1:${(github.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await disableProviders(t, ghSlug);
      github?.close();
    });

    it('is created with the CLI (overriding the endpoints), listed without its secret, and signs in', async () => {
      const created = await runTs('src/cli/admin.ts', [
        'idp:create',
        '--slug',
        ghSlug,
        '--type',
        'github',
        '--client-id',
        'gh-client',
        '--client-secret',
        'gh-secret',
        '--authorization-url',
        `${base}/login/oauth/authorize`,
        '--token-url',
        `${base}/login/oauth/access_token`,
        '--userinfo-url',
        `${base}/api/user`,
      ]);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect(created.stdout).not.toContain('gh-secret');
      expect(JSON.parse(created.stdout)).toMatchObject({
        slug: ghSlug,
        type: 'github',
        name: 'GitHub',
        scope: 'read:user user:email',
        token_url: `${base}/login/oauth/access_token`,
        enabled: true,
      });
      const listed = await runTs('src/cli/admin.ts', ['idp:list']);
      expect(listed.stdout).toContain(ghSlug);
      expect(listed.stdout).not.toContain('gh-secret');

      // The CLI's change reaches this server through the change feed (Redis) — or its periodic reload.
      const registry = t.app.get(IdpRegistry);
      if (!process.env.REDIS_URL) await registry.reload();
      const browser = new Browser(t.url);
      let login = await browser.get('/auth/login');
      for (let i = 0; i < 100 && !login.text.includes(`/auth/idp/${ghSlug}?`); i++) {
        await new Promise((r) => setTimeout(r, 50));
        login = await browser.get('/auth/login');
      }
      expect(login.text).toContain('Continue with GitHub');
      const { result } = await signInUpstream2(browser, login, ghSlug);
      expect(result.status).toBe(303);
      const user = await t.app.get(UsersService).findByEmail(`octo-${ghSlug}@example.com`);
      expect(user).toMatchObject({ displayName: 'Octo Cat', emailVerified: true });

      const disabled = await runTs('src/cli/admin.ts', ['idp:disable', '--slug', ghSlug]);
      expect(JSON.parse(disabled.stdout)).toMatchObject({ slug: ghSlug, enabled: false });
      if (!process.env.REDIS_URL) await registry.reload();
      for (
        let i = 0;
        i < 100 && (await browser.get('/auth/login')).text.includes(`/auth/idp/${ghSlug}?`);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await browser.get('/auth/login')).text).not.toContain(`/auth/idp/${ghSlug}?`);
      expect((await browser.get(`/auth/idp/${ghSlug}`)).status).toBe(404);
    }, 180_000);

    it('the CLI refuses a bad slug or an unknown type', async () => {
      const bad = await runTs('src/cli/admin.ts', [
        'idp:create',
        '--slug',
        'Bad Slug',
        '--type',
        'facebook',
        '--client-id',
        'a',
        '--client-secret',
        'b',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('slug');
      expect(bad.stderr).toContain('type');
    }, 120_000);

    async function signInUpstream2(browser: Browser, page: { text: string }, s: string) {
      const start = await browser.get(continueHref(page as never, s));
      const { callback } = await throughUpstream(browser, start, t.url);
      return { result: await browser.get(callback.pathname + callback.search) };
    }
  });
});
