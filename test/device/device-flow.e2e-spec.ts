import * as oauth from 'oauth4webapi';
import { DataSource } from 'typeorm';

import { ClientsService, DEVICE_CODE } from '../../src/clients/clients.service';
import { JanitorService } from '../../src/janitor/janitor.service';
import { freshPage, hasChromium, JOURNEY_TIMEOUT, launchChromium } from '../console/support';
import { createClient } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { runTs } from '../support/cli';
import { http, type HttpResult } from '../support/http';

/**
 * RFC 8628 device authorization grant, driven as a CLI would with oauth4webapi's device functions: the
 * CLI starts, prints the code, polls; the user completes /device in headless Chromium (or, where only
 * the server's answer matters, with plain HTTP and a signed-in session).
 */
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const itInBrowser = hasChromium ? it : it.skip;

describe('device authorization grant (RFC 8628)', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    t = await bootApp();
    const issuer = new URL(t.config.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    user = await createUser(t.app);
  });

  afterAll(async () => {
    await t?.close();
  });

  async function deviceClient(type: 'public' | 'confidential', scopes: string[]) {
    const app = await createClient(t.app, {
      name: type === 'public' ? 'Acme CLI' : 'Acme TV',
      type,
      redirectUris: [],
      scopes,
      grantTypes: [DEVICE_CODE, 'refresh_token'],
    });
    const client: oauth.Client = { client_id: app.clientId, id_token_signed_response_alg: 'ES256' };
    const auth = app.clientSecret ? oauth.ClientSecretBasic(app.clientSecret) : oauth.None();
    return { app, client, auth };
  }

  async function start(c: Awaited<ReturnType<typeof deviceClient>>, scope: string) {
    return oauth.processDeviceAuthorizationResponse(
      as,
      c.client,
      await oauth.deviceAuthorizationRequest(as, c.client, c.auth, { scope }, insecure),
    );
  }

  async function poll(c: Awaited<ReturnType<typeof deviceClient>>, deviceCode: string) {
    return oauth.processDeviceCodeResponse(
      as,
      c.client,
      await oauth.deviceCodeGrantRequest(as, c.client, c.auth, deviceCode, insecure),
    );
  }

  /** The OAuth error code a poll ends with. */
  async function pollError(c: Awaited<ReturnType<typeof deviceClient>>, deviceCode: string): Promise<string> {
    const error = await poll(c, deviceCode).then(
      () => 'no error',
      (e: unknown) => (e instanceof oauth.ResponseBodyError ? e.error : String(e)),
    );
    return error;
  }

  /** The user's answer on /device with plain HTTP and a signed-in session (the browser test does it for real). */
  async function answer(userCode: string, decision: 'approve' | 'deny'): Promise<HttpResult> {
    const session = await signInAs(t.app, user.id);
    return http(`${t.url}/device`, {
      method: 'POST',
      headers: { cookie: session.cookie },
      form: { csrf_token: session.csrf, user_code: userCode, decision },
    });
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('advertises the device authorization endpoint and the grant type (RFC 8628 §4)', () => {
    expect(as.device_authorization_endpoint).toBe(`${t.url}/oauth2/device_authorization`);
    expect(as.grant_types_supported).toContain(DEVICE_CODE);
  });

  itInBrowser(
    'a public CLI signs a user in: code shown, /device completed in Chromium, tokens once',
    async () => {
      const cli = await deviceClient('public', ['openid', 'offline_access', 'read:user']);
      const started = await start(cli, 'openid offline_access read:user');
      expect(started.user_code).toMatch(USER_CODE);
      expect(started.device_code.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
      expect(started.verification_uri).toBe(`${t.url}/device`);
      expect(started.verification_uri_complete).toBe(`${t.url}/device?user_code=${started.user_code}`);
      expect(started.expires_in).toBe(600);
      expect(started.interval).toBe(5);

      // The CLI polls before the user has done anything.
      await expect(pollError(cli, started.device_code)).resolves.toBe('authorization_pending');
      const polledAt = Date.now();

      const browser = await launchChromium();
      try {
        const { context, page } = await freshPage(browser);
        // Signed out: the page sends the user to sign in and back, with the code.
        await page.goto(started.verification_uri_complete!);
        await page.waitForURL((url) => url.pathname === '/auth/login');
        await page.getByLabel('Email', { exact: true }).fill(user.email);
        await page.getByLabel('Password', { exact: true }).fill(user.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((url) => url.pathname === '/device' && url.searchParams.has('user_code'));
        await expect(page.locator('h1').textContent()).resolves.toContain('Acme CLI');
        await expect(page.locator('#user-code').textContent()).resolves.toBe(started.user_code);
        const scopes = await page.locator('ul.scopes').textContent();
        expect(scopes).toContain('read:user');
        expect(scopes).toContain('offline_access');
        await page.getByRole('button', { name: 'Allow' }).click();
        await expect(page.locator('h1').textContent()).resolves.toBe('Device connected');
        await context.close();
      } finally {
        await browser.close();
      }

      // RFC 8628 §3.5: the CLI waits its interval before polling again.
      await sleep(Math.max(0, (started.interval ?? 5) * 1000 - (Date.now() - polledAt)) + 200);
      const tokens = await poll(cli, started.device_code);
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'read:user']);
      // offline_access: a public client gets a refresh token; openid: an id_token (checked by oauth4webapi).
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe(user.id);
      const me = await http(`${t.url}/v1/user`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.status).toBe(200);
      expect(me.json.email).toBe(user.email);

      // Single use: the same device code never yields tokens twice.
      await expect(pollError(cli, started.device_code)).resolves.toBe('invalid_grant');

      // The refresh token works like any other.
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        cli.client,
        await oauth.refreshTokenGrantRequest(as, cli.client, cli.auth, tokens.refresh_token!, insecure),
      );
      expect(refreshed.access_token).toEqual(expect.any(String));
    },
    JOURNEY_TIMEOUT,
  );

  it('a confidential device gets a refresh token without offline_access, like the code flow', async () => {
    const tv = await deviceClient('confidential', ['read:projects']);
    const started = await start(tv, 'read:projects');
    // Entered lower-case and without the dash: the same code.
    const typed = started.user_code.toLowerCase().replace('-', '');
    const session = await signInAs(t.app, user.id);
    const page = await http(`${t.url}/device?user_code=${typed}`, { headers: { cookie: session.cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Acme TV');
    expect(page.text).toContain(started.user_code);
    const approved = await answer(typed, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.text).toContain('Device connected');
    const tokens = await poll(tv, started.device_code);
    expect(tokens.scope).toBe('read:projects');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.id_token).toBeUndefined();
    // The approval is the same user×client authorization the console lists and revokes.
    const apps = await http(`${t.url}/v1/authorizations`, {
      headers: (await signInAs(t.app, user.id)).headers,
    });
    expect(JSON.stringify(apps.json)).toContain(tv.app.clientId);
  });

  it('slow_down: polling faster than the interval adds 5 s each time (RFC 8628 §3.5)', async () => {
    const cli = await deviceClient('public', ['read:user']);
    const started = await start(cli, 'read:user');
    await expect(pollError(cli, started.device_code)).resolves.toBe('authorization_pending');
    const fast = await oauth.deviceCodeGrantRequest(as, cli.client, cli.auth, started.device_code, insecure);
    expect(fast.status).toBe(400);
    const body = (await fast.json()) as { error: string; error_description: string };
    expect(body.error).toBe('slow_down');
    expect(body.error_description).toContain('10 seconds');
    await expect(pollError(cli, started.device_code)).resolves.toBe('slow_down');
    const [row] = await t.app
      .get(DataSource)
      .query<{ interval: number }[]>(
        `SELECT "interval" FROM "device_authorizations" WHERE "client_id" = $1`,
        [cli.app.clientId],
      );
    expect(row.interval).toBe(15);
  });

  it('access_denied when the user denies', async () => {
    const cli = await deviceClient('public', ['read:user']);
    const started = await start(cli, 'read:user');
    const denied = await answer(started.user_code, 'deny');
    expect(denied.status).toBe(200);
    expect(denied.text).toContain('Access denied');
    await expect(pollError(cli, started.device_code)).resolves.toBe('access_denied');
    // A denied code cannot be approved afterwards.
    const late = await answer(started.user_code, 'approve');
    expect(late.status).toBe(400);
    await expect(pollError(cli, started.device_code)).resolves.toBe('access_denied');
  });

  it('expired_token once the code expired; the page refuses it; the janitor purges it later', async () => {
    const cli = await deviceClient('public', ['read:user']);
    const started = await start(cli, 'read:user');
    const db = t.app.get(DataSource);
    await db.query(
      `UPDATE "device_authorizations" SET "expires_at" = now() - interval '1 second' WHERE "client_id" = $1`,
      [cli.app.clientId],
    );
    await expect(pollError(cli, started.device_code)).resolves.toBe('expired_token');
    const late = await answer(started.user_code, 'approve');
    expect(late.status).toBe(400);
    expect(late.text).toContain('expired');
    await expect(pollError(cli, started.device_code)).resolves.toBe('expired_token');

    await db.query(
      `UPDATE "device_authorizations" SET "expires_at" = now() - interval '2 hours' WHERE "client_id" = $1`,
      [cli.app.clientId],
    );
    const report = await t.app.get(JanitorService).run();
    expect(report.ran && report.deleted.device_authorizations).toBeGreaterThanOrEqual(1);
    const left = await db.query<unknown[]>(`SELECT 1 FROM "device_authorizations" WHERE "client_id" = $1`, [
      cli.app.clientId,
    ]);
    expect(left).toHaveLength(0);
    await expect(pollError(cli, started.device_code)).resolves.toBe('invalid_grant');
  });

  it('refuses clients without the grant, scopes beyond the client, other clients’ codes, bad secrets', async () => {
    const endpoint = `${t.url}/oauth2/device_authorization`;
    const web = await createClient(t.app, { type: 'public', scopes: ['read:user'] });
    const notAllowed = await http(endpoint, { method: 'POST', form: { client_id: web.clientId } });
    expect(notAllowed.status).toBe(400);
    expect(notAllowed.json.error).toBe('unauthorized_client');

    const cli = await deviceClient('public', ['read:user']);
    const wider = await http(endpoint, {
      method: 'POST',
      form: { client_id: cli.app.clientId, scope: 'write:projects' },
    });
    expect(wider.status).toBe(400);
    expect(wider.json.error).toBe('invalid_scope');
    const malformed = await http(endpoint, {
      method: 'POST',
      form: { client_id: cli.app.clientId, scope: 'a"b' },
    });
    expect(malformed.json.error).toBe('invalid_scope');

    const unknown = await http(endpoint, { method: 'POST', form: { client_id: 'iic_nobody' } });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error).toBe('invalid_client');
    const tv = await deviceClient('confidential', ['read:user']);
    const badSecret = await http(endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${tv.app.clientId}:wrong`).toString('base64')}` },
      form: {},
    });
    expect(badSecret.status).toBe(401);
    expect(badSecret.json.error).toBe('invalid_client');
    expect(badSecret.text).not.toContain('wrong');

    // A device code is bound to its client.
    const started = await start(cli, 'read:user');
    const other = await deviceClient('public', ['read:user']);
    await expect(pollError(other, started.device_code)).resolves.toBe('invalid_grant');
    const token = `${t.url}/oauth2/token`;
    const missing = await http(token, {
      method: 'POST',
      form: { grant_type: DEVICE_CODE, client_id: cli.app.clientId },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('invalid_request');
    const garbage = await http(token, {
      method: 'POST',
      form: { grant_type: DEVICE_CODE, client_id: cli.app.clientId, device_code: 'x'.repeat(300) },
    });
    expect(garbage.status).toBe(400);
    expect(garbage.json.error).toBe('invalid_grant');
  });

  it('the page needs its CSRF token, and a signed-out visitor is sent to sign in with the code kept', async () => {
    const signedOut = await http(`${t.url}/device?user_code=BCDF-GHJK`);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe(
      `/auth/login?return_to=${encodeURIComponent('/device?user_code=BCDF-GHJK')}`,
    );
    const cli = await deviceClient('public', ['read:user']);
    const started = await start(cli, 'read:user');
    const session = await signInAs(t.app, user.id);
    const forged = await http(`${t.url}/device`, {
      method: 'POST',
      headers: { cookie: session.cookie },
      form: { user_code: started.user_code, decision: 'approve' },
    });
    expect(forged.status).toBe(403);
    await expect(pollError(cli, started.device_code)).resolves.toBe('authorization_pending');
    const entry = await http(`${t.url}/device`, { headers: { cookie: session.cookie } });
    expect(entry.status).toBe(200);
    expect(entry.text).toContain('Enter the code');
  });

  it('a developer turns device sign-in on and off on the console app page', async () => {
    const dev = await createUser(t.app);
    const session = await signInAs(t.app, dev.id);
    const created = await http(`${t.url}/console/apps`, {
      method: 'POST',
      headers: { cookie: session.cookie },
      form: {
        csrf_token: session.csrf,
        name: 'Dev CLI',
        type: 'public',
        redirect_uris: 'http://127.0.0.1/callback',
        scopes: 'read:user',
        device_flow: 'on',
      },
    });
    expect(created.status).toBe(303);
    const appPath = created.headers.get('location')!.split('?')[0];
    const [app] = await t.app.get(ClientsService).listOwned(dev.id);
    expect(app.grantTypes).toEqual(['authorization_code', 'refresh_token', DEVICE_CODE]);
    const page = await http(`${t.url}${appPath}`, { headers: { cookie: session.cookie } });
    expect(page.text).toMatch(/name="device_flow" value="on"\s+checked/);
    const started = await http(`${t.url}/oauth2/device_authorization`, {
      method: 'POST',
      form: { client_id: app.clientId },
    });
    expect(started.status).toBe(200);

    const saved = await http(`${t.url}${appPath}`, {
      method: 'POST',
      headers: { cookie: session.cookie },
      form: {
        csrf_token: session.csrf,
        name: 'Dev CLI',
        redirect_uris: 'http://127.0.0.1/callback',
        scopes: 'read:user',
      },
    });
    expect(saved.status).toBe(303);
    const off = await http(`${t.url}/oauth2/device_authorization`, {
      method: 'POST',
      form: { client_id: app.clientId },
    });
    expect(off.json.error).toBe('unauthorized_client');
  });

  // Two CLI processes (compiled on the fly): slow on a busy machine and on the embedded database.
  it('the admin CLI creates a device client (and a token-exchange one)', async () => {
    const res = await runTs('src/cli/admin.ts', [
      'client:create',
      '--name',
      'Terminal',
      '--type',
      'public',
      '--scope',
      'openid read:user',
      '--grant-type',
      DEVICE_CODE,
      '--grant-type',
      'refresh_token',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout.trim());
    expect(printed.grant_types).toEqual([DEVICE_CODE, 'refresh_token']);
    expect(printed.client_secret).toBeUndefined();
    const started = await http(`${t.url}/oauth2/device_authorization`, {
      method: 'POST',
      form: { client_id: printed.client_id, scope: 'read:user' },
    });
    expect(started.status).toBe(200);
    expect(started.json.user_code).toMatch(USER_CODE);

    const exchange = await runTs('src/cli/admin.ts', [
      'client:create',
      '--scope',
      'read:user',
      '--grant-type',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ]);
    expect(exchange.code).toBe(0);
    expect(JSON.parse(exchange.stdout.trim()).grant_types).toEqual([
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ]);
  }, 180_000);

  it('limits guesses per code, then per IP, with a tiny budget (RFC 8628 §5.1)', async () => {
    // Its own instance and counters: the other tests' wrong codes must not count here.
    const limited = await bootApp({
      RATE_LIMIT_DEVICE_USER_CODE_IP: '10/15m',
      RATE_LIMIT_DEVICE_USER_CODE: '10/15m',
      RATE_LIMIT_KEY_PREFIX: `iiniit:rl:device-${Date.now()}:`,
    });
    try {
      const cli = await deviceClient('public', ['read:user']);
      const started = await start(cli, 'read:user');
      const session = await signInAs(limited.app, user.id);
      const look = (code: string) =>
        http(`${limited.url}/device?user_code=${encodeURIComponent(code)}`, {
          headers: { cookie: session.cookie },
        });
      // One code: 10 entries in the window, even right ones (they do not use up the IP's budget).
      for (let i = 0; i < 10; i++) expect((await look(started.user_code)).status).toBe(200);
      const codeLimited = await look(started.user_code);
      expect(codeLimited.status).toBe(429);
      expect(Number(codeLimited.headers.get('retry-after'))).toBeGreaterThan(0);

      // One IP: 10 wrong codes, then nothing more, not even a right one.
      const other = await start(cli, 'read:user');
      const wrong = [
        'BBBB-BBBB',
        'CCCC-CCCC',
        'DDDD-DDDD',
        'FFFF-FFFF',
        'GGGG-GGGG',
        'HHHH-HHHH',
        'JJJJ-JJJJ',
      ];
      for (const code of [...wrong, 'not a code', 'KKKK-KKKK', 'LLLL-LLLL']) {
        const res = await look(code);
        expect(res.status).toBe(400);
        expect(res.text).toContain('not valid');
      }
      expect((await look('MMMM-MMMM')).status).toBe(429);
      expect((await look(other.user_code)).status).toBe(429);
      await expect(pollError(cli, other.device_code)).resolves.toBe('authorization_pending');
    } finally {
      await limited.close();
    }
  });
});
