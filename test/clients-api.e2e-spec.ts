import { REDIRECT_URI } from './factories/clients';
import { type SignedIn, signInAs } from './factories/sessions';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http } from './support/http';
import { basic, codeFlowTokens, tokenRequest } from './support/oauth';

describe('/v1/clients (developer self-service, signed-in session + CSRF)', () => {
  let t: TestApp;
  let alice: SignedIn;
  let bob: SignedIn;
  let aliceUser: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    t = await bootApp();
    aliceUser = await createUser(t.app);
    alice = await signInAs(t.app, aliceUser.id);
    bob = await signInAs(t.app, (await createUser(t.app)).id);
  });
  afterAll(() => t.close());

  const create = (who: SignedIn, body: Record<string, unknown>) =>
    http(`${t.url}/v1/clients`, { method: 'POST', body, headers: who.headers });

  it('creates a confidential client and shows the secret exactly once', async () => {
    const res = await create(alice, {
      name: 'My App',
      type: 'confidential',
      redirect_uris: [REDIRECT_URI],
      scopes: ['read:user'],
    });
    expect(res.status).toBe(201);
    expect(res.json.client_secret).toMatch(/^iics_[A-Za-z0-9_-]{43}$/);
    expect(res.json).toMatchObject({
      name: 'My App',
      type: 'confidential',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const list = await http(`${t.url}/v1/clients`, { headers: alice.headers });
    expect(list.json.data.map((c: { id: string }) => c.id)).toContain(res.json.id);
    expect(list.text).not.toContain(res.json.client_secret);
    const one = await http(`${t.url}/v1/clients/${res.json.id}`, { headers: alice.headers });
    expect(one.json.client_secret).toBeUndefined();
  });

  it('rotating the secret shows a new one; the old one stops working (overlap 0)', async () => {
    const created = (
      await create(alice, {
        name: 'Rotating',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['read:user'],
        grant_types: ['client_credentials'],
      })
    ).json;
    const grant = (secret: string) =>
      tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        { authorization: basic(created.client_id, secret) },
      );
    expect((await grant(created.client_secret)).status).toBe(200);
    const rotated = await http(`${t.url}/v1/clients/${created.id}/secret`, {
      method: 'POST',
      headers: alice.headers,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.json.client_secret).not.toBe(created.client_secret);
    expect((await grant(created.client_secret)).status).toBe(401);
    expect((await grant(rotated.json.client_secret)).status).toBe(200);
  });

  it('edits redirect URIs and scopes; deletes', async () => {
    const created = (
      await create(alice, {
        name: 'Edit me',
        type: 'public',
        redirect_uris: ['http://127.0.0.1:9000/cb'],
        scopes: ['read:user'],
      })
    ).json;
    const patched = await http(`${t.url}/v1/clients/${created.id}`, {
      method: 'PATCH',
      body: { redirect_uris: ['com.example.app:/cb'], scopes: ['read:user', 'read:projects'] },
      headers: alice.headers,
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      redirect_uris: ['com.example.app:/cb'],
      scopes: ['read:user', 'read:projects'],
    });
    const deleted = await http(`${t.url}/v1/clients/${created.id}`, {
      method: 'DELETE',
      headers: alice.headers,
    });
    expect(deleted.status).toBe(204);
    expect((await http(`${t.url}/v1/clients/${created.id}`, { headers: alice.headers })).status).toBe(404);
  });

  it("deleting a client kills its access tokens at once: users' and its own (client_credentials)", async () => {
    const created = (
      await create(alice, {
        name: 'Short-lived',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['read:user', 'read:projects'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      })
    ).json;
    const auth = { authorization: basic(created.client_id, created.client_secret) };
    const userToken = (
      await codeFlowTokens(
        t.url,
        aliceUser,
        { clientId: created.client_id, clientSecret: created.client_secret },
        'read:user',
      )
    ).json.access_token as string;
    const serviceToken = (
      await tokenRequest(t.url, { grant_type: 'client_credentials', scope: 'read:projects' }, auth)
    ).json.access_token as string;
    const call = (path: string, token: string) =>
      http(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    // An independent resource server asking about both tokens.
    const rs = (
      await create(bob, {
        name: 'Resource server',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['read:projects'],
        grant_types: ['client_credentials'],
      })
    ).json;
    const introspect = (token: string) =>
      http(`${t.url}/oauth2/introspect`, {
        method: 'POST',
        form: { token },
        headers: { authorization: basic(rs.client_id, rs.client_secret) },
      });

    expect((await call('/v1/user', userToken)).status).toBe(200);
    expect((await call('/v1/projects', serviceToken)).status).toBe(200);
    expect((await introspect(serviceToken)).json.active).toBe(true);

    const deleted = await http(`${t.url}/v1/clients/${created.id}`, {
      method: 'DELETE',
      headers: alice.headers,
    });
    expect(deleted.status).toBe(204);

    expect((await call('/v1/user', userToken)).status).toBe(401);
    expect((await call('/v1/projects', serviceToken)).status).toBe(401);
    expect((await introspect(userToken)).json).toEqual({ active: false });
    expect((await introspect(serviceToken)).json).toEqual({ active: false });
  });

  it("another user's client is a 404 for every route", async () => {
    const created = (
      await create(alice, {
        name: 'Private',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['read:user'],
      })
    ).json;
    const url = `${t.url}/v1/clients/${created.id}`;
    expect((await http(url, { headers: bob.headers })).status).toBe(404);
    expect((await http(url, { method: 'PATCH', body: { name: 'x' }, headers: bob.headers })).status).toBe(
      404,
    );
    expect((await http(url, { method: 'DELETE', headers: bob.headers })).status).toBe(404);
    expect((await http(`${url}/secret`, { method: 'POST', headers: bob.headers })).status).toBe(404);
  });

  it.each([
    ['javascript:alert(1)'],
    ['data:text/html,hi'],
    ['http://app.example.com/cb'],
    ['https://app.example.com/cb#frag'],
    ['relative/path'],
    ['https://user:pw@app.example.com/cb'],
  ])('refuses redirect URI %s', async (uri) => {
    const res = await create(alice, {
      name: 'Bad',
      type: 'confidential',
      redirect_uris: [uri],
      scopes: ['read:user'],
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
    expect(res.json.fields[0].field).toBe('redirect_uris');
  });

  // RFC 6749 §3.1: no parameter more than once in the authorization response, which appends these.
  it.each(['code', 'state', 'iss', 'error', 'error_description', 'error_uri'])(
    'refuses a redirect URI whose query already carries %s, on create and on update',
    async (name) => {
      const uri = `https://app.example.com/cb?tenant=7&${name}=x`;
      const res = await create(alice, {
        name: 'Bad',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI, uri],
        scopes: ['read:user'],
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_request');
      expect(res.json.fields).toEqual([
        {
          field: 'redirect_uris',
          messages: [expect.stringContaining(`must not carry the query parameter "${name}"`)],
        },
      ]);

      const created = await create(alice, {
        name: 'Good',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['read:user'],
      });
      expect(created.status).toBe(201);
      const patched = await http(`${t.url}/v1/clients/${created.json.id}`, {
        method: 'PATCH',
        body: { redirect_uris: [uri] },
        headers: alice.headers,
      });
      expect(patched.status).toBe(400);
      expect(patched.json.fields[0].field).toBe('redirect_uris');
      const unchanged = await http(`${t.url}/v1/clients/${created.json.id}`, { headers: alice.headers });
      expect(unchanged.json.redirect_uris).toEqual([REDIRECT_URI]);
    },
  );

  it('accepts a redirect URI with a query of its own (and names that merely resemble response parameters)', async () => {
    const uri = 'https://app.example.com/cb?tenant=7&codes=1&error_page=2';
    const res = await create(alice, {
      name: 'Query',
      type: 'confidential',
      redirect_uris: [uri],
      scopes: ['read:user'],
    });
    expect(res.status).toBe(201);
    expect(res.json.redirect_uris).toEqual([uri]);
  });

  it('validates the body (unknown scope, unknown field, bad type, bad id)', async () => {
    expect(
      (
        await create(alice, {
          name: 'x',
          type: 'confidential',
          redirect_uris: [REDIRECT_URI],
          scopes: ['admin'],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await create(alice, {
          name: 'x',
          type: 'confidential',
          redirect_uris: [REDIRECT_URI],
          scopes: [],
          extra: 1,
        })
      ).status,
    ).toBe(400);
    expect(
      (await create(alice, { name: 'x', type: 'weird', redirect_uris: [REDIRECT_URI], scopes: [] })).status,
    ).toBe(400);
    const bad = await http(`${t.url}/v1/clients/not-a-uuid`, { headers: alice.headers });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_request');
  });

  it('needs the session, and the CSRF header on unsafe methods', async () => {
    expect((await http(`${t.url}/v1/clients`)).status).toBe(401);
    const noCsrf = await http(`${t.url}/v1/clients`, {
      method: 'POST',
      body: { name: 'x', type: 'public', redirect_uris: [REDIRECT_URI], scopes: [] },
      headers: { cookie: alice.cookie },
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error).toBe('csrf_failed');
  });

  it('lists and revokes the apps a user authorized (/v1/authorizations); revocation kills its tokens', async () => {
    const created = (
      await create(bob, {
        name: 'Third party',
        type: 'confidential',
        redirect_uris: [REDIRECT_URI],
        scopes: ['read:user'],
      })
    ).json;
    const tokens = (
      await codeFlowTokens(
        t.url,
        aliceUser,
        { clientId: created.client_id, clientSecret: created.client_secret },
        'read:user',
      )
    ).json;
    const list = await http(`${t.url}/v1/authorizations`, { headers: alice.headers });
    const entry = list.json.data.find((a: { client_id: string }) => a.client_id === created.client_id);
    expect(entry).toMatchObject({ client_name: 'Third party', scopes: ['read:user'] });
    const revoke = await http(`${t.url}/v1/authorizations/${entry.id}`, {
      method: 'DELETE',
      headers: alice.headers,
    });
    expect(revoke.status).toBe(204);
    const me = await http(`${t.url}/v1/user`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(me.status).toBe(401);
    const refresh = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { authorization: basic(created.client_id, created.client_secret) },
    );
    expect(refresh.json.error).toBe('invalid_grant');
  });
});
