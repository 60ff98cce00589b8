import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { Browser } from './support/browser';

/** The session and CSRF cookies, attribute for attribute. */
describe('cookies', () => {
  describe('plain-http issuer', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp();
    });
    afterAll(() => t.close());

    it('sets HttpOnly, Path=/, SameSite=Lax cookies without Secure, and clears them with Max-Age=0', async () => {
      const user = await createUser(t.app);
      const browser = new Browser(t.url);
      const login = await browser.get('/auth/login');
      expect(login.status).toBe(200);
      expect(login.headers.getSetCookie()).toEqual([
        expect.stringMatching(/^iiniit_csrf=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/),
      ]);

      const signedIn = await browser.submit(login, { email: user.email, password: user.password });
      expect(signedIn.status).toBe(303);
      const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('iiniit_session='));
      expect(session).toMatch(
        /^iiniit_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
      );

      // The session cookie among others, with the spaces browsers put between them, is found.
      const token = browser.cookies.get('iiniit_session')!;
      const state = await browser.get('/auth/session', { cookie: `a=1;  iiniit_session=${token} ; b=2` });
      expect(state.status).toBe(200);
      const csrf = (state.json as { csrf_token: string }).csrf_token;

      const out = await browser.post('/auth/logout', { csrf_token: csrf });
      expect(out.status).toBe(303);
      expect(out.headers.getSetCookie()).toEqual([
        'iiniit_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0',
      ]);
    });
  });

  describe('https issuer', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({ ISSUER: 'https://id.example.test' });
    });
    afterAll(() => t.close());

    it('uses the __Host- prefix with Secure (RFC 6265bis §4.1.3.2)', async () => {
      const login = await new Browser(t.url).get('/auth/login');
      expect(login.status).toBe(200);
      expect(login.headers.getSetCookie()).toEqual([
        expect.stringMatching(
          /^__Host-iiniit_csrf=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600$/,
        ),
      ]);
    });
  });
});
