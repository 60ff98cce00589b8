import { DataSource } from 'typeorm';

import { ApiKey } from '../src/api-keys/api-key.entity';
import { formatApiKey, generateApiKey } from '../src/api-keys/api-key-format';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { SecretHasher } from '../src/platform/crypto/crypto.service';
import { createApiKey, withKey } from './factories/api-keys';
import { type SignedIn, signInAs } from './factories/sessions';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http, type HttpResult } from './support/http';

const KEY_FORMAT = /^iik_test_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a client can observe of a 401: it must be the same for every kind of bad key. */
function rejection(res: HttpResult) {
  return { status: res.status, body: res.json, challenge: res.headers.get('www-authenticate') };
}

describe('API keys (real PostgreSQL over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  async function signedInUser(): Promise<{ id: string; session: SignedIn }> {
    const user = await createUser(t.app);
    return { id: user.id, session: await signInAs(t.app, user.id) };
  }

  function createKey(session: SignedIn, body: unknown): Promise<HttpResult> {
    return http(`${t.url}/v1/api-keys`, { method: 'POST', headers: session.headers, body });
  }

  async function setExpiry(id: string, expiresAt: Date): Promise<void> {
    const repo = t.app.get(DataSource).getRepository(ApiKey);
    await repo.update({ id }, { expiresAt });
    // A direct database edit bypasses the service: drop this process's cached copy, as the revocation
    // feed will for changes made on other instances.
    t.app.get(ApiKeysService).invalidate((await repo.findOneByOrFail({ id })).keyHash);
  }

  it('creates a key shown once; the list never shows it; the key calls the API for its owner', async () => {
    const { id: userId, session } = await signedInUser();
    const created = await createKey(session, {
      name: '  CI deploys ',
      scopes: ['read:projects', 'read:user'],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(created.json).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'key', 'last_used_at', 'name', 'prefix', 'scopes'].sort(),
    );
    const key: string = created.json.key;
    expect(key).toMatch(KEY_FORMAT);
    expect(created.json).toMatchObject({
      name: 'CI deploys',
      prefix: key.slice(0, 'iik_test_'.length + 4),
      scopes: ['read:projects', 'read:user'],
      expires_at: null,
      last_used_at: null,
    });

    // Stored: the HMAC and the visible prefix only.
    const row = await t.app.get(DataSource).getRepository(ApiKey).findOneByOrFail({ id: created.json.id });
    expect(row.keyHash).toBe(t.app.get(SecretHasher).hash(key));
    expect(JSON.stringify(row)).not.toContain(key.slice('iik_test_'.length + 4));

    const listed = await http(`${t.url}/v1/api-keys`, { headers: session.headers });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(key);
    expect(listed.json.data).toHaveLength(1);
    expect(listed.json.data[0]).toEqual({ ...created.json, key: undefined });
    expect(Object.keys(listed.json.data[0])).not.toContain('key');

    const projects = await http(`${t.url}/v1/projects`, { headers: withKey(key) });
    expect(projects.status).toBe(200);
    const me = await http(`${t.url}/v1/user`, { headers: withKey(key) });
    expect(me.status).toBe(200);
    expect(me.json.id).toBe(userId);

    // last_used_at is written in the background (fire-and-forget), so poll for it.
    let lastUsed: string | null = null;
    for (let i = 0; i < 40 && !lastUsed; i++) {
      await sleep(50);
      lastUsed = (await http(`${t.url}/v1/api-keys`, { headers: session.headers })).json.data[0].last_used_at;
    }
    expect(Date.parse(lastUsed!)).toBeGreaterThan(Date.parse(created.json.created_at) - 1000);
  });

  it('accepts only the signed-in session: CSRF header on unsafe methods, 401 without a session or with a key', async () => {
    const { id: userId, session } = await signedInUser();
    const body = { name: 'k', scopes: ['read:projects'] };

    const noCsrf = await http(`${t.url}/v1/api-keys`, {
      method: 'POST',
      headers: { cookie: session.cookie },
      body,
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error).toBe('csrf_failed');
    const wrongCsrf = await http(`${t.url}/v1/api-keys`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': 'nope' },
      body,
    });
    expect(wrongCsrf.status).toBe(403);

    const { id } = await createApiKey(t.app, userId);
    const deleteNoCsrf = await http(`${t.url}/v1/api-keys/${id}`, {
      method: 'DELETE',
      headers: { cookie: session.cookie },
    });
    expect(deleteNoCsrf.status).toBe(403);
    const rollNoCsrf = await http(`${t.url}/v1/api-keys/${id}/roll`, {
      method: 'POST',
      headers: { cookie: session.cookie },
    });
    expect(rollNoCsrf.status).toBe(403);

    const anonymous = await http(`${t.url}/v1/api-keys`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error).toBe('unauthorized');
    const anonymousCreate = await http(`${t.url}/v1/api-keys`, { method: 'POST', body });
    expect(anonymousCreate.status).toBe(401);

    // A key must never be able to mint, roll or list keys.
    const { key } = await createApiKey(t.app, userId);
    const withApiKey = await http(`${t.url}/v1/api-keys`, { method: 'POST', headers: withKey(key), body });
    expect(withApiKey.status).toBe(401);
    expect((await http(`${t.url}/v1/api-keys`, { headers: withKey(key) })).status).toBe(401);
  });

  it('validates the body and the id', async () => {
    const { session } = await signedInUser();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const cases: [unknown, string][] = [
      [{ name: '', scopes: ['read:user'] }, 'name'],
      [{ name: '   ', scopes: ['read:user'] }, 'name'],
      [{ name: 'x'.repeat(101), scopes: ['read:user'] }, 'name'],
      [{ scopes: ['read:user'] }, 'name'],
      [{ name: 'k', scopes: [] }, 'scopes'],
      [{ name: 'k' }, 'scopes'],
      [{ name: 'k', scopes: ['admin'] }, 'scopes'],
      [{ name: 'k', scopes: ['read:user', 'openid'] }, 'scopes'],
      [{ name: 'k', scopes: 'read:user' }, 'scopes'],
      [{ name: 'k', scopes: ['read:user'], expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'k', scopes: ['read:user'], expires_at: future.slice(0, 10) }, 'expires_at'],
      [{ name: 'k', scopes: ['read:user'], expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
      [{ name: 'k', scopes: ['read:user'], owner: 'x' }, 'owner'],
    ];
    for (const [body, field] of cases) {
      const res = await createKey(session, body);
      expect({ body, status: res.status, error: res.json.error }).toEqual({
        body,
        status: 400,
        error: 'invalid_request',
      });
      expect(res.json.fields.map((f: { field: string }) => f.field)).toContain(field);
    }

    const ok = await createKey(session, { name: 'x'.repeat(100), scopes: ['read:user'], expires_at: future });
    expect(ok.status).toBe(201);
    expect(ok.json.expires_at).toBe(future);

    for (const [method, path] of [
      ['POST', '/v1/api-keys/not-a-uuid/roll'],
      ['DELETE', '/v1/api-keys/not-a-uuid'],
      ['DELETE', '/v1/api-keys/123'],
    ]) {
      const res = await http(`${t.url}${path}`, { method, headers: session.headers });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_request', fields: [{ field: 'id' }] });
    }
  });

  it("answers 404 for another user's key and for unknown ids", async () => {
    const alice = await signedInUser();
    const bob = await signedInUser();
    const bobsKey = await createApiKey(t.app, bob.id);
    for (const [method, path] of [
      ['POST', `/v1/api-keys/${bobsKey.id}/roll`],
      ['DELETE', `/v1/api-keys/${bobsKey.id}`],
      ['DELETE', '/v1/api-keys/7c1e4b8a-0d2f-4e6a-9b3c-5d8e7f6a1b2c'],
    ]) {
      const res = await http(`${t.url}${path}`, { method, headers: alice.session.headers });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'not_found', error_description: 'API key not found' });
    }
    // Bob's key is untouched and still works.
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(bobsKey.key) })).status).toBe(200);
    const alicesList = await http(`${t.url}/v1/api-keys`, { headers: alice.session.headers });
    expect(alicesList.json.data).toEqual([]);
  });

  it('gives one identical 401 for malformed, bad-checksum, unknown, revoked, expired and rolled-out keys', async () => {
    const { id: userId, session } = await signedInUser();
    const good = await createApiKey(t.app, userId);

    const revoked = await createApiKey(t.app, userId);
    // Used once first, so a cached copy exists: revocation must still take effect at once.
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(revoked.key) })).status).toBe(200);
    expect(
      (await http(`${t.url}/v1/api-keys/${revoked.id}`, { method: 'DELETE', headers: session.headers }))
        .status,
    ).toBe(204);

    const expired = await createApiKey(t.app, userId);
    await setExpiry(expired.id, new Date(Date.now() - 1000));

    const rolled = await createApiKey(t.app, userId);
    const roll = await http(`${t.url}/v1/api-keys/${rolled.id}/roll`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(roll.status).toBe(201);
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(rolled.key) })).status).toBe(200);
    await setExpiry(rolled.id, new Date(Date.now() - 1000));

    const last = good.key.at(-1) === 'A' ? 'B' : 'A';
    const badChecksum = good.key.slice(0, -1) + last;
    const unknown = generateApiKey('test').key;
    const otherEnvironment = formatApiKey('live', new Uint8Array(32).fill(3));

    const bad = {
      malformed: 'not-a-key',
      badChecksum,
      unknown,
      otherEnvironment,
      revoked: revoked.key,
      expired: expired.key,
      rolledPastOverlap: rolled.key,
      empty: '',
    };
    const results: Record<string, ReturnType<typeof rejection>> = {};
    for (const [name, key] of Object.entries(bad)) {
      results[name] = rejection(await http(`${t.url}/v1/projects`, { headers: withKey(key) }));
    }
    const expected = {
      status: 401,
      body: { error: 'invalid_token', error_description: 'the credential is invalid, expired or revoked' },
      challenge:
        'Bearer realm="iiniit", error="invalid_token", error_description="the credential is invalid, expired or revoked"',
    };
    for (const name of Object.keys(bad)) expect({ name, ...results[name] }).toEqual({ name, ...expected });

    // The new key from the roll, and the untouched key, still work.
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(roll.json.key) })).status).toBe(200);
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(good.key) })).status).toBe(200);
  });

  it('ignores a key in the query string (the request is unauthenticated)', async () => {
    const user = await createUser(t.app);
    const { key } = await createApiKey(t.app, user.id);
    for (const param of ['api_key', 'x-api-key', 'key']) {
      const res = await http(`${t.url}/v1/projects?${param}=${key}`);
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="iiniit"');
    }
  });

  it('refuses a bearer token and an API key together (400 invalid_request)', async () => {
    const user = await createUser(t.app);
    const { key } = await createApiKey(t.app, user.id);
    const res = await http(`${t.url}/v1/projects`, { headers: withKey(key, { authorization: 'Bearer x' }) });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
  });

  it('revokes at once; the key disappears from the list; a second revoke is 404', async () => {
    const { id: userId, session } = await signedInUser();
    const { id, key } = await createApiKey(t.app, userId);
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(key) })).status).toBe(200);

    const revoked = await http(`${t.url}/v1/api-keys/${id}`, { method: 'DELETE', headers: session.headers });
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(key) })).status).toBe(401);
    expect((await http(`${t.url}/v1/api-keys`, { headers: session.headers })).json.data).toEqual([]);
    const again = await http(`${t.url}/v1/api-keys/${id}`, { method: 'DELETE', headers: session.headers });
    expect(again.status).toBe(404);
    const roll = await http(`${t.url}/v1/api-keys/${id}/roll`, { method: 'POST', headers: session.headers });
    expect(roll.status).toBe(404);
  });

  it('rolls: the new key works at once; the old one keeps working for the overlap, then dies', async () => {
    const { id: userId, session } = await signedInUser();
    const expiresAt = new Date(Date.now() + 10 * 86_400_000);
    const created = await createKey(session, {
      name: 'deploy',
      scopes: ['read:projects'],
      expires_at: expiresAt.toISOString(),
    });
    const oldKey: string = created.json.key;
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(oldKey) })).status).toBe(200);

    const before = Date.now();
    const rolled = await http(`${t.url}/v1/api-keys/${created.json.id}/roll`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(rolled.status).toBe(201);
    expect(rolled.headers.get('cache-control')).toBe('no-store');
    expect(rolled.json).toMatchObject({
      name: 'deploy',
      scopes: ['read:projects'],
      expires_at: expiresAt.toISOString(),
      last_used_at: null,
    });
    expect(rolled.json.id).not.toBe(created.json.id);
    expect(rolled.json.key).toMatch(KEY_FORMAT);
    expect(rolled.json.key).not.toBe(oldKey);
    // API_KEY_ROLL_OVERLAP defaults to 24 h.
    const overlapEnd = Date.parse(rolled.json.previous_key_expires_at);
    expect(overlapEnd).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
    expect(overlapEnd).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1000);

    // Both work during the overlap; both are listed, the old one with its shortened expiry.
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(oldKey) })).status).toBe(200);
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(rolled.json.key) })).status).toBe(200);
    const listed = await http(`${t.url}/v1/api-keys`, { headers: session.headers });
    expect(listed.json.data.map((k: { id: string }) => k.id).sort()).toEqual(
      [created.json.id, rolled.json.id].sort(),
    );
    expect(listed.json.data.find((k: { id: string }) => k.id === created.json.id).expires_at).toBe(
      rolled.json.previous_key_expires_at,
    );

    // Past the overlap the old key is dead; the new one lives on.
    await setExpiry(created.json.id, new Date(Date.now() - 1));
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(oldKey) })).status).toBe(401);
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(rolled.json.key) })).status).toBe(200);

    // An expired key cannot be rolled (its successor would be born expired).
    const rollExpired = await http(`${t.url}/v1/api-keys/${created.json.id}/roll`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(rollExpired.status).toBe(409);
    expect(rollExpired.json.error).toBe('conflict');
    expect(userId).toBeDefined();
  });

  it('never extends a key by rolling: the old key ends at its own expiry when that comes first', async () => {
    const { id: userId, session } = await signedInUser();
    const soon = new Date(Date.now() + 3_600_000);
    const { id } = await createApiKey(t.app, userId, { expiresAt: soon });
    const rolled = await http(`${t.url}/v1/api-keys/${id}/roll`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(rolled.status).toBe(201);
    expect(rolled.json.previous_key_expires_at).toBe(soon.toISOString());
    expect(rolled.json.expires_at).toBe(soon.toISOString());
  });

  it('stops a key at its expires_at even while it is cached', async () => {
    const { session } = await signedInUser();
    const created = await createKey(session, {
      name: 'short-lived',
      scopes: ['read:projects'],
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    expect(created.status).toBe(201);
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(created.json.key) })).status).toBe(200);
    await sleep(1600);
    const res = await http(`${t.url}/v1/projects`, { headers: withKey(created.json.key) });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_token');
  });

  describe('with API_KEY_ROLL_OVERLAP=0', () => {
    let strict: TestApp;
    beforeAll(async () => {
      strict = await bootApp({ API_KEY_ROLL_OVERLAP: '0' });
    });
    afterAll(() => strict.close());

    it('the rolled key dies at once', async () => {
      const user = await createUser(strict.app);
      const session = await signInAs(strict.app, user.id);
      const { id, key } = await createApiKey(strict.app, user.id);
      expect((await http(`${strict.url}/v1/projects`, { headers: withKey(key) })).status).toBe(200);
      const rolled = await http(`${strict.url}/v1/api-keys/${id}/roll`, {
        method: 'POST',
        headers: session.headers,
      });
      expect(rolled.status).toBe(201);
      expect(Date.parse(rolled.json.previous_key_expires_at)).toBeLessThanOrEqual(Date.now());
      expect((await http(`${strict.url}/v1/projects`, { headers: withKey(key) })).status).toBe(401);
      expect((await http(`${strict.url}/v1/projects`, { headers: withKey(rolled.json.key) })).status).toBe(
        200,
      );
    });
  });
});
