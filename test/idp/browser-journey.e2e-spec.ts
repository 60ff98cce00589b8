import type { Browser } from 'playwright-core';

import {
  bootConsoleApp,
  type CallbackServer,
  describeInBrowser,
  freshPage,
  JOURNEY_TIMEOUT,
  launchChromium,
  startCallbackServer,
} from '../console/support';
import { createClient } from '../factories/clients';
import { uniqueEmail } from '../factories/users';
import type { TestApp } from '../support/app';
import { basic, pkcePair, tokenRequest } from '../support/oauth';
import { addProvider, disableProviders, startUpstreamOp, uniqueSlug, type UpstreamOp } from './support';

/**
 * A person in headless Chromium: a third-party app sends them to sign in, they choose "Continue with
 * Corp SSO" (a real node-oidc-provider), come back to the app's consent page, allow, and the app gets
 * its code — which it exchanges for tokens.
 */
describeInBrowser('Upstream sign-in in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let callback: CallbackServer;
  let op: UpstreamOp;
  const slug = uniqueSlug('corp');

  beforeAll(async () => {
    [t, browser, callback] = await Promise.all([bootConsoleApp(), launchChromium(), startCallbackServer()]);
    op = await startUpstreamOp([
      {
        client_id: 'iiniit-web',
        client_secret: 'corp-secret-for-the-browser-journey',
        redirect_uris: [`${t.url}/auth/idp/${slug}/callback`],
      },
    ]);
    await addProvider(t, {
      slug,
      type: 'oidc',
      name: 'Corp SSO',
      issuer: op.issuer,
      clientId: 'iiniit-web',
      clientSecret: 'corp-secret-for-the-browser-journey',
    });
  }, JOURNEY_TIMEOUT);
  afterAll(async () => {
    if (t) await disableProviders(t, slug);
    await browser?.close();
    await callback?.close();
    await op?.close();
    await t?.close();
  });

  it(
    '"Continue with Corp SSO" from a third-party authorization request ends with the app holding tokens',
    async () => {
      const app = await createClient(t.app, {
        name: 'Partner Dashboard',
        redirectUris: [callback.redirectUri],
        scopes: ['openid', 'email', 'read:user'],
      });
      const email = uniqueEmail('chromium-fed');
      await op.next({ sub: `sub-${email}`, email, email_verified: true, name: 'Chromium Person' });
      const { verifier, challenge } = pkcePair();
      const { context, page, cspViolations } = await freshPage(browser);
      try {
        const q = new URLSearchParams({
          response_type: 'code',
          client_id: app.clientId,
          redirect_uri: callback.redirectUri,
          scope: 'openid email read:user',
          state: 'partner-state',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        });
        await page.goto(`${t.url}/oauth2/authorize?${q.toString()}`);
        await page.getByText('Partner Dashboard').first().waitFor();
        await page.getByRole('link', { name: 'Continue with Corp SSO' }).click();
        // The upstream signs the person in and sends them back; then the consent page of the app.
        await page.waitForURL(
          (url) => url.pathname === '/oauth2/authorize' || url.pathname === '/auth/consent',
        );
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL((url) => url.href.startsWith(`${callback.redirectUri}?`));
        const back = new URL(page.url());
        expect(back.searchParams.get('state')).toBe('partner-state');
        const tokens = await tokenRequest(
          t.url,
          {
            grant_type: 'authorization_code',
            code: back.searchParams.get('code')!,
            redirect_uri: callback.redirectUri,
            code_verifier: verifier,
          },
          { authorization: basic(app.clientId, app.clientSecret!) },
        );
        expect(tokens.status).toBe(200);
        const idToken = JSON.parse(Buffer.from(tokens.json.id_token.split('.')[1], 'base64url').toString());
        expect(idToken.amr).toEqual(['fed']);
        expect(cspViolations).toEqual([]);
      } finally {
        await context.close();
      }
    },
    JOURNEY_TIMEOUT,
  );
});
