import { DataSource } from 'typeorm';

import { createClient } from './factories/clients';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { Browser } from './support/browser';
import { http } from './support/http';
import { authorizeInBrowser, authorizeUrl, signInOnPage, tokenRequest } from './support/oauth';

/**
 * RFC 6749 §3.1: a response parameter never appears twice, even when a registered redirect URI's own
 * query already carries one of the names (registration refuses such URIs now; older rows may hold one).
 */
describe('authorization response parameters', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;
  let client: Awaited<ReturnType<typeof createClient>>;
  const registered =
    'https://app.example.com/callback?tenant=7&code=registered-code&state=registered-state&iss=https%3A%2F%2Fevil.example&error=registered-error';

  beforeAll(async () => {
    t = await bootApp();
    user = await createUser(t.app);
    client = await createClient(t.app);
    // Written straight to the table, as a row registered before the rule existed would be (and before
    // the client is ever read, so no cache holds the old value).
    await t.app
      .get(DataSource)
      .query('UPDATE oauth_clients SET redirect_uris = $1 WHERE client_id = $2', [
        [registered],
        client.clientId,
      ]);
  });
  afterAll(() => t.close());

  const request = (extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: registered,
    scope: 'read:user',
    state: 'ours',
    ...extra,
  });

  function once(query: URLSearchParams, name: string): string | null {
    const values = query.getAll(name);
    expect(values.length).toBeLessThanOrEqual(1);
    return values[0] ?? null;
  }

  it('success: one code, state and iss, all ours; the URI keeps its other parameters', async () => {
    const query = await authorizeInBrowser(t.url, user, request());
    expect(once(query, 'state')).toBe('ours');
    expect(once(query, 'iss')).toBe(t.config.issuer);
    expect(once(query, 'error')).toBeNull();
    expect(query.get('tenant')).toBe('7');
    const code = once(query, 'code');
    expect(code).not.toBe('registered-code');
    const tokens = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: registered,
      client_id: client.clientId,
      client_secret: client.clientSecret!,
    });
    expect(tokens.status).toBe(200);
  });

  it('error: one error, state and iss, and no code', async () => {
    const res = await http(`${t.url}${authorizeUrl(request({ response_type: 'token' }))}`);
    expect(res.status).toBe(302);
    const query = new URL(res.headers.get('location')!).searchParams;
    expect(once(query, 'error')).toBe('unsupported_response_type');
    expect(once(query, 'state')).toBe('ours');
    expect(once(query, 'iss')).toBe(t.config.issuer);
    expect(once(query, 'code')).toBeNull();
    expect(query.get('tenant')).toBe('7');
  });

  it('an error without state carries none of the registered one', async () => {
    const res = await http(`${t.url}${authorizeUrl(request({ state: '', scope: 'nope' }))}`);
    const query = new URL(res.headers.get('location')!).searchParams;
    expect(once(query, 'error')).toBe('invalid_scope');
    expect(once(query, 'state')).toBeNull();
  });
});

describe('interactive forms and parameters', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;
  let client: Awaited<ReturnType<typeof createClient>>;

  beforeAll(async () => {
    t = await bootApp();
    user = await createUser(t.app);
    client = await createClient(t.app);
  });
  afterAll(() => t.close());

  it.each(['/auth/login', '/auth/signup', '/auth/consent', '/oauth2/authorize'])(
    'GET %s with a repeated parameter is an error page (RFC 6749 §3.1), never a redirect',
    async (path) => {
      const res = await http(`${t.url}${path}?client_id=${client.clientId}&return_to=/a&return_to=/b`);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).toContain('was sent more than once');
    },
  );

  it('a repeated field in a posted form is an error page too', async () => {
    const browser = new Browser(t.url);
    await browser.get('/auth/login');
    const res = await http(`${t.url}/auth/login`, {
      method: 'POST',
      body: 'email=a%40example.com&email=b%40example.com&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('parameter &quot;email&quot; was sent more than once');
  });

  it("sign-up shows the account rules' field errors next to their fields", async () => {
    const browser = new Browser(t.url);
    const page = await browser.get('/auth/signup');
    const res = await browser.submit(page, { email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="email-error">Email must be a valid email address\.</);
    expect(browser.cookies.has('iiniit_session')).toBe(false);
  });

  it('consent without Allow or Deny is an error page, and no redirect', async () => {
    const browser = new Browser(t.url);
    const login = await browser.get(
      authorizeUrl({ response_type: 'code', client_id: client.clientId, scope: 'read:user', state: 's' }),
    );
    const consent = await signInOnPage(browser, login, user.email, user.password);
    expect(consent.text).toContain('action="/auth/consent"');
    for (const decision of ['', 'maybe']) {
      const res = await browser.submit(consent, { decision });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.text).toContain('Choose Allow or Deny.');
    }
  });

  it('consent signed out shows the login page, which comes back to the request', async () => {
    const res = await http(`${t.url}/auth/consent`, {
      method: 'POST',
      form: { response_type: 'code', client_id: client.clientId, scope: 'read:user', decision: 'approve' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('action="/auth/login"');
    expect(res.text).toContain('name="return_to" value="/oauth2/authorize?response_type=code&amp;client_id=');
  });

  it('the published doc POSTs the authorization request to /auth/login without an email', async () => {
    const res = await http(`${t.url}/auth/login`, {
      method: 'POST',
      form: { response_type: 'code', client_id: client.clientId, scope: 'read:user' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Test App');
    expect(res.text).toContain('action="/auth/login"');
  });
});
