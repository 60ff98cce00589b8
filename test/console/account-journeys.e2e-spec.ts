import type { Browser, BrowserContext, Page } from 'playwright-core';

import { UsersService } from '../../src/users/users.service';
import { createApiKey, withKey } from '../factories/api-keys';
import type { TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { http } from '../support/http';
import {
  bootConsoleApp,
  describeInBrowser,
  freshPage,
  JOURNEY_TIMEOUT,
  launchChromium,
  saveScreenshot,
  signUpInBrowser,
  text,
} from './support';

/**
 * The account journeys on the embedded default: no SMTP_URL, so the mails land in the dev outbox, and
 * the person follows the links from there as a newcomer would.
 */
describeInBrowser('account journeys (headless Chromium, dev outbox)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cspViolations: string[];

  beforeAll(async () => {
    [t, browser] = await Promise.all([bootConsoleApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  beforeEach(async () => {
    ({ context, page, cspViolations } = await freshPage(browser));
  });
  afterEach(async () => {
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  /** Opens the dev outbox and follows the newest link of the mail with this subject to this address. */
  async function followMail(to: string, subject: string): Promise<void> {
    await page.goto(`${t.url}/console/dev/outbox`);
    const mail = page.locator('article').filter({ hasText: to }).filter({ hasText: subject }).first();
    await mail.getByRole('link').click();
  }

  it(
    'confirm the email from the outbox; forgot password → outbox → new password → sign in',
    async () => {
      const dev = await signUpInBrowser(page, t.url, 'Forgetful');
      await page.getByText('Please confirm your email address').waitFor();
      await followMail(dev.email, 'Confirm your email address');
      await page.getByRole('button', { name: 'Confirm email address' }).click();
      expect(await text(page, 'h1')).toBe('Email confirmed');

      await page.goto(`${t.url}/console`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/auth/login');
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByLabel('Email', { exact: true }).fill(dev.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      expect(await text(page, 'h1')).toBe('Check your inbox');
      await saveScreenshot(page, 'account-forgot-sent');

      // The mail is written after the answer: give it a moment to reach the outbox.
      await eventually(async () => {
        const res = await http(`${t.url}/console/dev/outbox`);
        return res.text.includes('Reset your password') && res.text.includes(dev.email);
      }, 5000);
      await followMail(dev.email, 'Reset your password');
      expect(await text(page, 'h1')).toBe('Choose a new password');
      await page.getByLabel('New password').fill('a-new-long-passphrase');
      await page.getByRole('button', { name: 'Set new password' }).click();
      expect(await text(page, 'h1')).toBe('Your password was changed');
      await page.getByRole('link', { name: 'Sign in' }).click();

      await page.getByLabel('Email', { exact: true }).fill(dev.email);
      await page.getByLabel('Password', { exact: true }).fill(dev.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Email or password is incorrect.').waitFor();
      await page.getByLabel('Password', { exact: true }).fill('a-new-long-passphrase');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${t.url}/console`);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'profile → delete account with the password → signed out, the API key is refused',
    async () => {
      const dev = await signUpInBrowser(page, t.url, 'Leaving');
      const user = await t.app.get(UsersService).findByEmail(dev.email);
      const key = await createApiKey(t.app, user!.id);
      expect((await http(`${t.url}/v1/projects`, { headers: withKey(key.key) })).status).toBe(200);

      await page.getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('link', { name: 'Delete account…' }).click();
      expect(await text(page, 'h1')).toBe('Delete your account?');
      await saveScreenshot(page, 'account-delete-confirm');
      await page.getByLabel('Your password').fill('not-the-password');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.getByText('Password is not your current password.').waitFor();
      await page.getByLabel('Your password').fill(dev.password);
      await page.getByRole('button', { name: 'Delete my account' }).click();
      expect(await text(page, 'h1')).toBe('Your account was deleted');

      expect((await http(`${t.url}/v1/projects`, { headers: withKey(key.key) })).status).toBe(401);
      await page.goto(`${t.url}/console`);
      await page.waitForURL((url) => url.pathname === '/auth/login');
      expect(await t.app.get(UsersService).findByEmail(dev.email)).toBeNull();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'the account pages work at 375 px and from the keyboard',
    async () => {
      await context.close();
      ({ context, page, cspViolations } = await freshPage(browser, { width: 375, height: 740 }));
      await signUpInBrowser(page, t.url, 'Small Screen');
      for (const path of [
        '/console/profile',
        '/console/sessions',
        '/console/account/delete',
        '/console/dev/outbox',
      ]) {
        await page.goto(`${t.url}${path}`);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        expect({ path, width }).toEqual({ path, width: 375 });
      }
      await page.goto(`${t.url}/console/profile`);
      await page.locator('#name').focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Keyboard Name');
      await page.keyboard.press('Enter');
      await page.waitForURL(/notice=name/);
      expect(await page.locator('#name').inputValue()).toBe('Keyboard Name');
    },
    JOURNEY_TIMEOUT,
  );
});
