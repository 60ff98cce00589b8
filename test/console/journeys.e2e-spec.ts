import type { Browser, BrowserContext, Page } from 'playwright-core';

import { createClient } from '../factories/clients';
import type { TestApp } from '../support/app';
import { http } from '../support/http';
import { authorizeUrl, basic, pkcePair, tokenRequest } from '../support/oauth';
import {
  bootConsoleApp,
  type CallbackServer,
  describeInBrowser,
  freshPage,
  JOURNEY_TIMEOUT,
  launchChromium,
  saveDocsScreenshot,
  saveScreenshot,
  sessionCookie,
  signUpInBrowser,
  startCallbackServer,
  text,
} from './support';

describeInBrowser('developer console journeys (headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let callback: CallbackServer;
  let context: BrowserContext;
  let page: Page;
  let cspViolations: string[];

  beforeAll(async () => {
    [t, browser, callback] = await Promise.all([bootConsoleApp(), launchChromium(), startCallbackServer()]);
  });
  afterAll(async () => {
    await browser?.close();
    await callback?.close();
    await t?.close();
  });
  beforeEach(async () => {
    ({ context, page, cspViolations } = await freshPage(browser));
  });
  afterEach(async () => {
    // The pages run under `script-src 'self'` with no inline script or style: nothing may be blocked.
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it(
    'sign up → create an app → open its authorize URL → consent → back at the redirect URI with a code',
    async () => {
      await signUpInBrowser(page, t.url, 'Grace');
      expect(await text(page, 'h1')).toBe('Welcome, Grace');
      expect(await text(page, '#next-title')).toBe('Your next step');
      await saveScreenshot(page, 'journey-1-first-sign-in');

      await page.getByRole('link', { name: 'Create an app' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Journey Planner');
      await page.getByLabel(/Confidential/).check();
      await page.getByLabel('Redirect URIs').fill(callback.redirectUri);
      await page.getByLabel(/read:projects/).check();
      await page.getByRole('button', { name: 'Create app' }).click();
      await page.waitForURL(/\/console\/apps\/[0-9a-f-]{36}\?notice=created&secret=/);

      const clientId = await text(page, '#client-id');
      const clientSecret = await text(page, '#client-secret');
      expect(clientId).toMatch(/^iic_/);
      expect(clientSecret).toMatch(/^iics_/);
      await expect(page.getByText("you won't see this again").first().isVisible()).resolves.toBe(true);
      const shownUrl = new URL(await text(page, '#authorize-url'));
      expect(shownUrl.searchParams.get('client_id')).toBe(clientId);
      expect(shownUrl.searchParams.get('redirect_uri')).toBe(callback.redirectUri);
      expect(shownUrl.searchParams.get('scope')).toBe('read:user read:projects');
      expect(shownUrl.searchParams.get('code_challenge_method')).toBe('S256');
      const verifier = await text(page, '#code-verifier');
      await saveScreenshot(page, 'journey-1-app-created');

      // The copy button works under the strict CSP (its script is /assets/console.js).
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
      await page.getByRole('button', { name: 'Copy secret' }).click();
      await page
        .getByText(/Copied to the clipboard|press Ctrl\+C/)
        .first()
        .waitFor();

      await page.getByRole('link', { name: 'Open the authorize URL' }).click();
      await page.waitForURL((url) => url.pathname === '/oauth2/authorize');
      expect(await text(page, 'h1')).toContain('Journey Planner');
      await saveScreenshot(page, 'journey-1-consent');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${callback.redirectUri}?`));

      const landed = new URL(page.url());
      const code = landed.searchParams.get('code');
      expect(code).toBeTruthy();
      expect(landed.searchParams.get('state')).toBe(shownUrl.searchParams.get('state'));
      expect(landed.searchParams.get('iss')).toBe(t.url);
      await saveScreenshot(page, 'journey-1-redirected');

      // The page's token request works as shown: client_secret_basic + the page's code_verifier.
      const tokens = await tokenRequest(
        t.url,
        {
          grant_type: 'authorization_code',
          code: code!,
          redirect_uri: callback.redirectUri,
          code_verifier: verifier,
        },
        { authorization: basic(clientId, clientSecret) },
      );
      expect(tokens.status).toBe(200);
      expect(tokens.json.scope).toBe('read:user read:projects');
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'create an API key → read it from the page → GET /v1/projects with it → 200; revoke it → 401',
    async () => {
      await signUpInBrowser(page, t.url);
      await page.getByRole('link', { name: 'Create an API key' }).click();
      await page.getByLabel('Name', { exact: true }).fill('CI deploys');
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.waitForURL(/\/console\/api-keys\?notice=created&secret=/);

      const key = await text(page, '#new-key');
      expect(key).toMatch(/^iik_test_[0-9A-Za-z]{49}$/);
      expect(await text(page, '#new-key-curl')).toContain(`X-API-Key: $IINIIT_API_KEY`);
      await saveScreenshot(page, 'journey-2-key-created');

      const ok = await http(`${t.url}/v1/projects`, { headers: { 'x-api-key': key } });
      expect(ok.status).toBe(200);

      // Shown once: a reload no longer has it, and says so.
      await page.reload();
      expect(await page.content()).not.toContain(key);
      await page.getByText('no longer available').waitFor();

      // Home now shows the next step: a three-line curl with this key's prefix.
      await page.getByRole('link', { name: 'Home' }).click();
      const firstCall = await text(page, '#first-call');
      expect(firstCall.split('\n')).toHaveLength(3);
      expect(firstCall).toContain(`${key.slice(0, 13)}…`);
      expect(firstCall).toContain(`${t.url}/v1/projects`);
      expect(await page.content()).not.toContain(key);
      await saveScreenshot(page, 'journey-2-home-next-step');
      await page.getByRole('link', { name: 'API keys' }).click();

      // A second key, so the list (and the README screenshot) shows more than one row.
      await page.getByRole('link', { name: 'Create API key' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Local scripts');
      await page.getByLabel(/write:projects/).check();
      await page
        .getByLabel(/Expiry date/)
        .fill(new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10));
      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.waitForURL(/notice=created/);
      await page.goto(`${t.url}/console/api-keys`);
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.filter({ hasText: 'CI deploys' }).textContent()).toMatch(/just now|minute/); // last used
      expect(await page.content()).not.toContain(key);
      await saveDocsScreenshot(page);

      await page.getByRole('link', { name: 'Revoke CI deploys' }).click();
      expect(await text(page, 'h1')).toBe('Revoke the key “CI deploys”?');
      await page.getByRole('button', { name: 'Revoke key' }).click();
      await page.waitForURL(/\/console\/api-keys\?notice=revoked$/);
      expect(await page.locator('tbody tr').count()).toBe(1);
      await saveScreenshot(page, 'journey-2-key-revoked');

      const refused = await http(`${t.url}/v1/projects`, { headers: { 'x-api-key': key } });
      expect(refused.status).toBe(401);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'authorize an app, exchange its code, revoke it under Authorized apps → its access token is refused',
    async () => {
      const app = await createClient(t.app, {
        name: 'Third-Party Planner',
        redirectUris: [callback.redirectUri],
        scopes: ['read:user', 'read:projects'],
      });
      await signUpInBrowser(page, t.url);
      const pkce = pkcePair();
      await page.goto(
        `${t.url}${authorizeUrl({
          response_type: 'code',
          client_id: app.clientId,
          redirect_uri: callback.redirectUri,
          scope: 'read:user',
          state: 'journey-3',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        })}`,
      );
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${callback.redirectUri}?`));
      const code = new URL(page.url()).searchParams.get('code')!;

      const tokens = await tokenRequest(
        t.url,
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: callback.redirectUri,
          code_verifier: pkce.verifier,
        },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );
      expect(tokens.status).toBe(200);
      const bearer = { authorization: `Bearer ${tokens.json.access_token}` };
      expect((await http(`${t.url}/v1/user`, { headers: bearer })).status).toBe(200);

      await page.goto(`${t.url}/console/authorized-apps`);
      const card = page.locator('.card-item', { hasText: 'Third-Party Planner' });
      expect(await card.textContent()).toContain('See your profile');
      await saveScreenshot(page, 'journey-3-authorized-apps');
      await card.getByRole('button', { name: 'Revoke access for Third-Party Planner' }).click();
      await page.waitForURL(/\/console\/authorized-apps\?notice=revoked$/);
      expect(await page.locator('.card-item').count()).toBe(0);
      await saveScreenshot(page, 'journey-3-revoked');

      const refused = await http(`${t.url}/v1/user`, { headers: bearer });
      expect(refused.status).toBe(401);
      const refresh = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token },
        { authorization: basic(app.clientId, app.clientSecret!) },
      );
      expect(refresh.status).toBe(400);
      expect(refresh.json.error).toBe('invalid_grant');

      // The revocation shows up in the security activity, next to this browser's sign-in.
      await page.getByRole('link', { name: 'Security activity' }).click();
      await page.getByText('Revoked access for Third-Party Planner').waitFor();
      expect(await page.locator('.badge', { hasText: 'this browser' }).count()).toBe(1);
      await saveScreenshot(page, 'journey-3-security-activity');
      expect(await sessionCookie(context, t.url)).toMatch(/^iiniit_session=/);

      // Sign out is a CSRF-checked POST; afterwards the console asks to sign in again.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/auth/login');
      await page.goto(`${t.url}/console/security`);
      expect(new URL(page.url()).searchParams.get('return_to')).toBe('/console/security');
    },
    JOURNEY_TIMEOUT,
  );
});
