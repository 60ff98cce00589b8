import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import passport from 'passport';
import { Strategy as OAuth2Strategy, type VerifyFunction } from 'passport-oauth2';

import { createClient } from './factories/clients';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { Browser } from './support/browser';
import { signInOnPage } from './support/oauth';

type Req = IncomingMessage & { query?: Record<string, string>; session?: Record<string, unknown> };

/**
 * A real third-party app: passport-oauth2 (state + PKCE S256, client_secret_post), unmodified, talking to
 * iiniit over HTTP. The test plays the user's browser between the two servers.
 */
describe('a third-party app using passport-oauth2', () => {
  let t: TestApp;
  let appServer: Server;
  let appUrl: string;
  let result: { accessToken: string; refreshToken: string; params: Record<string, unknown> } | undefined;

  beforeAll(async () => {
    t = await bootApp();
    appServer = createServer();
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const address = appServer.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    appUrl = `http://127.0.0.1:${address.port}`;
    const { clientId, clientSecret } = await createClient(t.app, {
      name: 'Passport App',
      redirectUris: [`${appUrl}/callback`],
    });

    const strategy = new OAuth2Strategy(
      {
        authorizationURL: `${t.url}/oauth2/authorize`,
        tokenURL: `${t.url}/oauth2/token`,
        clientID: clientId,
        clientSecret: clientSecret!,
        callbackURL: `${appUrl}/callback`,
        scope: ['read:user', 'read:projects'],
        state: true,
        pkce: true,
      },
      // The 5-argument form receives the raw token response (`params`).
      ((
        accessToken: string,
        refreshToken: string,
        params: Record<string, unknown>,
        _profile: unknown,
        done: (e: null, u: unknown) => void,
      ) => done(null, { accessToken, refreshToken, params })) as unknown as VerifyFunction,
    );
    passport.use('iiniit', strategy);
    const session: Record<string, unknown> = {}; // one browser in this test
    appServer.on('request', (req: Req, res: ServerResponse) => {
      const url = new URL(req.url!, appUrl);
      req.query = Object.fromEntries(url.searchParams);
      req.session = session;
      const next = (err?: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      };
      if (url.pathname === '/login') {
        passport.authenticate('iiniit', { session: false })(req, res, next);
      } else if (url.pathname === '/callback') {
        passport.authenticate('iiniit', { session: false }, (err: unknown, user: typeof result) => {
          if (err || !user) return next(err ?? 'no user');
          result = user;
          res.end('signed in');
        })(req, res, next);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => appServer.close(resolve));
    await t.close();
  });

  it('signs a user in end to end and gets a token that verifies with jose', async () => {
    const user = await createUser(t.app);
    const browser = new Browser(t.url);
    const start = await browser.get(`${appUrl}/login`);
    expect(start.status).toBe(302);
    const authorize = start.headers.get('location')!;
    expect(authorize).toContain('code_challenge_method=S256');
    const login = await browser.get(authorize);
    const consent = await signInOnPage(browser, login, user.email, user.password);
    expect(consent.text).toContain('Passport App');
    const back = await browser.submit(consent, { decision: 'approve' });
    expect(back.status).toBe(303);
    const callback = await browser.get(back.headers.get('location')!);
    expect(callback.text).toBe('signed in');

    expect(result?.params).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      scope: 'read:user read:projects',
    });
    const { payload } = await jwtVerify(
      result!.accessToken,
      createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)),
      {
        issuer: t.config.issuer,
        typ: 'at+jwt',
      },
    );
    expect(payload.sub).toBe(user.id);
    expect(result!.refreshToken).toMatch(/^iirt_/);
  });
});
