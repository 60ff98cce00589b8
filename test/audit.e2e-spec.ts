import { DataSource } from 'typeorm';

import { AuditService } from '../src/audit/audit.service';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { createClient, REDIRECT_URI } from './factories/clients';
import { signInAs } from './factories/sessions';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { Browser } from './support/browser';
import { runTs } from './support/cli';
import { http } from './support/http';
import { authorizeInBrowser, basic, signInOnPage, tokenRequest } from './support/oauth';

describe('audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Strict RFC 9700 §4.14.2 reuse detection: the retry grace is covered by test/refresh-rotation.e2e-spec.ts.
    t = await bootApp({ REFRESH_RETRY_GRACE: '0' });
  });
  afterAll(() => t.close());

  const eventsFor = async (where: { userId: string }) => {
    await t.app.get(AuditService).flush();
    return t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where, order: { seq: 'ASC' } });
  };

  it('records every security event of a user’s and an app’s life, with no secret material', async () => {
    const user = await createUser(t.app);
    const browser = new Browser(t.url);
    // Failed then successful sign-in.
    const page = await browser.get('/auth/login');
    await browser.submit(page, { email: user.email, password: 'wrong-password' });
    const session = await signInAs(t.app, user.id);

    const created = (
      await http(`${t.url}/v1/clients`, {
        method: 'POST',
        body: { name: 'Audited', type: 'confidential', redirect_uris: [REDIRECT_URI], scopes: ['read:user'] },
        headers: session.headers,
      })
    ).json;
    await http(`${t.url}/v1/clients/${created.id}/secret`, { method: 'POST', headers: session.headers });

    const q = await authorizeInBrowser(t.url, user, {
      response_type: 'code',
      client_id: created.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
    });
    const secret = (
      await http(`${t.url}/v1/clients/${created.id}/secret`, { method: 'POST', headers: session.headers })
    ).json.client_secret;
    const auth = { authorization: basic(created.client_id, secret) };
    const first = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT_URI },
      auth,
    );
    expect(first.status).toBe(200);
    const second = (
      await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: first.json.refresh_token },
        auth,
      )
    ).json;
    await tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, auth); // reuse
    expect(second.refresh_token).toBeDefined();
    // Code reuse on a fresh authorization.
    const q2 = await authorizeInBrowser(t.url, user, {
      response_type: 'code',
      client_id: created.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user',
    });
    const form = { grant_type: 'authorization_code', code: q2.get('code')!, redirect_uri: REDIRECT_URI };
    await tokenRequest(t.url, form, auth);
    await tokenRequest(t.url, form, auth);

    const key = (
      await http(`${t.url}/v1/api-keys`, {
        method: 'POST',
        body: { name: 'ci', scopes: ['read:projects'] },
        headers: session.headers,
      })
    ).json;
    await http(`${t.url}/v1/api-keys/${key.id}/roll`, { method: 'POST', headers: session.headers });
    await http(`${t.url}/v1/api-keys/${key.id}`, { method: 'DELETE', headers: session.headers });
    await http(`${t.url}/v1/clients/${created.id}`, { method: 'DELETE', headers: session.headers });

    const events = await eventsFor({ userId: user.id });
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'sign_in.failed',
      'consent.granted',
      'token.issued',
      'refresh_token.reuse_detected',
      'authorization_code.reuse_detected',
      'client.created',
      'client.secret_rotated',
      'client.deleted',
      'api_key.created',
      'api_key.rolled',
      'api_key.revoked',
    ]) {
      expect(types).toContain(type);
    }
    const issued = events.find((e) => e.type === 'token.issued')!;
    expect(issued.details).toMatchObject({ grant_type: 'authorization_code' });
    const text = JSON.stringify(events);
    for (const material of [
      first.json.access_token,
      first.json.refresh_token,
      secret,
      key.key,
      q.get('code'),
    ]) {
      expect(text).not.toContain(material);
    }
  });

  it('a token response’s audit event is already committed when the response arrives (no flush)', async () => {
    const service = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    const count = () =>
      t.app
        .get(DataSource)
        .getRepository(AuditEvent)
        .countBy({ type: 'token.issued', clientId: service.clientId });
    const auth = { authorization: basic(service.clientId, service.clientSecret!) };
    // Concurrent requests share group commits; each one's event is durable before its answer.
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => tokenRequest(t.url, { grant_type: 'client_credentials' }, auth)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await count()).toBe(10);
    // Quotes and backslashes reach the row as sent (the group commit quotes its values itself).
    const userAgent = `it's a \\ test \\' ''`;
    const one = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials' },
      { ...auth, 'user-agent': userAgent },
    );
    expect(one.status).toBe(200);
    expect(await count()).toBe(11);
    const last = await t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .findOne({ where: { type: 'token.issued', clientId: service.clientId }, order: { seq: 'DESC' } });
    expect(last!.userAgent).toBe(userAgent);
    expect(await t.app.get(AuditService).verify()).toMatchObject({ ok: true });
  });

  it('records sign-up and sign-in success from the pages', async () => {
    const browser = new Browser(t.url);
    const signup = await browser.get('/auth/signup');
    const email = `audit-${Date.now()}@example.test`;
    const done = await browser.submit(signup, { email, password: 'a-fine-long-password', name: 'Audit' });
    expect(done.status).toBe(303);
    const login = new Browser(t.url);
    await signInOnPage(
      login,
      await login.get('/auth/login?return_to=/auth/session'),
      email,
      'a-fine-long-password',
    );
    const user = await t.app
      .get(DataSource)
      .query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [email]);
    const types = (await eventsFor({ userId: user[0].id })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['sign_up', 'sign_in.succeeded']));
  });

  it('the chain verifies, and editing or deleting a row breaks it', async () => {
    const audit = t.app.get(AuditService);
    await audit.record({ type: 'sign_up', details: { probe: true } });
    expect(await audit.verify()).toMatchObject({ ok: true });

    // Tamper inside a transaction that is rolled back, so the shared test database stays intact.
    for (const tamper of [
      `UPDATE audit_events SET details = '{"probe": false}' WHERE seq = (SELECT max(seq) FROM audit_events)`,
      `DELETE FROM audit_events WHERE seq = (SELECT max(seq) - 1 FROM audit_events)`,
    ]) {
      const runner = t.app.get(DataSource).createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query(tamper);
        const result = await audit.verify(runner.manager);
        expect(result.ok).toBe(false);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('npm run audit:verify checks the chain from the command line', async () => {
    const res = await runTs('src/cli/admin.ts', ['audit:verify']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toMatchObject({ ok: true });
  });
});
