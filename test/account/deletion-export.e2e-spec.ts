import { DataSource } from 'typeorm';

import { AuditService } from '../../src/audit/audit.service';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { createApiKey, withKey } from '../factories/api-keys';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { createProject } from '../factories/projects';
import { createUser, TEST_PASSWORD } from '../factories/users';
import type { TestApp } from '../support/app';
import { Browser, hiddenFields } from '../support/browser';
import { runTs } from '../support/cli';
import { http } from '../support/http';
import { basic, codeFlowTokens, tokenRequest } from '../support/oauth';
import type { TestSmtp } from '../support/smtp';
import { bootWithSmtp, csrfOf } from './support';

describe('sessions, export and account deletion', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, smtp, close } = await bootWithSmtp());
  });
  afterAll(() => close());

  async function signInBrowser(email: string, password: string, ua: string): Promise<Browser> {
    const b = new Browser(t.url);
    const page = await b.get('/auth/login');
    const done = await b.post(
      '/auth/login',
      { ...hiddenFields(page.text), email, password },
      { 'user-agent': ua },
    );
    expect(done.status).toBe(303);
    return b;
  }

  /** A user with everything an account can hold, and live credentials for each. */
  async function populatedUser() {
    const u = await createUser(t.app);
    const browser = await signInBrowser(u.email, u.password, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0');
    const key = await createApiKey(t.app, u.id, { name: 'ci' });
    const thirdParty = await createClient(t.app);
    const tokens = await codeFlowTokens(t.url, u, thirdParty, 'read:user read:projects');
    expect(tokens.status).toBe(200);
    const ownApp = await createClient(t.app, {
      ownerId: u.id,
      name: 'Own app',
      grantTypes: ['client_credentials'],
      redirectUris: [],
    });
    const appToken = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', scope: 'read:projects' },
      { authorization: basic(ownApp.clientId, ownApp.clientSecret!) },
    );
    expect(appToken.status).toBe(200);
    const project = await createProject(t.app, u.id);
    return {
      u,
      browser,
      key,
      thirdParty,
      tokens: tokens.json,
      ownApp,
      appToken: appToken.json.access_token as string,
      project,
    };
  }

  it('lists the sessions; signs out one, then everywhere else', async () => {
    const u = await createUser(t.app);
    const a = await signInBrowser(
      u.email,
      u.password,
      'Mozilla/5.0 (Macintosh) Safari/605.1.15 Version/18.0',
    );
    const b = await signInBrowser(u.email, u.password, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0');
    const c = await signInBrowser(
      u.email,
      u.password,
      'Mozilla/5.0 (Windows NT 10.0) Chrome/141.0 Safari/537.36',
    );
    const page = await a.get('/console/sessions');
    expect(page.status).toBe(200);
    expect(page.text).toContain('this browser');
    expect(page.text).toContain('Firefox');
    expect(page.text).toContain('127.0.0.1');
    const handles = [...page.text.matchAll(/action="\/console\/sessions\/([A-Za-z0-9_-]{22})\/end"/g)].map(
      (m) => m[1],
    );
    expect(handles).toHaveLength(2);
    // Neither the cookie nor its stored hash appear on the page.
    for (const cookie of a.cookies.values()) expect(page.text).not.toContain(cookie);

    const ended = await a.post(`/console/sessions/${handles[0]}/end`, { csrf_token: csrfOf(page) });
    expect(ended.status).toBe(303);
    const alive = [(await b.get('/console')).status, (await c.get('/console')).status].sort();
    expect(alive).toEqual([200, 303]);
    // Another user's handle, or a made-up one, is a 404.
    expect((await a.post(`/console/sessions/${handles[0]}/end`, { csrf_token: csrfOf(page) })).status).toBe(
      404,
    );

    const others = await a.post('/console/sessions/end-others', { csrf_token: csrfOf(page) });
    expect(others.status).toBe(303);
    expect((await b.get('/console')).status).toBe(303);
    expect((await c.get('/console')).status).toBe(303);
    expect((await a.get('/console')).status).toBe(200);
  });

  it('export: profile, sessions, apps, keys, authorizations, projects and audit events — no secret', async () => {
    const p = await populatedUser();
    const res = await p.browser.get('/console/account/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="iiniit-account-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const data = res.json;
    expect(data.profile).toMatchObject({ id: p.u.id, email: p.u.email, email_verified: false });
    expect(data.sessions.length).toBeGreaterThanOrEqual(1);
    expect(data.apps.map((a: { client_id: string }) => a.client_id)).toEqual([p.ownApp.clientId]);
    expect(data.api_keys).toEqual([
      expect.objectContaining({ id: p.key.id, prefix: p.key.prefix, name: 'ci' }),
    ]);
    expect(data.authorizations.map((a: { client_id: string }) => a.client_id)).toEqual([
      p.thirdParty.clientId,
    ]);
    expect(data.projects.map((x: { id: string }) => x.id)).toEqual([p.project.id]);
    expect(data.audit_events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['api_key.created', 'sign_in.succeeded', 'consent.granted']),
    );
    const text = res.text;
    const hash = (
      await t.app.get(DataSource).query(`SELECT password_hash FROM users WHERE id = $1`, [p.u.id])
    )[0].password_hash as string;
    for (const secret of [
      p.key.key,
      p.ownApp.clientSecret!,
      p.tokens.access_token,
      p.tokens.refresh_token,
      p.appToken,
      hash,
      TEST_PASSWORD,
      ...p.browser.cookies.values(),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/secret|password_hash|key_hash|token_hash|id_hash/);
  });

  it('delete: wrong password changes nothing; then every credential is refused at once', async () => {
    const p = await populatedUser();
    const confirm = await p.browser.get('/console/account/delete');
    expect(confirm.status).toBe(200);
    const wrong = await p.browser.post('/console/account/delete', {
      csrf_token: csrfOf(confirm),
      password: 'not-it-at-all',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Password is not your current password.');
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(p.key.key) })).status).toBe(200);

    const bearer = { authorization: `Bearer ${p.tokens.access_token}` };
    expect((await http(`${t.url}/v1/user`, { headers: bearer })).status).toBe(200);

    const done = await p.browser.post('/console/account/delete', {
      csrf_token: csrfOf(confirm),
      password: p.u.password,
    });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your account was deleted');

    // Every credential is refused at once: API key, access token, refresh token, the app's token, the session.
    expect((await http(`${t.url}/v1/projects`, { headers: withKey(p.key.key) })).status).toBe(401);
    expect((await http(`${t.url}/v1/user`, { headers: bearer })).status).toBe(401);
    const refresh = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: p.tokens.refresh_token },
      { authorization: basic(p.thirdParty.clientId, p.thirdParty.clientSecret!) },
    );
    expect(refresh.status).toBe(400);
    expect(refresh.json.error).toBe('invalid_grant');
    expect(
      (await http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${p.appToken}` } })).status,
    ).toBe(401);
    expect((await p.browser.get('/console')).status).toBe(303);
    // The user can no longer sign in, and their rows are gone.
    const login = new Browser(t.url);
    expect(
      (await login.submit(await login.get('/auth/login'), { email: p.u.email, password: p.u.password }))
        .status,
    ).toBe(401);
    const db = t.app.get(DataSource);
    for (const [table, column] of [
      ['users', 'id'],
      ['sessions', 'user_id'],
      ['api_keys', 'user_id'],
      ['oauth_clients', 'owner_id'],
      ['authorizations', 'user_id'],
      ['projects', 'owner_id'],
      ['account_tokens', 'user_id'],
    ]) {
      const rows = await db.query(`SELECT count(*)::int AS n FROM "${table}" WHERE "${column}" = $1`, [
        p.u.id,
      ]);
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
    await smtp.waitFor(p.u.email, 'Your account was deleted');
  });

  it('the audit log keeps its chain after a deletion, without the person’s email, IP or browser', async () => {
    const p = await populatedUser();
    // A failed sign-in names the email in the event.
    const failed = new Browser(t.url);
    await failed.submit(await failed.get('/auth/login'), { email: p.u.email, password: 'wrong-password-x' });
    const audit = t.app.get(AuditService);
    const before = await audit.recentForUser(p.u.id, 500);
    expect(before.some((e) => e.ip !== null)).toBe(true);
    expect(JSON.stringify(before)).toContain(p.u.email);

    const confirm = await p.browser.get('/console/account/delete');
    const done = await p.browser.post('/console/account/delete', {
      csrf_token: csrfOf(confirm),
      password: p.u.password,
    });
    expect(done.status).toBe(200);
    await audit.flush();

    const after = await t.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { userId: p.u.id } });
    expect(after.map((e) => e.type)).toEqual(
      expect.arrayContaining(['sign_in.failed', 'account.deleted', 'api_key.revoked']),
    );
    for (const e of after) {
      expect({ seq: e.seq, ip: e.ip, ua: e.userAgent, nonce: e.piiNonce }).toEqual({
        seq: e.seq,
        ip: null,
        ua: null,
        nonce: null,
      });
    }
    const everything = JSON.stringify(await t.app.get(DataSource).query(`SELECT * FROM audit_events`));
    expect(everything.toLowerCase()).not.toContain(p.u.email.toLowerCase());

    expect(await audit.verify()).toMatchObject({ ok: true });
    // Still tamper-evident: editing an erased row, or putting personal data back, breaks the chain.
    const seq = after.find((e) => e.type === 'sign_in.failed')!.seq;
    for (const tamper of [
      `UPDATE audit_events SET type = 'sign_in.succeeded' WHERE seq = ${seq}`,
      `UPDATE audit_events SET ip = '10.0.0.1' WHERE seq = ${seq}`,
      `UPDATE audit_events SET details = '{"email":"someone@else.test"}' WHERE seq = ${seq}`,
    ]) {
      const runner = t.app.get(DataSource).createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query(tamper);
        expect(await audit.verify(runner.manager)).toMatchObject({ ok: false, brokenAt: seq });
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
    // A live row's personal data is sealed too: editing its IP breaks the chain.
    await audit.record({ type: 'sign_up', ip: '192.0.2.1', userAgent: 'probe' });
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(
        `UPDATE audit_events SET ip = '192.0.2.2' WHERE seq = (SELECT max(seq) FROM audit_events)`,
      );
      expect(await audit.verify(runner.manager)).toMatchObject({
        ok: false,
        reason: 'personal data does not match its digest',
      });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }

    const cli = await runTs('src/cli/admin.ts', ['audit:verify']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout.trim())).toMatchObject({ ok: true });
  });

  it('the export and delete pages need a session', async () => {
    for (const path of [
      '/console/account/export',
      '/console/account/delete',
      '/console/sessions',
      '/console/profile',
    ]) {
      const res = await http(`${t.url}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 303 });
    }
    // A form post without its CSRF token changes nothing.
    const u = await createUser(t.app);
    const b = await signInBrowser(u.email, TEST_PASSWORD, 'x');
    expect((await b.post('/console/account/delete', { password: TEST_PASSWORD })).status).toBe(403);
    expect((await b.get('/console')).status).toBe(200);
    void REDIRECT_URI;
  });
});
