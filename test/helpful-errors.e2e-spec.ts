import { createApiKey } from './factories/api-keys';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http } from './support/http';

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
});
