import { DataSource } from 'typeorm';

import { User } from '../src/users/user.entity';
import { UsersService } from '../src/users/users.service';
import { createUser, TEST_PASSWORD, uniqueEmail } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http } from './support/http';

describe('foundation (real PostgreSQL over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  it('serves liveness and readiness', async () => {
    const live = await http(`${t.url}/health`);
    expect(live.status).toBe(200);
    expect(live.json).toEqual({ status: 'ok' });
    const ready = await http(`${t.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.json.info.database.status).toBe('up');
  });

  it('leaves no pending schema diff after the migrations', async () => {
    const pending = await t.app.get(DataSource).driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('denies a route without @Public() when no credential is sent (RFC 6750 §3)', async () => {
    const res = await http(`${t.url}/v1/user`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="iiniit"');
    expect(res.json.error).toBe('unauthorized');
  });

  it('answers unknown routes and malformed bodies with a JSON 4xx, never a 500', async () => {
    const missing = await http(`${t.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: 'not_found', error_description: 'no such route' });
    const bad = await http(`${t.url}/health`, {
      method: 'POST',
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.json.error).toBe('invalid_request');
  });

  it('returns a request id and sets security headers', async () => {
    const res = await http(`${t.url}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    const generated = await http(`${t.url}/health`, { headers: { 'x-request-id': 'bad id\twith tab' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  describe('users', () => {
    it('rejects a duplicate email that differs only in case', async () => {
      const email = uniqueEmail('dup');
      await createUser(t.app, { email });
      await expect(createUser(t.app, { email: email.toUpperCase() })).rejects.toMatchObject({
        status: 409,
        code: 'conflict',
      });
    });

    it('rejects weak passwords and malformed emails with field errors', async () => {
      const users = t.app.get(UsersService);
      await expect(users.create({ email: uniqueEmail(), password: 'short' })).rejects.toMatchObject({
        status: 400,
        fields: [{ field: 'password', messages: ['must be at least 8 characters'] }],
      });
      await expect(users.create({ email: uniqueEmail(), password: 'password123' })).rejects.toMatchObject({
        fields: [{ field: 'password' }],
      });
      await expect(users.create({ email: 'not-an-email', password: TEST_PASSWORD })).rejects.toMatchObject({
        fields: [{ field: 'email' }],
      });
    });

    it('gives the same result for a wrong password and an unknown email', async () => {
      const user = await createUser(t.app);
      const users = t.app.get(UsersService);
      expect(await users.verifyCredentials(user.email, 'wrong-password-here')).toBeNull();
      expect(await users.verifyCredentials(uniqueEmail('ghost'), 'wrong-password-here')).toBeNull();
      const ok = await users.verifyCredentials(user.email.toUpperCase(), TEST_PASSWORD);
      expect(ok?.id).toBe(user.id);
    });

    it('stores argon2id hashes that never leave the service', async () => {
      const user = await createUser(t.app);
      expect(Object.keys(user)).not.toContain('passwordHash');
      const row = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: user.id });
      expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('survives a sign-up race for one email: exactly one account', async () => {
      const email = uniqueEmail('race');
      const users = t.app.get(UsersService);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => users.create({ email, password: TEST_PASSWORD })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409 });
    });
  });
});
