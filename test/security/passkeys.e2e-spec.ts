import { randomUUID } from 'node:crypto';

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { DataSource } from 'typeorm';

import { CHROMIUM, describeInBrowser, JOURNEY_TIMEOUT } from '../console/support';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';

/**
 * Passkeys in a real browser: headless Chromium with a CDP virtual authenticator (CTAP2, resident keys,
 * user verification) registers a passkey in the console, signs out, signs in passwordless, uses the
 * passkey as the second factor after the password, and removes it. The app runs on `localhost`: a
 * WebAuthn RP ID must be a domain (WebAuthn §5.1.4.1), and localhost is a secure context.
 */
describeInBrowser('passkeys in Chromium with a virtual authenticator', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await bootApp(
      {
        RATE_LIMIT_KEY_PREFIX: `iiniit:rl:passkeys-${randomUUID().slice(0, 8)}:`,
        RATE_LIMIT_LOGIN_IP: '1000/1m',
      },
      { hostname: 'localhost' },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--host-resolver-rules=MAP localhost 127.0.0.1',
      ],
    });
  }, JOURNEY_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /**
   * `conditionalUi: false` is a browser without conditional mediation: the virtual authenticator answers
   * a conditional request at once (as if the user picked the passkey from autofill), which would race
   * the explicit button and the password form.
   */
  async function withAuthenticator(
    conditionalUi: boolean,
  ): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext();
    if (!conditionalUi) {
      // A string: it runs in the page, where PublicKeyCredential exists (Node's type library has none).
      await context.addInitScript(
        "Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: undefined });",
      );
    }
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { context, page, errors };
  }

  async function amrOf(userId: string): Promise<string[] | undefined> {
    const rows: { amr: string[] }[] = await t.app
      .get(DataSource)
      .query(`SELECT "amr" FROM "sessions" WHERE "user_id" = $1 ORDER BY "created_at" DESC LIMIT 1`, [
        userId,
      ]);
    return rows[0]?.amr;
  }

  async function signOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/auth\/login/);
  }

  it(
    'registers a passkey, signs in passwordless, uses it as the second factor, and removes it',
    async () => {
      const user = await createUser(t.app);
      const { context, page, errors } = await withAuthenticator(false);
      try {
        await page.goto(`${t.url}/auth/login`);
        await page.fill('#email', user.email);
        await page.fill('#password', user.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(`${t.url}/console`);

        await page.goto(`${t.url}/console/sign-in-methods`);
        await page.fill('#passkey-name', 'Test laptop');
        await page.getByRole('button', { name: 'Add a passkey' }).click();
        await page.waitForURL(/notice=passkey/);
        await expect(page.locator('.passkey-name').allTextContents()).resolves.toEqual(['Test laptop']);
        await expect(page.locator('#passkey-list').textContent()).resolves.toContain('never used');

        // Passwordless: no email typed, the discoverable passkey says who.
        await signOut(page);
        await page.getByRole('button', { name: 'Continue with a passkey' }).click();
        await page.waitForURL(`${t.url}/console`);
        expect(await amrOf(user.id)).toEqual(['hwk', 'user', 'mfa']);

        // With a passkey registered, the password is followed by the second-factor page.
        await signOut(page);
        await page.fill('#email', user.email);
        await page.fill('#password', user.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(/\/auth\/mfa/);
        await expect(page.locator('#code').count()).resolves.toBe(0); // no authenticator app enrolled
        await page.getByRole('button', { name: 'Use a passkey' }).click();
        await page.waitForURL(`${t.url}/console`);
        expect(await amrOf(user.id)).toEqual(['pwd', 'hwk', 'mfa']);

        // The signature counter moved forward and last-used is shown; then removal (a recent factor).
        const [row] = await t.app
          .get(DataSource)
          .query(`SELECT "counter", "last_used_at" FROM "passkeys" WHERE "user_id" = $1`, [user.id]);
        expect(row.last_used_at).not.toBeNull();
        await page.goto(`${t.url}/console/sign-in-methods`);
        await expect(page.locator('#passkey-list').textContent()).resolves.toContain('last used');
        await page.getByRole('button', { name: 'Remove passkey Test laptop' }).click();
        await page.waitForURL(/notice=passkey-removed/);
        await expect(page.getByText('No passkeys yet.').count()).resolves.toBe(1);
        const left: unknown[] = await t.app
          .get(DataSource)
          .query(`SELECT 1 FROM "passkeys" WHERE "user_id" = $1`, [user.id]);
        expect(left).toHaveLength(0);

        // Without a passkey or app, the password alone signs in again.
        await signOut(page);
        await page.fill('#email', user.email);
        await page.fill('#password', user.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(`${t.url}/console`);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'conditional UI: the login page offers the passkey in the email field and signs in with it',
    async () => {
      const user = await createUser(t.app);
      const { context, page, errors } = await withAuthenticator(true);
      try {
        await page.goto(`${t.url}/auth/login`);
        await expect(page.locator('#email').getAttribute('autocomplete')).resolves.toBe('username webauthn');
        await page.fill('#email', user.email);
        await page.fill('#password', user.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(`${t.url}/console`);
        await page.goto(`${t.url}/console/sign-in-methods`);
        await page.fill('#passkey-name', 'Phone');
        await page.getByRole('button', { name: 'Add a passkey' }).click();
        await page.waitForURL(/notice=passkey/);
        // The virtual authenticator picks the passkey the conditional request offers: signed in, no typing.
        const verified = page.waitForResponse((r) => r.url().endsWith('/auth/passkeys/verify'));
        await page.getByRole('button', { name: 'Sign out' }).click();
        expect((await verified).status()).toBe(200);
        await page.waitForURL(`${t.url}/console`);
        expect(await amrOf(user.id)).toEqual(['hwk', 'user', 'mfa']);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    JOURNEY_TIMEOUT,
  );

  it('malformed passkey requests get a 4xx in the product error shape, never a 500', async () => {
    const res = await fetch(`${t.url}/auth/passkeys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        mode: 'passwordless',
        response: { id: 'x', response: { clientDataJSON: 'e30' } },
      }),
    });
    expect(res.status).toBe(403);
    const bad = await fetch(`${t.url}/auth/passkeys/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'nope' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'invalid_request',
      error_description: 'mode must be passwordless or second_factor',
    });
  });
});
