import { createApiKey } from './factories/api-keys';
import { createClient } from './factories/clients';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http } from './support/http';
import { basic, tokenRequest } from './support/oauth';

describe('errors that say what to do', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp();
  });

  afterAll(() => t?.close());

  it('an API key sent as a Bearer token is told to use X-API-Key', async () => {
    const user = await createUser(t.app);
    const { key } = await createApiKey(t.app, user.id);
    const res = await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: 'invalid_token' });
    expect(res.json.error_description).toContain('X-API-Key');
    expect(res.headers.get('www-authenticate')).toContain('X-API-Key');
    // The key itself is never echoed back.
    expect(res.text).not.toContain(key);
    // The same key in the right header works.
    const ok = await http(`${t.url}/v1/user`, { headers: { 'x-api-key': key } });
    expect(ok.status).toBe(200);
  });

  it('a client_credentials token on /v1/user gets one clear 403', async () => {
    const { clientId, clientSecret } = await createClient(t.app, {
      redirectUris: [],
      grantTypes: ['client_credentials'],
      scopes: ['read:user'],
    });
    const token = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', scope: 'read:user' },
      { authorization: basic(clientId, clientSecret!) },
    );
    expect(token.status).toBe(200);
    const res = await http(`${t.url}/v1/user`, {
      headers: { authorization: `Bearer ${token.json.access_token as string}` },
    });
    expect(res.status).toBe(403);
    expect(res.json.error_description).toContain('service tokens (client_credentials) act for no user');
  });
});
