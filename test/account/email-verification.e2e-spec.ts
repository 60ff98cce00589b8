import { MailService } from '../../src/platform/mail/mail.service';
import { UsersService } from '../../src/users/users.service';
import { createApiKey, withKey } from '../factories/api-keys';
import { signInAs } from '../factories/sessions';
import { createUser, TEST_PASSWORD, uniqueEmail } from '../factories/users';
import type { TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { http } from '../support/http';
import { linkIn, type TestSmtp } from '../support/smtp';
import { bootWithSmtp, csrfOf, signUpOnPage } from './support';

describe('email verification and profile changes over real SMTP', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, smtp, close } = await bootWithSmtp());
  });
  afterAll(() => close());

  const user = (id: string) => t.app.get(UsersService).findById(id);

  it('sign-up → verification mail → link → confirm → verified; the link is single use', async () => {
    const email = uniqueEmail('verify');
    const { browser, done } = await signUpOnPage(t.url, email, 'a-fine-long-password');
    expect(done.status).toBe(303);
    const mail = await smtp.waitFor(email, 'Confirm your email address');
    expect(mail.from).toBe('no-reply@iiniit.test');
    expect(mail.html).toContain('Confirm email address');
    const link = linkIn(mail);
    expect(link).toMatch(new RegExp(`^${t.url}/auth/verify-email\\?token=[A-Za-z0-9_-]{43}$`));

    const session = await browser.get('/auth/session');
    const userId = session.json.user.id as string;
    expect((await user(userId))!.emailVerified).toBe(false);
    // The console says so, with a way to get the link again.
    const home = await browser.get('/console');
    expect(home.text).toContain('Please confirm your email address');

    // Opening the link changes nothing by itself (mail scanners fetch links); the button does.
    const confirm = await browser.get(link.slice(t.url.length));
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(email);
    expect((await user(userId))!.emailVerified).toBe(false);
    const verified = await browser.submit(confirm);
    expect(verified.status).toBe(200);
    expect(verified.text).toContain('Email confirmed');
    expect((await user(userId))!.emailVerified).toBe(true);
    expect((await browser.get('/console')).text).not.toContain('Please confirm your email address');

    // Single use: the same link (opened or posted again) no longer works.
    expect((await browser.get(link.slice(t.url.length))).status).toBe(400);
    expect((await browser.submit(confirm)).status).toBe(400);
    // A made-up token is refused the same way.
    expect(
      (await new Browser(t.url).get('/auth/verify-email?token=not-a-real-token-at-all-xxxx')).status,
    ).toBe(400);
  });

  it('"send the link again" mails a new link and the older one stops working', async () => {
    const email = uniqueEmail('resend');
    const { browser } = await signUpOnPage(t.url, email, 'a-fine-long-password');
    const first = linkIn(await smtp.waitFor(email, 'Confirm your email address'));
    const home = await browser.get('/console');
    const resent = await browser.post('/console/profile/verification', { csrf_token: csrfOf(home) });
    expect(resent.status).toBe(303);
    const second = linkIn(await smtp.waitFor(email, 'Confirm your email address', 1));
    expect(second).not.toBe(first);
    expect((await browser.get(first.slice(t.url.length))).status).toBe(400);
    const page = await browser.get(second.slice(t.url.length));
    expect((await browser.submit(page)).status).toBe(200);
  });

  it('change email: link to the new address, notice to the old one, takes effect only when verified', async () => {
    const u = await createUser(t.app);
    const s = await signInAs(t.app, u.id);
    const next = uniqueEmail('moved');

    // Email and password changes need the current password.
    const bare = await http(`${t.url}/v1/user`, {
      method: 'PATCH',
      headers: s.headers,
      body: { email: next },
    });
    expect(bare.status).toBe(400);
    const wrong = await http(`${t.url}/v1/user`, {
      method: 'PATCH',
      headers: s.headers,
      body: { email: next, current_password: 'not-my-password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.fields).toEqual([
      { field: 'current_password', messages: ['is not your current password'] },
    ]);

    const res = await http(`${t.url}/v1/user`, {
      method: 'PATCH',
      headers: s.headers,
      body: { email: next, current_password: TEST_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ email: u.email, pending_email: next, email_verified: false });

    const notice = await smtp.waitFor(u.email, 'Your email address is being changed');
    expect(notice.text).toContain(next);
    const link = linkIn(await smtp.waitFor(next, 'Confirm your email address'));
    expect((await user(u.id))!.email).toBe(u.email);

    const browser = new Browser(t.url);
    const done = await browser.submit(await browser.get(link.slice(t.url.length)));
    expect(done.status).toBe(200);
    const after = (await user(u.id))!;
    expect(after.email).toBe(next);
    expect(after.emailVerified).toBe(true);
    await smtp.waitFor(u.email, 'Your email address was changed');
    // The old address no longer signs in; the new one does.
    const login = new Browser(t.url);
    const oldTry = await login.submit(await login.get('/auth/login'), {
      email: u.email,
      password: TEST_PASSWORD,
    });
    expect(oldTry.status).toBe(401);
    const newTry = await login.submit(await login.get('/auth/login'), {
      email: next,
      password: TEST_PASSWORD,
    });
    expect(newTry.status).toBe(303);
  });

  it('PATCH /v1/user: the name with the session alone (+ CSRF); never with an API key', async () => {
    const u = await createUser(t.app);
    const s = await signInAs(t.app, u.id);
    const renamed = await http(`${t.url}/v1/user`, {
      method: 'PATCH',
      headers: s.headers,
      body: { name: 'Grace' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json.name).toBe('Grace');
    // CSRF: the session without its token is refused.
    const noCsrf = await http(`${t.url}/v1/user`, {
      method: 'PATCH',
      headers: { cookie: s.cookie },
      body: { name: 'Mallory' },
    });
    expect(noCsrf.status).toBe(403);
    const key = await createApiKey(t.app, u.id);
    const withApiKey = await http(`${t.url}/v1/user`, {
      method: 'PATCH',
      headers: withKey(key.key),
      body: { name: 'Mallory' },
    });
    expect(withApiKey.status).toBe(401);
    expect((await user(u.id))!.displayName).toBe('Grace');
    // A new API key is announced to the owner by mail.
    const mail = await smtp.waitFor(u.email, 'A new API key was created');
    expect(mail.text).toContain(key.prefix);
    expect(mail.text).not.toContain(key.key);
  });

  it('console profile: change the password (current one needed), other sessions end, a notice follows', async () => {
    const u = await createUser(t.app);
    const other = await signInAs(t.app, u.id);
    const { browser } = await (async () => {
      const b = new Browser(t.url);
      const page = await b.get('/auth/login');
      await b.submit(page, { email: u.email, password: TEST_PASSWORD });
      return { browser: b };
    })();
    const profile = await browser.get('/console/profile');
    expect(profile.status).toBe(200);
    const csrf = csrfOf(profile);
    const wrong = await browser.post('/console/profile/password', {
      csrf_token: csrf,
      current_password: 'nope-nope-nope',
      new_password: 'a-brand-new-passphrase',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Current password is not your current password.');
    const weak = await browser.post('/console/profile/password', {
      csrf_token: csrf,
      current_password: TEST_PASSWORD,
      new_password: 'password',
    });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('New password');
    const ok = await browser.post('/console/profile/password', {
      csrf_token: csrf,
      current_password: TEST_PASSWORD,
      new_password: 'a-brand-new-passphrase',
    });
    expect(ok.status).toBe(303);
    // This browser stays signed in; the other session is gone.
    expect((await browser.get('/console/profile')).status).toBe(200);
    expect((await http(`${t.url}/auth/session`, { headers: { cookie: other.cookie } })).status).toBe(401);
    await smtp.waitFor(u.email, 'Your password was changed');
    await t.app.get(MailService).delivered();
  });
});
