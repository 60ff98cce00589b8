import { DataSource } from 'typeorm';

import { MailService } from '../../src/platform/mail/mail.service';
import { AuthorizationsService } from '../../src/tokens/authorizations/authorizations.service';
import { PasswordReset } from '../../src/users/account/password-reset.service';
import { createClient } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser, TEST_PASSWORD, uniqueEmail } from '../factories/users';
import type { TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { http, type HttpResult } from '../support/http';
import { linkIn, type TestSmtp } from '../support/smtp';
import { bootWithSmtp } from './support';

describe('password reset over real SMTP', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, smtp, close } = await bootWithSmtp({ LOGIN_LOCKOUT_THRESHOLD: '3' }));
  });
  afterAll(() => close());

  async function forgot(email: string, browser = new Browser(t.url)): Promise<HttpResult> {
    const page = await browser.get('/auth/password/forgot');
    expect(page.status).toBe(200);
    return browser.submit(page, { email });
  }

  async function signIn(email: string, password: string): Promise<number> {
    const b = new Browser(t.url);
    return (await b.submit(await b.get('/auth/login'), { email, password })).status;
  }

  it('the login page links to "Forgot password?"', async () => {
    const page = await new Browser(t.url).get('/auth/login');
    expect(page.text).toContain('href="/auth/password/forgot"');
  });

  it('forgot → reset mail → new password works; the old one and old sessions do not; single use', async () => {
    const u = await createUser(t.app);
    const old = await signInAs(t.app, u.id);
    const client = await createClient(t.app);
    await t.app.get(AuthorizationsService).approve(u.id, client.clientId, ['read:user']);

    const sent = await forgot(u.email);
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('Check your inbox');
    const mail = await smtp.waitFor(u.email, 'Reset your password');
    const link = linkIn(mail);
    expect(link).toMatch(new RegExp(`^${t.url}/auth/password/reset\\?token=[A-Za-z0-9_-]{43}$`));
    // The token is stored only as a hash.
    const token = new URL(link).searchParams.get('token')!;
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT token_hash FROM account_tokens WHERE user_id = $1`, [u.id]);
    expect(JSON.stringify(rows)).not.toContain(token);

    const browser = new Browser(t.url);
    const form = await browser.get(link.slice(t.url.length));
    expect(form.status).toBe(200);
    // A weak password is refused and does not use the link up.
    const weak = await browser.submit(form, { password: 'password' });
    expect(weak.status).toBe(400);
    const done = await browser.submit(form, { password: 'a-new-long-passphrase' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your password was changed');

    expect(await signIn(u.email, 'a-new-long-passphrase')).toBe(303);
    expect(await signIn(u.email, TEST_PASSWORD)).toBe(401);
    expect((await http(`${t.url}/auth/session`, { headers: { cookie: old.cookie } })).status).toBe(401);
    // Single use.
    expect((await browser.get(link.slice(t.url.length))).status).toBe(400);
    expect((await browser.submit(form, { password: 'another-long-passphrase' })).status).toBe(400);
    // OAuth authorizations survive a reset; the owner is told by mail.
    expect(await t.app.get(AuthorizationsService).findActive(u.id, client.clientId)).not.toBeNull();
    await smtp.waitFor(u.email, 'Your password was changed');
    // Following a link sent to the address proves it.
    const me = await signInAs(t.app, u.id);
    expect((await http(`${t.url}/console`, { headers: { cookie: me.cookie } })).text).not.toContain(
      'Please confirm your email address',
    );
  });

  it('an unknown email gets the same page and no mail', async () => {
    const known = await createUser(t.app);
    const unknown = uniqueEmail('nobody');
    const a = await forgot(known.email);
    const b = await forgot(unknown);
    expect(b.status).toBe(a.status);
    expect(b.text.replace(/value="[^"]*"/g, '')).toBe(a.text.replace(/value="[^"]*"/g, ''));
    await t.app.get(PasswordReset).settled();
    await smtp.waitFor(known.email, 'Reset your password');
    expect(smtp.to(unknown)).toEqual([]);
  });

  it('answers known and unknown addresses in about the same time (the work happens after the answer)', async () => {
    const known = await createUser(t.app);
    const time = async (email: string) => {
      const browser = new Browser(t.url);
      const page = await browser.get('/auth/password/forgot');
      const start = performance.now();
      await browser.submit(page, { email });
      return performance.now() - start;
    };
    const samples = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 4; i++) {
      samples.known.push(await time(known.email));
      samples.unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    // No argon2, no mail, no token insert on the answer's path: both are a few ms.
    expect(Math.abs(median(samples.known) - median(samples.unknown))).toBeLessThan(25);
    await t.app.get(PasswordReset).settled();
  });

  it('the link expires', async () => {
    const u = await createUser(t.app);
    await forgot(u.email);
    const link = linkIn(await smtp.waitFor(u.email, 'Reset your password'));
    await t.app
      .get(DataSource)
      .query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.id]);
    const browser = new Browser(t.url);
    const page = await browser.get(link.slice(t.url.length));
    expect(page.status).toBe(400);
    expect(page.text).toContain('This link no longer works');
    const token = new URL(link).searchParams.get('token')!;
    const form = await browser.get('/auth/password/forgot');
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(form.text)![1];
    const post = await browser.post('/auth/password/reset', {
      csrf_token: csrf,
      token,
      password: 'a-new-long-passphrase',
    });
    expect(post.status).toBe(400);
    expect(await signIn(u.email, TEST_PASSWORD)).toBe(303);
  });

  it('a reset clears the sign-in lockout', async () => {
    const u = await createUser(t.app);
    for (let i = 0; i < 3; i++) expect(await signIn(u.email, 'wrong-password-x')).toBe(401);
    // Locked: even the right password waits out the delay.
    expect(await signIn(u.email, TEST_PASSWORD)).toBe(401);
    await forgot(u.email);
    const browser = new Browser(t.url);
    const form = await browser.get(
      linkIn(await smtp.waitFor(u.email, 'Reset your password')).slice(t.url.length),
    );
    expect((await browser.submit(form, { password: 'a-new-long-passphrase' })).status).toBe(200);
    expect(await signIn(u.email, 'a-new-long-passphrase')).toBe(303);
  });

  it('is rate-limited per address, with the same answer for known and unknown addresses', async () => {
    const email = uniqueEmail('flood');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await forgot(email)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('a mail the SMTP server refuses is retried, and the link in it works', async () => {
    const u = await createUser(t.app);
    // Nothing else in flight: the refusal hits this mail.
    await t.app.get(PasswordReset).settled();
    await t.app.get(MailService).delivered();
    smtp.failNext(1);
    expect((await forgot(u.email)).status).toBe(200);
    const mail = await smtp.waitFor(u.email, 'Reset your password', 0, 15_000);
    const browser = new Browser(t.url);
    const form = await browser.get(linkIn(mail).slice(t.url.length));
    expect((await browser.submit(form, { password: 'a-new-long-passphrase' })).status).toBe(200);
  });

  it('refuses a form without its CSRF token', async () => {
    const u = await createUser(t.app);
    const res = await http(`${t.url}/auth/password/forgot`, { method: 'POST', form: { email: u.email } });
    expect(res.status).toBe(403);
    await t.app.get(PasswordReset).settled();
    expect(smtp.to(u.email).filter((m) => m.subject.includes('Reset'))).toEqual([]);
  });
});
