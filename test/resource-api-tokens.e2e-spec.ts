import { AuthorizationsService } from '../src/tokens/authorizations/authorizations.service';
import { AccessTokensService } from '../src/tokens/jwt/access-tokens.service';
import { createClient } from './factories/clients';
import { createProject } from './factories/projects';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http, type HttpResult } from './support/http';
import { basic, codeFlowTokens, tokenRequest } from './support/oauth';

const ALL = ['read:user', 'read:projects', 'write:projects'];

/** The resource API with OAuth access tokens (the API-key side is in projects/api-keys specs). */
describe('resource API with bearer tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  /** A real user token minted by the issuer the token endpoint uses, under a real grant. */
  async function userToken(userId: string, scopes: string[]): Promise<Record<string, string>> {
    const client = await createClient(t.app);
    const grant = await t.app.get(AuthorizationsService).approve(userId, client.clientId, scopes);
    const { token } = await t.app
      .get(AccessTokensService)
      .issue({ subject: userId, clientId: client.clientId, scopes, grantId: grant.id });
    return { authorization: `Bearer ${token}` };
  }

  const call = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<HttpResult> => http(`${t.url}${path}`, { method, headers, body });

  it('scope matrix: every route × {token with the scope, token without it, no credential}', async () => {
    const owner = await createUser(t.app);
    const fresh = async () => (await createProject(t.app, owner.id)).id;
    const routes: {
      name: string;
      scope: string;
      ok: number;
      run: (h: Record<string, string>) => Promise<HttpResult>;
    }[] = [
      { name: 'GET /v1/user', scope: 'read:user', ok: 200, run: (h) => call('GET', '/v1/user', h) },
      {
        name: 'GET /v1/projects',
        scope: 'read:projects',
        ok: 200,
        run: (h) => call('GET', '/v1/projects', h),
      },
      {
        name: 'GET /v1/projects/:id',
        scope: 'read:projects',
        ok: 200,
        run: async (h) => call('GET', `/v1/projects/${await fresh()}`, h),
      },
      {
        name: 'POST /v1/projects',
        scope: 'write:projects',
        ok: 201,
        run: (h) => call('POST', '/v1/projects', h, { name: 'Via token' }),
      },
      {
        name: 'PATCH /v1/projects/:id',
        scope: 'write:projects',
        ok: 200,
        run: async (h) => call('PATCH', `/v1/projects/${await fresh()}`, h, { name: 'Renamed' }),
      },
      {
        name: 'DELETE /v1/projects/:id',
        scope: 'write:projects',
        ok: 204,
        run: async (h) => call('DELETE', `/v1/projects/${await fresh()}`, h),
      },
    ];
    for (const route of routes) {
      const withScope = await route.run(await userToken(owner.id, [route.scope]));
      expect([route.name, withScope.status]).toEqual([route.name, route.ok]);
      const without = await route.run(
        await userToken(
          owner.id,
          ALL.filter((s) => s !== route.scope),
        ),
      );
      expect([route.name, without.status, without.json?.error]).toEqual([
        route.name,
        403,
        'insufficient_scope',
      ]);
      expect(without.headers.get('www-authenticate')).toContain(`scope="${route.scope}"`);
      const none = await route.run({});
      expect([route.name, none.status]).toEqual([route.name, 401]);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="iiniit"');
    }
  });

  it("ownership: user A's token cannot read, change or delete user B's project (404), and lists only its own", async () => {
    const a = await createUser(t.app);
    const b = await createUser(t.app);
    const bProject = await createProject(t.app, b.id);
    const aHeaders = await userToken(a.id, ALL);
    expect((await call('GET', `/v1/projects/${bProject.id}`, aHeaders)).status).toBe(404);
    expect((await call('PATCH', `/v1/projects/${bProject.id}`, aHeaders, { name: 'mine now' })).status).toBe(
      404,
    );
    expect((await call('DELETE', `/v1/projects/${bProject.id}`, aHeaders)).status).toBe(404);
    const list = await call('GET', '/v1/projects?limit=100', aHeaders);
    expect(list.json.data.every((p: { owner_id: string }) => p.owner_id === a.id)).toBe(true);
  });

  it('a token from the real code flow calls GET /v1/user and GET /v1/projects', async () => {
    const user = await createUser(t.app);
    await createProject(t.app, user.id);
    const app = await createClient(t.app);
    const tokens = (await codeFlowTokens(t.url, user, app, 'read:user read:projects')).json;
    const headers = { authorization: `Bearer ${tokens.access_token}` };
    const me = await call('GET', '/v1/user', headers);
    expect(me.status).toBe(200);
    expect(me.json).toEqual({
      id: user.id,
      email: user.email,
      name: user.displayName,
      created_at: expect.any(String),
    });
    const projects = await call('GET', '/v1/projects', headers);
    expect(projects.status).toBe(200);
    expect(projects.json.data).toHaveLength(1);
    // read-only token: writing is refused with the needed scope named.
    const write = await call('POST', '/v1/projects', headers, { name: 'nope' });
    expect(write.status).toBe(403);
  });

  it('a client_credentials token acts as a service: reads and writes all projects, never /v1/user', async () => {
    const svc = await createClient(t.app, { grantTypes: ['client_credentials'], redirectUris: [] });
    const token = (
      await tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        { authorization: basic(svc.clientId, svc.clientSecret!) },
      )
    ).json.access_token;
    const headers = { authorization: `Bearer ${token}` };
    const someone = await createUser(t.app);
    const project = await createProject(t.app, someone.id);
    expect((await call('GET', `/v1/projects/${project.id}`, headers)).status).toBe(200);
    const created = await call('POST', '/v1/projects', headers, {
      name: 'For someone',
      owner_id: someone.id,
    });
    expect(created.status).toBe(201);
    expect(created.json.owner_id).toBe(someone.id);
    expect((await call('GET', '/v1/user', headers)).status).toBe(403);
  });
});
