import { randomUUID } from 'node:crypto';

import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import type { HttpResult } from '../support/http';
import { startSmtp, type TestSmtp } from '../support/smtp';

/**
 * The app wired to a real SMTP server in this process. Sign-up limits are off and the rate-limit
 * counters get their own prefix: these specs sign up many accounts from 127.0.0.1.
 */
export async function bootWithSmtp(
  env: Record<string, string> = {},
): Promise<{ t: TestApp; smtp: TestSmtp; close: () => Promise<void> }> {
  const smtp = await startSmtp();
  const t = await bootApp({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'iiniit <no-reply@iiniit.test>',
    RATE_LIMIT_SIGNUP_IP: '0',
    RATE_LIMIT_KEY_PREFIX: `iiniit:rl:account-${randomUUID().slice(0, 8)}:`,
    ...env,
  });
  return {
    t,
    smtp,
    close: async () => {
      await t.close();
      await smtp.close();
    },
  };
}

/** Signs up through the page; returns the browser holding the new session. */
export async function signUpOnPage(
  base: string,
  email: string,
  password: string,
  name = 'Ada',
): Promise<{ browser: Browser; done: HttpResult }> {
  const browser = new Browser(base);
  const page = await browser.get('/auth/signup');
  const done = await browser.submit(page, { email, password, name });
  return { browser, done };
}

/** The CSRF token a console page put in its forms. */
export function csrfOf(page: HttpResult): string {
  const m = /name="csrf_token" value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1];
}
