import { createClient } from './factories/clients';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http } from './support/http';
import { basic, codeFlowTokens, tokenRequest } from './support/oauth';

describe('internal services: client_credentials, introspection, revocation', () => {
  let t: TestApp;
  let service: Awaited<ReturnType<typeof createClient>>;
  let auth: { authorization: string };

  beforeAll(async () => {
    t = await bootApp();
    service = await createClient(t.app, {
      name: 'Billing service',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects', 'write:projects'],
    });
    auth = { authorization: basic(service.clientId, service.clientSecret!) };
  });
  afterAll(() => t.close());

  const cc = (form: Record<string, string> = {}, headers = auth) =>
    tokenRequest(t.url, { grant_type: 'client_credentials', ...form }, headers);
  const introspect = (
    token: string,
    headers: Record<string, string> = auth,
    extra: Record<string, string> = {},
  ) => http(`${t.url}/oauth2/introspect`, { method: 'POST', form: { token, ...extra }, headers });
  const revoke = (token: string, headers: Record<string, string> = auth) =>
    http(`${t.url}/oauth2/revoke`, { method: 'POST', form: { token }, headers });

  async function userTokens(client: Awaited<ReturnType<typeof createClient>>) {
    const user = await createUser(t.app);
    return (await codeFlowTokens(t.url, user, client, 'read:user read:projects')).json;
  }

  describe('client_credentials (RFC 6749 §4.4)', () => {
    it('issues a JWT for the client with its default scopes and no refresh token', async () => {
      const res = await cc();
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'read:projects write:projects',
      });
      expect(res.json.refresh_token).toBeUndefined();
      const payload = JSON.parse(Buffer.from(res.json.access_token.split('.')[1], 'base64url').toString());
      expect(payload.sub).toBe(service.clientId);
      expect(payload.client_id).toBe(service.clientId);
    });

    it('narrows to a requested subset; escalation → invalid_scope', async () => {
      expect((await cc({ scope: 'read:projects' })).json.scope).toBe('read:projects');
      const escalate = await cc({ scope: 'read:projects read:user' });
      expect(escalate.status).toBe(400);
      expect(escalate.json.error).toBe('invalid_scope');
    });

    it('the token works on /v1/projects (all projects) and is refused on /v1/user (a service is not a user)', async () => {
      const token = (await cc()).json.access_token;
      const projects = await http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
      expect(projects.status).toBe(200);
      const user = await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${token}` } });
      expect(user.status).toBe(403);
    });

    it('clients not allowed the grant → unauthorized_client; public clients cannot use it', async () => {
      const app = await createClient(t.app);
      const res = await cc({}, { authorization: basic(app.clientId, app.clientSecret!) });
      expect(res.json.error).toBe('unauthorized_client');
      const pub = await createClient(t.app, { type: 'public', redirectUris: ['http://127.0.0.1:7000/cb'] });
      const res2 = await tokenRequest(t.url, { grant_type: 'client_credentials', client_id: pub.clientId });
      expect(res2.json.error).toBe('unauthorized_client');
    });
  });

  describe('introspection (RFC 7662)', () => {
    it('requires client authentication', async () => {
      const token = (await cc()).json.access_token;
      const res = await http(`${t.url}/oauth2/introspect`, { method: 'POST', form: { token } });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_client');
    });

    it('describes an active access token', async () => {
      const token = (await cc()).json.access_token;
      const res = await introspect(token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toMatchObject({
        active: true,
        token_type: 'Bearer',
        scope: 'read:projects write:projects',
        client_id: service.clientId,
        sub: service.clientId,
        iss: t.config.issuer,
        aud: `${t.config.issuer}/v1`,
      });
      expect(res.json.exp - res.json.iat).toBe(3600);
    });

    it('describes an active refresh token to its own client, and a rotated one as inactive', async () => {
      const app = await createClient(t.app);
      const tokens = await userTokens(app);
      const appAuth = { authorization: basic(app.clientId, app.clientSecret!) };
      const res = await introspect(tokens.refresh_token, appAuth, { token_type_hint: 'access_token' });
      expect(res.json).toMatchObject({
        active: true,
        token_type: 'refresh_token',
        client_id: app.clientId,
        scope: 'read:user read:projects',
      });
      await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        appAuth,
      );
      expect((await introspect(tokens.refresh_token, appAuth)).json).toEqual({ active: false });
      // Another client never sees this app's refresh tokens.
      expect((await introspect(tokens.refresh_token)).json).toEqual({ active: false });
    });

    it.each([
      ['garbage', 'garbage'],
      ['a JWT-shaped junk', 'a.b.c'],
      ['a 3000-char string', 'x'.repeat(3000)],
      ['an alg:none JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ])('%s → { active: false }', async (_label, token) => {
      const res = await introspect(token);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ active: false });
    });

    it('a missing token parameter is invalid_request', async () => {
      const res = await http(`${t.url}/oauth2/introspect`, { method: 'POST', form: {}, headers: auth });
      expect(res.json.error).toBe('invalid_request');
    });
  });

  describe('revocation (RFC 7009)', () => {
    it("another client's attempt is refused and leaves the token active", async () => {
      const app = await createClient(t.app);
      const tokens = await userTokens(app);
      const res = await revoke(tokens.refresh_token);
      expect(res.status).toBe(400);
      const appAuth = { authorization: basic(app.clientId, app.clientSecret!) };
      expect((await introspect(tokens.refresh_token, appAuth)).json.active).toBe(true);
      const accessRes = await revoke(tokens.access_token);
      expect(accessRes.status).toBe(400);
      expect(
        (await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${tokens.access_token}` } }))
          .status,
      ).toBe(200);
    });

    it("revoking a refresh token kills its family's access tokens at the resource API", async () => {
      const app = await createClient(t.app);
      const tokens = await userTokens(app);
      const appAuth = { authorization: basic(app.clientId, app.clientSecret!) };
      expect(
        (await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${tokens.access_token}` } }))
          .status,
      ).toBe(200);
      expect((await revoke(tokens.refresh_token, appAuth)).status).toBe(200);
      expect(
        (await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${tokens.access_token}` } }))
          .status,
      ).toBe(401);
      expect(
        (
          await tokenRequest(
            t.url,
            { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
            appAuth,
          )
        ).json.error,
      ).toBe('invalid_grant');
    });

    it('a revoked access token is refused at once, and introspects inactive', async () => {
      const token = (await cc()).json.access_token;
      expect(
        (await http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
      expect((await revoke(token)).status).toBe(200);
      expect(
        (await http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(401);
      expect((await introspect(token)).json).toEqual({ active: false });
    });

    it('unknown tokens → 200; unauthenticated → 401', async () => {
      expect((await revoke('not-a-token')).status).toBe(200);
      expect((await http(`${t.url}/oauth2/revoke`, { method: 'POST', form: { token: 'x' } })).status).toBe(
        401,
      );
    });
  });
});
