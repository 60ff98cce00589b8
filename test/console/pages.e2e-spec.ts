import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { TestApp } from '../support/app';
import { http } from '../support/http';
import {
  bootConsoleApp,
  describeInBrowser,
  freshPage,
  JOURNEY_TIMEOUT,
  launchChromium,
  saveScreenshot,
  sessionCookie,
  signUpInBrowser,
  text,
} from './support';

/** How people actually meet the pages: reloads, the back button, a phone, a keyboard. */
describeInBrowser('developer console pages (headless Chromium)', () => {
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
  afterEach(async () => {
    expect(cspViolations).toEqual([]);
    await context?.close();
  });

  async function createApp(name: string, redirectUri = 'https://app.example.com/callback'): Promise<void> {
    await page.goto(`${t.url}/console/apps/new`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Redirect URIs').fill(redirectUri);
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(/notice=created/);
  }

  it(
    'a secret never appears in the page after its first view: not on reload, back, or any other page',
    async () => {
      ({ context, page, cspViolations } = await freshPage(browser));
      await signUpInBrowser(page, t.url);
      await createApp('Secretive');
      const appUrl = page.url();
      const secret = await text(page, '#client-secret');
      expect(secret).toMatch(/^iics_/);
      expect(await page.content()).toContain(secret);

      await page.reload();
      expect(await page.content()).not.toContain(secret);
      await page.getByText("won't see it again").waitFor();

      await page.goto(`${t.url}/console/api-keys`);
      await page.goBack();
      expect(page.url()).toBe(appUrl);
      expect(await page.content()).not.toContain(secret);

      // The same HTML as the server sends it, for every page the developer can reach.
      const cookie = await sessionCookie(context, t.url);
      const appPath = new URL(appUrl).pathname;
      for (const path of [
        appUrl.slice(t.url.length),
        appPath,
        '/console/apps',
        '/console',
        '/console/security',
      ]) {
        const res = await http(`${t.url}${path}`, { headers: { cookie } });
        expect({ path, status: res.status, leaked: res.text.includes(secret) }).toEqual({
          path,
          status: 200,
          leaked: false,
        });
      }

      // Rotating shows the new secret once too, and never the old one again.
      await page.goto(`${t.url}${appPath}`);
      await page.getByRole('link', { name: 'Rotate secret' }).first().click();
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.waitForURL(/notice=rotated&secret=/);
      const rotated = await text(page, '#client-secret');
      expect(rotated).not.toBe(secret);
      await page.reload();
      const html = await page.content();
      expect(html).not.toContain(rotated);
      expect(html).not.toContain(secret);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'works at 375 px wide: no sideways scrolling on any page',
    async () => {
      ({ context, page, cspViolations } = await freshPage(browser, { width: 375, height: 740 }));
      await signUpInBrowser(page, t.url, 'Mobile Dev');
      await createApp('A rather long app name for a small screen');
      const appPath = new URL(page.url()).pathname;
      await page.goto(`${t.url}/console/api-keys/new`);
      await page.getByLabel('Name', { exact: true }).fill('Phone key');
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.waitForURL(/notice=created/);
      await saveScreenshot(page, 'mobile-375-key-created');
      for (const path of [
        '/console',
        '/console/apps',
        '/console/apps/new',
        appPath,
        '/console/api-keys',
        '/console/api-keys/new',
        '/console/authorized-apps',
        '/console/security',
      ]) {
        await page.goto(`${t.url}${path}`);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        expect({ path, width }).toEqual({ path, width: 375 });
      }
      await page.goto(`${t.url}/console/api-keys`);
      await saveScreenshot(page, 'mobile-375-api-keys');
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'works with the keyboard alone: skip link, create a key, copy it',
    async () => {
      ({ context, page, cspViolations } = await freshPage(browser));
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
      await signUpInBrowser(page, t.url, 'Keyboard Dev');
      const focused = () => page.evaluate('document.activeElement ? document.activeElement.outerHTML : ""');
      const tabTo = async (pattern: RegExp) => {
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          if (pattern.test(String(await focused()))) return;
        }
        throw new Error(`never reached ${pattern} with Tab`);
      };

      // The first Tab lands on the skip link; Enter moves focus to the content.
      await page.keyboard.press('Tab');
      expect(String(await focused())).toContain('Skip to content');
      await page.keyboard.press('Enter');
      expect(String(await focused())).toMatch(/^<div id="content"/);

      await tabTo(/>\s*Create an API key\s*</);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${t.url}/console/api-keys/new`);
      await tabTo(/id="name"/);
      await page.keyboard.type('Typed key');
      await tabTo(/value="write:projects"/);
      await page.keyboard.press('Space');
      await tabTo(/<button type="submit">Create API key/);
      await page.keyboard.press('Enter');
      await page.waitForURL(/notice=created/);
      const key = await text(page, '#new-key');
      expect(await text(page, 'tbody tr')).toContain('write:projects');

      await tabTo(/data-copy="new-key"/);
      await page.keyboard.press('Enter');
      await page.getByText('Copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
      await saveScreenshot(page, 'keyboard-key-copied', false);
    },
    JOURNEY_TIMEOUT,
  );
});
