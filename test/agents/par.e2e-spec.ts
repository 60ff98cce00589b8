import { DataSource } from 'typeorm';

import { OAuthClient } from '../../src/clients/oauth-client.entity';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { http } from '../support/http';
import { basic, pkcePair, tokenRequest } from '../support/oauth';

/** RFC 9126 pushed authorization requests, over HTTP against PostgreSQL. */
describe('pushed authorization requests (RFC 9126)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await bootApp()));
  afterAll(() => t.close());

  async function setup() {
    const user = await createUser(t.app);
    const client = await createClient(t.app);
    const auth = basic(client.clientId, client.clientSecret!);
    const push = (form: Record<string, string>, authorization = auth) =>
      http(`${t.url}/oauth2/par`, { method: 'POST', form, headers: { authorization } });
    return { user, client, auth, push };
  }

  async function authorizeWith(
    browser: Browser,
    clientId: string,
    requestUri: string,
    user: { email: string; password: string },
  ) {
    let page = await browser.get(
      `/oauth2/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri }).toString()}`,
    );
    if (page.text.includes('action="/auth/login"')) {
      const after = await browser.submit(page, { email: user.email, password: user.password });
      expect(after.status).toBe(303);
      page = await browser.get(after.headers.get('location')!);
    }
    return page;
  }

  it('pushes a request, then the code flow runs from request_uri alone; the request_uri is single use', async () => {
    const { user, client, auth, push } = await setup();
    const { verifier, challenge } = pkcePair();
    const res = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:projects',
      state: 'pushed-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.json.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(res.json.expires_in).toBe(60);

    const browser = new Browser(t.url);
    const consent = await authorizeWith(browser, client.clientId, res.json.request_uri, user);
    expect(consent.text).toContain('action="/auth/consent"');
    // The consent form carries the reference, not the parameters.
    expect(consent.text).toContain('name="request_uri"');
    expect(consent.text).not.toContain('name="code_challenge"');
    const done = await browser.submit(consent, { decision: 'approve' });
    const back = new URL(done.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('pushed-state');
    const tokens = await tokenRequest(
      t.url,
      {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      },
      { authorization: auth },
    );
    expect(tokens.status).toBe(200);

    // RFC 9126 §4: one-time use.
    const again = await browser.get(
      `/oauth2/authorize?${new URLSearchParams({ client_id: client.clientId, request_uri: res.json.request_uri }).toString()}`,
    );
    expect(again.status).toBe(400);
    expect(again.text).toContain('invalid_request_uri');
  });

  it('prompt=login in a pushed request asks for a sign-in once, then goes on (no login loop)', async () => {
    const { user, client, push } = await setup();
    const browser = new Browser(t.url);
    const base = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:projects',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    };
    // Signed in already, through an earlier pushed request.
    const first = await push(base);
    expect((await authorizeWith(browser, client.clientId, first.json.request_uri, user)).text).toContain(
      'action="/auth/consent"',
    );
    // auth_time has whole seconds: let that sign-in be in an earlier second than this request.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const res = await push({ ...base, prompt: 'login', max_age: '0' });
    expect(res.status).toBe(201);
    const query = new URLSearchParams({ client_id: client.clientId, request_uri: res.json.request_uri });
    const login = await browser.get(`/oauth2/authorize?${query.toString()}`);
    expect(login.text).toContain('action="/auth/login"');
    const after = await browser.submit(login, { email: user.email, password: user.password });
    expect(after.status).toBe(303);
    const next = await browser.get(after.headers.get('location')!);
    expect(next.text).toContain('action="/auth/consent"');
    expect(next.text).not.toContain('action="/auth/login"');
  });

  it("the consent page names the pushed redirect URI's host, not the app's first one", async () => {
    const user = await createUser(t.app);
    const client = await createClient(t.app, {
      redirectUris: [REDIRECT_URI, 'https://second.example.net/cb'],
    });
    const res = await http(`${t.url}/oauth2/par`, {
      method: 'POST',
      form: {
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: 'https://second.example.net/cb',
        scope: 'read:user',
      },
      headers: { authorization: basic(client.clientId, client.clientSecret!) },
    });
    const consent = await authorizeWith(new Browser(t.url), client.clientId, res.json.request_uri, user);
    expect(consent.text).toContain('<strong>second.example.net</strong>');
    expect(consent.text).not.toContain('<strong>app.example.com</strong>');
  });

  it('refuses an expired request_uri', async () => {
    const { user, client, push } = await setup();
    const res = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
    });
    await t.app
      .get(DataSource)
      .query(
        `UPDATE "pushed_authorization_requests" SET "expires_at" = now() - interval '1 second' WHERE "client_id" = $1`,
        [client.clientId],
      );
    const page = await authorizeWith(new Browser(t.url), client.clientId, res.json.request_uri, user);
    expect(page.status).toBe(400);
    expect(page.text).toContain('invalid_request_uri');
  });

  it('refuses a request_uri presented with another client_id, and unknown ones', async () => {
    const { user, client, push } = await setup();
    const other = await createClient(t.app);
    const res = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
    });
    const wrong = await authorizeWith(new Browser(t.url), other.clientId, res.json.request_uri, user);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('invalid_request_uri');
    const unknown = await authorizeWith(
      new Browser(t.url),
      client.clientId,
      'urn:ietf:params:oauth:request_uri:nope',
      user,
    );
    expect(unknown.status).toBe(400);
  });

  it('validates the pushed request like the authorization endpoint, with JSON errors', async () => {
    const { client, push } = await setup();
    const badRedirect = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: 'https://evil.example/cb',
      scope: 'read:user',
    });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.json.error).toBe('invalid_request');
    const badScope = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'nope',
    });
    expect(badScope.json.error).toBe('invalid_scope');
    const badTarget = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
      resource: 'https://unknown.example/',
    });
    expect(badTarget.json.error).toBe('invalid_target');
    const nested = await push({ response_type: 'code', client_id: client.clientId, request_uri: 'urn:x' });
    expect(nested.json.error).toBe('invalid_request');
    const unauthenticated = await push(
      { response_type: 'code', client_id: client.clientId },
      basic(client.clientId, 'wrong'),
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.json.error).toBe('invalid_client');
    const other = await createClient(t.app);
    const mismatch = await push({
      response_type: 'code',
      client_id: other.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
    });
    expect(mismatch.status).toBe(401);
  });

  it('a PAR-required client cannot send its parameters directly', async () => {
    const { user, client, push } = await setup();
    await t.app
      .get(DataSource)
      .getRepository(OAuthClient)
      .update({ clientId: client.clientId }, { requirePar: true });
    const browser = new Browser(t.url);
    const direct = await browser.get(
      `/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT_URI, scope: 'read:user', state: 's' }).toString()}`,
    );
    expect(direct.status).toBe(302);
    expect(new URL(direct.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const res = await push({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
    });
    const page = await authorizeWith(browser, client.clientId, res.json.request_uri, user);
    expect(page.text).toContain('action="/auth/consent"');
  });
});
