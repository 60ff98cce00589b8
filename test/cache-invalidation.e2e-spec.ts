import { createApiKey, withKey } from './factories/api-keys';
import { createClient } from './factories/clients';
import { signInAs } from './factories/sessions';
import { createUser } from './factories/users';
import { bootInstances, closeAll, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { http } from './support/http';
import { basic, tokenRequest } from './support/oauth';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** Two instances sharing PostgreSQL and Redis: a change on one reaches the other's caches within 1 s. */
describe('cross-instance cache invalidation (Redis change feed)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await bootInstances(2, { REDIS_URL });
  });
  afterAll(() => closeAll(a, b));

  it('an API key revoked on A stops working on B (which had it cached)', async () => {
    const user = await createUser(a.app);
    const created = await createApiKey(a.app, user.id);
    const key = created.key;
    expect((await http(`${b.url}/v1/projects`, { headers: withKey(key) })).status).toBe(200);
    const session = await signInAs(a.app, user.id);
    expect(
      (await http(`${a.url}/v1/api-keys/${created.id}`, { method: 'DELETE', headers: session.headers }))
        .status,
    ).toBe(204);
    const ms = await eventually(
      async () => (await http(`${b.url}/v1/projects`, { headers: withKey(key) })).status === 401,
    );
    console.log(`API-key revocation reached the other instance in ${ms} ms`);
  });

  it('a client secret rotated on A is refused by B at once', async () => {
    const owner = await createUser(a.app);
    const svc = await createClient(a.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      ownerId: owner.id,
    });
    const cc = (url: string, secret: string) =>
      tokenRequest(url, { grant_type: 'client_credentials' }, { authorization: basic(svc.clientId, secret) });
    expect((await cc(b.url, svc.clientSecret!)).status).toBe(200);
    const session = await signInAs(a.app, owner.id);
    const rotated = await http(`${a.url}/v1/clients/${svc.client.id}/secret`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(rotated.status).toBe(201);
    await eventually(async () => (await cc(b.url, svc.clientSecret!)).status === 401);
    expect((await cc(b.url, rotated.json.client_secret)).status).toBe(200);
  });
});
