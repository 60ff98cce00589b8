import { createApiKey, withKey } from './factories/api-keys';
import { createClient, REDIRECT_URI } from './factories/clients';
import { signInAs } from './factories/sessions';
import { createUser, TEST_PASSWORD, uniqueEmail } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { runTs } from './support/cli';
import { http, type HttpResult } from './support/http';
import { authorizeUrl, basic, codeFlowTokens, tokenRequest } from './support/oauth';

const ALL_MANAGE = ['manage:clients', 'manage:users', 'manage:api-keys'];

describe('management API (/v1/admin/*)', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await bootApp();
    token = await operatorToken(ALL_MANAGE);
  });
  afterAll(() => t.close());

  /** An operator's client_credentials client holding `scopes`, and a token for it. */
  async function operatorToken(scopes: string[]): Promise<string> {
    const op = await createClient(t.app, {
      name: 'automation',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes,
      operator: true,
    });
    return clientToken(op.clientId, op.clientSecret!);
  }

  async function clientToken(clientId: string, secret: string): Promise<string> {
    const res = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials' },
      { authorization: basic(clientId, secret) },
    );
    expect(res.status).toBe(200);
    return res.json.access_token;
  }

  const call = (
    method: string,
    path: string,
    opts: { body?: unknown; bearer?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> =>
    http(`${t.url}${path}`, {
      method,
      body: opts.body,
      headers: {
        ...(opts.bearer === '' ? {} : { authorization: `Bearer ${opts.bearer ?? token}` }),
        ...opts.headers,
      },
    });

  const user = (key: string) => http(`${t.url}/v1/user`, { headers: withKey(key) });

  describe('who may call it', () => {
    it('no credential → 401; an API key or a console session → 401 (bearer only)', async () => {
      const owner = await createUser(t.app);
      const key = await createApiKey(t.app, owner.id);
      const session = await signInAs(t.app, owner.id);
      for (const path of ['/v1/admin/clients', '/v1/admin/users', '/v1/admin/api-keys']) {
        expect((await call('GET', path, { bearer: '' })).status).toBe(401);
        expect((await call('GET', path, { bearer: '', headers: withKey(key.key) })).status).toBe(401);
        expect((await call('GET', path, { bearer: '', headers: session.headers })).status).toBe(401);
      }
      // A developer key still cannot create keys, here or in self-service.
      const viaKey = await call('POST', '/v1/admin/api-keys', {
        bearer: '',
        headers: withKey(key.key),
        body: { user_id: owner.id, name: 'x', scopes: ['read:user'] },
      });
      expect(viaKey.status).toBe(401);
    });

    it("a user's access token → 403 insufficient_scope naming the scope", async () => {
      const person = await createUser(t.app);
      const app = await createClient(t.app);
      const tokens = (await codeFlowTokens(t.url, person, app, 'read:user')).json;
      const res = await call('GET', '/v1/admin/users', { bearer: tokens.access_token });
      expect(res.status).toBe(403);
      expect(res.json.error).toBe('insufficient_scope');
      expect(res.json.scope).toBe('manage:users');
      expect(res.headers.get('www-authenticate')).toContain('scope="manage:users"');
    });

    it('each route needs its own manage:* scope', async () => {
      const usersOnly = await operatorToken(['manage:users']);
      expect((await call('GET', '/v1/admin/users', { bearer: usersOnly })).status).toBe(200);
      for (const [path, scope] of [
        ['/v1/admin/clients', 'manage:clients'],
        ['/v1/admin/api-keys', 'manage:api-keys'],
      ]) {
        const res = await call('GET', path, { bearer: usersOnly });
        expect(res.status).toBe(403);
        expect(res.json).toEqual(expect.objectContaining({ error: 'insufficient_scope', scope }));
      }
      const plain = await createClient(t.app, {
        type: 'confidential',
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      const service = await clientToken(plain.clientId, plain.clientSecret!);
      expect((await call('GET', '/v1/admin/clients', { bearer: service })).status).toBe(403);
    });
  });

  describe('the manage:* scopes are for operators only', () => {
    it('self-service and third-party apps can never hold them', async () => {
      const dev = await createUser(t.app);
      const session = await signInAs(t.app, dev.id);
      const selfService = await http(`${t.url}/v1/clients`, {
        method: 'POST',
        headers: session.headers,
        body: {
          name: 'sneaky',
          type: 'confidential',
          redirect_uris: [],
          grant_types: ['client_credentials'],
          scopes: ['manage:users'],
        },
      });
      expect(selfService.status).toBe(400);
      await expect(
        createClient(t.app, {
          grantTypes: ['client_credentials'],
          redirectUris: [],
          scopes: ['manage:users'],
        }),
      ).rejects.toThrow(/scopes/);
      // Operators too: only for a confidential client whose only grant type is client_credentials.
      await expect(createClient(t.app, { scopes: ['manage:users'], operator: true })).rejects.toThrow(
        /scopes/,
      );
    });

    it('the authorization endpoint refuses them (invalid_scope)', async () => {
      const app = await createClient(t.app);
      const res = await http(
        `${t.url}${authorizeUrl({ response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'read:user manage:users', state: 's' })}`,
      );
      expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    });

    it('API keys never carry them', async () => {
      const owner = await createUser(t.app);
      const res = await call('POST', '/v1/admin/api-keys', {
        body: { user_id: owner.id, name: 'x', scopes: ['manage:users'] },
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_request');
    });

    it('the admin CLI creates a management client as the README shows', async () => {
      const res = await runTs('src/cli/admin.ts', [
        'client:create',
        '--grant-type',
        'client_credentials',
        '--scope',
        'manage:clients manage:users',
      ]);
      expect(res.code).toBe(0);
      const printed = JSON.parse(res.stdout.trim());
      expect(printed).toEqual(
        expect.objectContaining({
          type: 'confidential',
          grant_types: ['client_credentials'],
          scopes: ['manage:clients', 'manage:users'],
        }),
      );
      const cliToken = await clientToken(printed.client_id, printed.client_secret);
      expect((await call('GET', '/v1/admin/users?limit=1', { bearer: cliToken })).status).toBe(200);
      expect((await call('GET', '/v1/admin/api-keys', { bearer: cliToken })).json.scope).toBe(
        'manage:api-keys',
      );
    });
  });

  describe('/v1/admin/clients', () => {
    it('create (secret shown once), get, list with keyset pages', async () => {
      const created = await call('POST', '/v1/admin/clients', {
        body: {
          name: 'Robot',
          type: 'confidential',
          grant_types: ['client_credentials'],
          scopes: ['read:projects'],
        },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      expect(created.json).toEqual(
        expect.objectContaining({
          name: 'Robot',
          owner_id: null,
          disabled_at: null,
          client_secret: expect.stringMatching(/^iics_/),
        }),
      );
      const got = await call('GET', `/v1/admin/clients/${created.json.id}`);
      expect(got.status).toBe(200);
      expect(got.json.client_secret).toBeUndefined();
      expect(got.json.client_id).toBe(created.json.client_id);

      await createClient(t.app);
      const first = await call('GET', '/v1/admin/clients?limit=2');
      expect(first.status).toBe(200);
      expect(first.json.data).toHaveLength(2);
      expect(first.json.next_cursor).toEqual(expect.any(String));
      const second = await call('GET', `/v1/admin/clients?limit=2&cursor=${first.json.next_cursor}`);
      expect(second.json.data).toHaveLength(2);
      const ids = [...first.json.data, ...second.json.data].map((c: { id: string }) => c.id);
      expect(new Set(ids).size).toBe(4);
      for (const c of first.json.data) expect(c.client_secret).toBeUndefined();

      expect((await call('GET', '/v1/admin/clients?cursor=nope')).status).toBe(400);
      expect((await call('GET', '/v1/admin/clients?limit=1000')).status).toBe(400);
      expect((await call('GET', '/v1/admin/clients/not-a-uuid')).status).toBe(400);
    });

    it('an operator may create a management client through the API', async () => {
      const res = await call('POST', '/v1/admin/clients', {
        body: {
          name: 'Sub-operator',
          type: 'confidential',
          grant_types: ['client_credentials'],
          scopes: ['manage:users'],
        },
      });
      expect(res.status).toBe(201);
      const sub = await clientToken(res.json.client_id, res.json.client_secret);
      expect((await call('GET', '/v1/admin/users', { bearer: sub })).status).toBe(200);
      const bad = await call('POST', '/v1/admin/clients', {
        body: { name: 'App', type: 'confidential', redirect_uris: [REDIRECT_URI], scopes: ['manage:users'] },
      });
      expect(bad.status).toBe(400);
    });

    it('disable stops the client and its tokens; enable restores them', async () => {
      const svc = await createClient(t.app, {
        type: 'confidential',
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      const svcToken = await clientToken(svc.clientId, svc.clientSecret!);
      const projects = () =>
        http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${svcToken}` } });
      expect((await projects()).status).toBe(200);

      const disabled = await call('POST', `/v1/admin/clients/${svc.client.id}/disable`);
      expect(disabled.status).toBe(200);
      expect(disabled.json.disabled_at).toEqual(expect.any(String));
      expect((await projects()).status).toBe(401);
      const refused = await tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        { authorization: basic(svc.clientId, svc.clientSecret!) },
      );
      expect(refused.status).toBe(401);
      expect(refused.json.error).toBe('invalid_client');

      const enabled = await call('POST', `/v1/admin/clients/${svc.client.id}/enable`);
      expect(enabled.status).toBe(200);
      expect(enabled.json.disabled_at).toBeNull();
      expect((await projects()).status).toBe(200);
    });

    it('rotate gives a new secret; the old one stops (no overlap by default)', async () => {
      const svc = await createClient(t.app, {
        type: 'confidential',
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      const rotated = await call('POST', `/v1/admin/clients/${svc.client.id}/secret`);
      expect(rotated.status).toBe(201);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      expect(rotated.json.client_secret).not.toBe(svc.clientSecret);
      await clientToken(svc.clientId, rotated.json.client_secret);
      const old = await tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        { authorization: basic(svc.clientId, svc.clientSecret!) },
      );
      expect(old.status).toBe(401);
    });

    it('delete revokes the client for good', async () => {
      const svc = await createClient(t.app);
      expect((await call('DELETE', `/v1/admin/clients/${svc.client.id}`)).status).toBe(204);
      expect((await call('GET', `/v1/admin/clients/${svc.client.id}`)).status).toBe(404);
      expect((await call('DELETE', `/v1/admin/clients/${svc.client.id}`)).status).toBe(404);
      expect((await call('POST', `/v1/admin/clients/${svc.client.id}/disable`)).status).toBe(404);
    });
  });

  describe('/v1/admin/users', () => {
    it('create, get, list with keyset pages; never a password hash', async () => {
      const email = uniqueEmail('admin');
      const created = await call('POST', '/v1/admin/users', {
        body: { email, password: TEST_PASSWORD, name: 'Ada' },
      });
      expect(created.status).toBe(201);
      expect(created.json).toEqual({
        id: expect.any(String),
        email,
        name: 'Ada',
        created_at: expect.any(String),
        disabled_at: null,
      });
      expect(
        (await call('POST', '/v1/admin/users', { body: { email, password: TEST_PASSWORD } })).status,
      ).toBe(409);
      expect(
        (await call('POST', '/v1/admin/users', { body: { email: 'x', password: 'short' } })).status,
      ).toBe(400);
      expect((await call('GET', `/v1/admin/users/${created.json.id}`)).json.email).toBe(email);

      await createUser(t.app);
      const first = await call('GET', '/v1/admin/users?limit=1');
      expect(first.json.data).toHaveLength(1);
      const second = await call('GET', `/v1/admin/users?limit=1&cursor=${first.json.next_cursor}`);
      expect(second.json.data[0].id).not.toBe(first.json.data[0].id);
      expect(JSON.stringify(first.json)).not.toContain('argon2');
    });

    it('disable: no sign-in, sessions and API keys stop; enable: sign-in works again', async () => {
      const person = await createUser(t.app);
      const key = await createApiKey(t.app, person.id);
      const session = await signInAs(t.app, person.id);
      expect((await user(key.key)).status).toBe(200);

      const disabled = await call('POST', `/v1/admin/users/${person.id}/disable`);
      expect(disabled.status).toBe(200);
      expect(disabled.json.disabled_at).toEqual(expect.any(String));
      expect((await user(key.key)).status).toBe(401);
      expect((await http(`${t.url}/v1/api-keys`, { headers: session.headers })).status).toBe(401);
      const app = await createClient(t.app);
      await expect(codeFlowTokens(t.url, person, app, 'read:user')).rejects.toThrow();

      expect((await call('POST', `/v1/admin/users/${person.id}/enable`)).json.disabled_at).toBeNull();
      const tokens = await codeFlowTokens(t.url, person, app, 'read:user');
      expect(tokens.status).toBe(200);
    });

    it('delete removes the account and everything it held', async () => {
      const person = await createUser(t.app);
      const key = await createApiKey(t.app, person.id);
      const app = await createClient(t.app);
      const tokens = (await codeFlowTokens(t.url, person, app, 'read:user')).json;
      expect((await call('DELETE', `/v1/admin/users/${person.id}`)).status).toBe(204);
      expect((await call('GET', `/v1/admin/users/${person.id}`)).status).toBe(404);
      expect((await user(key.key)).status).toBe(401);
      const me = await http(`${t.url}/v1/user`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.status).toBe(401);
      expect((await call('DELETE', `/v1/admin/users/${person.id}`)).status).toBe(404);
    });
  });

  describe('/v1/admin/api-keys', () => {
    it('create for a user, list (by user, paged), disable, enable, roll, delete', async () => {
      const owner = await createUser(t.app);
      const created = await call('POST', '/v1/admin/api-keys', {
        body: { user_id: owner.id, name: 'ci', scopes: ['read:user'] },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      expect(created.json).toEqual(expect.objectContaining({ user_id: owner.id, key: expect.any(String) }));
      const id = created.json.id;
      expect((await user(created.json.key)).status).toBe(200);
      const unknownUser = await call('POST', '/v1/admin/api-keys', {
        body: { user_id: '00000000-0000-4000-8000-000000000000', name: 'x', scopes: ['read:user'] },
      });
      expect(unknownUser.status).toBe(404);

      await createApiKey(t.app, owner.id);
      const page = await call('GET', `/v1/admin/api-keys?user_id=${owner.id}&limit=1`);
      expect(page.json.data).toHaveLength(1);
      expect(page.json.data[0].key).toBeUndefined();
      const rest = await call(
        'GET',
        `/v1/admin/api-keys?user_id=${owner.id}&limit=1&cursor=${page.json.next_cursor}`,
      );
      expect(rest.json.data).toHaveLength(1);
      expect(rest.json.next_cursor).toBeNull();

      expect((await call('POST', `/v1/admin/api-keys/${id}/disable`)).json.disabled_at).toEqual(
        expect.any(String),
      );
      expect((await user(created.json.key)).status).toBe(401);
      expect((await call('POST', `/v1/admin/api-keys/${id}/enable`)).json.disabled_at).toBeNull();
      expect((await user(created.json.key)).status).toBe(200);

      const rolled = await call('POST', `/v1/admin/api-keys/${id}/roll`);
      expect(rolled.status).toBe(201);
      expect(rolled.json.previous_key_expires_at).toEqual(expect.any(String));
      expect((await user(rolled.json.key)).status).toBe(200);

      expect((await call('DELETE', `/v1/admin/api-keys/${rolled.json.id}`)).status).toBe(204);
      expect((await user(rolled.json.key)).status).toBe(401);
      expect((await call('DELETE', `/v1/admin/api-keys/${rolled.json.id}`)).status).toBe(404);
    });
  });

  it('is in the OpenAPI document under the admin tag, with bearer security', async () => {
    const doc = (await http(`${t.url}/docs/json`)).json;
    const op = doc.paths['/v1/admin/clients'].get;
    expect(op.tags).toContain('admin');
    // A bearer token pasted in, or one from the Authorize dialog's client credentials flow.
    expect(op.security).toEqual([{ bearer: [] }, { oauth2: ['manage:clients'] }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/admin/users/{id}/disable', '/v1/admin/api-keys/{id}/roll']),
    );
  });
});
