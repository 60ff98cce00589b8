import { randomUUID } from 'node:crypto';

import { decodeJwt } from 'jose';

import { TOKEN_EXCHANGE } from '../../src/clients/clients.service';
import { ResourcesService } from '../../src/resources/resources.service';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http } from '../support/http';
import { authorizeInBrowser, basic, tokenRequest } from '../support/oauth';

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** RFC 8693 token exchange for a resource server's own client, over HTTP against PostgreSQL. */
describe('token exchange (RFC 8693) for resource servers', () => {
  let t: TestApp;
  let resource: string;
  let server: { clientId: string; clientSecret?: string };

  beforeAll(async () => {
    t = await bootApp();
    server = await createClient(t.app, {
      grantTypes: [TOKEN_EXCHANGE],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    resource = `https://mcp-${randomUUID().slice(0, 8)}.example.com/mcp`;
    await t.app
      .get(ResourcesService)
      .create({ uri: resource, name: 'MCP', scopes: ['read:projects'], clientId: server.clientId });
  });
  afterAll(() => t.close());

  async function userToken(resources: string[]) {
    const user = await createUser(t.app);
    const app = await createClient(t.app);
    const q = await authorizeInBrowser(t.url, user, {
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:projects',
      ...(resources.length ? { resource: resources[0] } : {}),
    });
    const res = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT_URI },
      { authorization: basic(app.clientId, app.clientSecret!) },
    );
    return { user, app, token: res.json.access_token as string };
  }

  const exchange = (form: Record<string, string>, client = server) =>
    tokenRequest(
      t.url,
      { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN, ...form },
      { authorization: basic(client.clientId, client.clientSecret!) },
    );

  it('exchanges a token issued for the resource into one for the API: same user and grant, API audience', async () => {
    const { user, token } = await userToken([resource]);
    const res = await exchange({ subject_token: token, resource: `${t.url}/v1` });
    expect(res.status).toBe(200);
    expect(res.json.issued_token_type).toBe(ACCESS_TOKEN);
    expect(res.json.refresh_token).toBeUndefined();
    const claims = decodeJwt(res.json.access_token);
    expect(claims).toMatchObject({
      aud: `${t.url}/v1`,
      sub: user.id,
      client_id: server.clientId,
      scope: 'read:projects',
    });
    expect(claims.grant_id).toBe(decodeJwt(token).grant_id);
    const api = await http(`${t.url}/v1/projects`, {
      headers: { authorization: `Bearer ${res.json.access_token}` },
    });
    expect(api.status).toBe(200);
  });

  it('refuses tokens not issued for the exchanging client’s resource, other clients, and wider scopes', async () => {
    const { token: apiToken } = await userToken([]);
    expect((await exchange({ subject_token: apiToken })).json.error).toBe('invalid_grant');
    const { token } = await userToken([resource]);
    const stranger = await createClient(t.app, {
      grantTypes: [TOKEN_EXCHANGE],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    expect((await exchange({ subject_token: token }, stranger)).json.error).toBe('unauthorized_client');
    expect((await exchange({ subject_token: token, scope: 'read:user' })).json.error).toBe('invalid_scope');
    expect((await exchange({ subject_token: token, subject_token_type: 'urn:x' })).json.error).toBe(
      'invalid_request',
    );
    expect((await exchange({ subject_token: 'not-a-jwt' })).json.error).toBe('invalid_grant');
  });

  it("introspection (RFC 7662): the resource's own client sees its tokens with their audience; revocation works", async () => {
    const { app, token } = await userToken([resource]);
    const introspect = (client: { clientId: string; clientSecret?: string }) =>
      http(`${t.url}/oauth2/introspect`, {
        method: 'POST',
        form: { token },
        headers: { authorization: basic(client.clientId, client.clientSecret!) },
      });
    const seen = await introspect(server);
    expect(seen.json).toMatchObject({
      active: true,
      aud: resource,
      scope: 'read:projects',
      client_id: app.clientId,
    });
    const stranger = await createClient(t.app, {
      grantTypes: [TOKEN_EXCHANGE],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    expect((await introspect(stranger)).json).toEqual({ active: false });

    // RFC 7009: the app that holds the token can revoke it, although its audience is not the API.
    const revoked = await http(`${t.url}/oauth2/revoke`, {
      method: 'POST',
      form: { token },
      headers: { authorization: basic(app.clientId, app.clientSecret!) },
    });
    expect(revoked.status).toBe(200);
    expect((await introspect(server)).json).toEqual({ active: false });
    expect((await exchange({ subject_token: token })).json.error).toBe('invalid_grant');
  });
});
