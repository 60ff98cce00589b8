import { randomUUID } from 'node:crypto';

import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { DataSource } from 'typeorm';

import { DevOutbox } from '../../src/platform/mail/outbox';
import { createClient } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import type { HttpResult } from '../support/http';

/**
 * Second factors end to end over HTTP: TOTP enrolment in the console with codes computed by otplib here
 * (RFC 6238), sign-in through the second-factor page, replay and out-of-window codes, single-use recovery
 * codes with their mail, the lockout, step-up with acr_values seen by openid-client, recent-factor checks
 * in the console, and no difference before the password is right.
 */
type User = Awaited<ReturnType<typeof createUser>>;

const CALLBACK = 'https://rp.example.com/callback';
const ACR_MFA = 'urn:iiniit:acr:mfa';
const now = (): number => Math.floor(Date.now() / 1000);

function csrfOf(page: HttpResult): string {
  const m = /name="csrf_token" value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error(`no CSRF token on the page:\n${page.text.slice(0, 300)}`);
  return m[1];
}

/** A code for the time step `offset` steps from now. */
function codeAt(secret: string, offset: number): Promise<string> {
  return generate({ secret, epoch: now() + offset * 30 });
}

describe('second factors: TOTP, recovery codes, step-up', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({
      RATE_LIMIT_KEY_PREFIX: `iiniit:rl:mfa-${randomUUID().slice(0, 8)}:`,
      RATE_LIMIT_LOGIN_IP: '1000/1m',
      RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
      LOGIN_LOCKOUT_THRESHOLD: '5',
    });
  });
  afterAll(() => t?.close());

  async function signInWithPassword(
    user: User,
    returnTo = '/console',
  ): Promise<{ browser: Browser; res: HttpResult }> {
    const browser = new Browser(t.url);
    const page = await browser.get(`/auth/login?return_to=${encodeURIComponent(returnTo)}`);
    const res = await browser.submit(page, { email: user.email, password: user.password });
    return { browser, res };
  }

  /** Enrols TOTP through the console; returns the secret and the recovery codes shown once. */
  async function enrol(
    user: User,
  ): Promise<{ secret: string; codes: string[]; browser: Browser; used: string }> {
    const { browser, res } = await signInWithPassword(user);
    expect(res.status).toBe(303);
    const methods = await browser.get('/console/sign-in-methods');
    expect(methods.status).toBe(200);
    expect(methods.text).toContain('Set up authenticator app');
    const enrolPage = await browser.post('/console/sign-in-methods/totp', { csrf_token: csrfOf(methods) });
    expect(enrolPage.status).toBe(200);
    // The QR code is inline SVG rendered on the server; the secret is there in text too.
    expect(enrolPage.text).toMatch(/<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const secret = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(enrolPage.text)![1].replace(/ /g, '');
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const wrong = await browser.post('/console/sign-in-methods/totp/confirm', {
      csrf_token: csrfOf(enrolPage),
      code: '000000' === (await codeAt(secret, 0)) ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('That code didn’t work');

    const used = await codeAt(secret, 0);
    const done = await browser.post('/console/sign-in-methods/totp/confirm', {
      csrf_token: csrfOf(enrolPage),
      code: used,
    });
    expect(done.status).toBe(200);
    const codes = [...done.text.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map(
      (m) => m[1],
    );
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    return { secret, codes, browser, used };
  }

  async function sessionAmr(userId: string): Promise<string[][]> {
    const rows: { amr: string[] }[] = await t.app
      .get(DataSource)
      .query(`SELECT "amr" FROM "sessions" WHERE "user_id" = $1 ORDER BY "created_at"`, [userId]);
    return rows.map((r) => r.amr);
  }

  it('stores the TOTP secret encrypted and the recovery codes hashed', async () => {
    const user = await createUser(t.app);
    const { secret, codes } = await enrol(user);
    const db = t.app.get(DataSource);
    const [factor] = await db.query(`SELECT * FROM "totp_factors" WHERE "user_id" = $1`, [user.id]);
    expect(factor.confirmed_at).not.toBeNull();
    expect(factor.secret_encrypted).not.toContain(secret);
    expect(factor.secret_encrypted).toMatch(/^v1\./);
    const stored = JSON.stringify(
      await db.query(`SELECT * FROM "recovery_codes" WHERE "user_id" = $1`, [user.id]),
    );
    for (const c of codes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace('-', ''));
    }
  });

  it('password then TOTP: replayed and out-of-window codes refused, the next code signs in with amr otp', async () => {
    const user = await createUser(t.app);
    // The code used at enrolment has its time step spent.
    const { secret, used } = await enrol(user);

    const { browser, res } = await signInWithPassword(user);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/auth/mfa?return_to=%2Fconsole');
    // No session yet: the console still wants a sign-in.
    expect((await browser.get('/console')).status).toBe(303);
    const page = await browser.get(res.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Code from your authenticator app');

    const replay = await browser.submit(page, { code: used });
    expect(replay.status).toBe(401);
    const tooOld = await browser.submit(page, { code: await codeAt(secret, -3) });
    expect(tooOld.status).toBe(401);
    const tooNew = await browser.submit(page, { code: await codeAt(secret, 3) });
    expect(tooNew.status).toBe(401);
    expect((await browser.get('/console')).status).toBe(303);

    const next = await codeAt(secret, 1);
    const ok = await browser.submit(page, { code: next });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console');
    expect((await browser.get('/console')).status).toBe(200);
    expect((await sessionAmr(user.id)).at(-1)).toEqual(['pwd', 'otp', 'mfa']);
    // The same code a second time (another browser): refused, however much time has passed.
    const other = await signInWithPassword(user);
    const again = await other.browser.submit(await other.browser.get('/auth/mfa'), { code: next });
    expect(again.status).toBe(401);
  });

  it('a recovery code signs in once, and the user is told by mail', async () => {
    const user = await createUser(t.app);
    const { codes } = await enrol(user);
    const outbox = t.app.get(DevOutbox);

    const first = await signInWithPassword(user);
    const page = await first.browser.get('/auth/mfa?method=recovery');
    expect(page.text).toContain('Recovery code');
    const ok = await first.browser.submit(page, { code: codes[0].toUpperCase() });
    expect(ok.status).toBe(303);
    expect((await sessionAmr(user.id)).at(-1)).toEqual(['pwd', 'otp', 'mfa']);
    const mail = outbox.list().filter((m) => m.to === user.email && /recovery code was used/.test(m.subject));
    expect(mail).toHaveLength(1);
    expect(mail[0].text).toContain('9 recovery codes left');
    expect(mail[0].text).not.toContain(codes[0]);

    const second = await signInWithPassword(user);
    const reuse = await second.browser.submit(await second.browser.get('/auth/mfa?method=recovery'), {
      code: codes[0],
    });
    expect(reuse.status).toBe(401);
    const other = await second.browser.submit(await second.browser.get('/auth/mfa?method=recovery'), {
      code: codes[1],
    });
    expect(other.status).toBe(303);
  });

  it('wrong codes count toward the lockout: after the threshold even the right code is refused', async () => {
    const user = await createUser(t.app);
    const { secret } = await enrol(user);
    const { browser } = await signInWithPassword(user);
    const page = await browser.get('/auth/mfa');
    const right = await codeAt(secret, 1);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) expect((await browser.submit(page, { code: wrong })).status).toBe(401);
    expect((await browser.submit(page, { code: right })).status).toBe(401);
    // A right password does not reset the count while the second factor is still missing.
    const again = await signInWithPassword(user);
    expect(again.res.status).toBe(401);
  });

  it('no enumeration: a wrong password looks the same with or without a second factor', async () => {
    const plain = await createUser(t.app);
    const withMfa = await createUser(t.app);
    await enrol(withMfa);
    const normalized = (r: HttpResult): string =>
      r.text
        .replace(/name="csrf_token" value="[^"]*"/, '')
        .replace(/name="email"([\s\S]*?)value="[^"]*"/, 'name="email"$1');
    const a = await signInWithPassword({ ...plain, password: 'wrong-password' });
    const b = await signInWithPassword({ ...withMfa, password: 'wrong-password' });
    expect(a.res.status).toBe(401);
    expect(b.res.status).toBe(401);
    expect(normalized(b.res)).toBe(normalized(a.res));
    expect(b.res.text).not.toMatch(/authenticator|two-step|recovery/i);
    expect(b.res.headers.getSetCookie().join()).not.toContain('iiniit_mfa');
    // Without the password the second-factor page only sends to sign-in.
    const stranger = await new Browser(t.url).get('/auth/mfa');
    expect(stranger.status).toBe(303);
    expect(stranger.headers.get('location')).toMatch(/^\/auth\/login/);
  });

  it('console: turning the authenticator off needs a recent second factor; audit and mail follow', async () => {
    const user = await createUser(t.app);
    const { secret } = await enrol(user);
    // A session that proved only the password (e.g. from before the factor existed).
    const signed = await signInAs(t.app, user.id);
    const browser = new Browser(t.url);
    for (const part of signed.cookie.split('; ')) {
      const [k, v] = part.split('=');
      browser.cookies.set(k, v);
    }
    const methods = await browser.get('/console/sign-in-methods');
    expect(methods.text).toContain('10</span> of 10 recovery codes left');
    const refused = await browser.post('/console/sign-in-methods/totp/disable', {
      csrf_token: csrfOf(methods),
    });
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe('/auth/mfa?return_to=%2Fconsole%2Fsign-in-methods');
    const stepUp = await browser.get(refused.headers.get('location')!);
    expect(stepUp.text).toContain('Confirm it’s you');
    const proven = await browser.submit(stepUp, { code: await codeAt(secret, 1) });
    expect(proven.status).toBe(303);
    expect((await sessionAmr(user.id)).at(-1)).toEqual(['pwd', 'otp', 'mfa']);

    const regenerated = await browser.post('/console/sign-in-methods/recovery-codes', {
      csrf_token: csrfOf(methods),
    });
    expect(regenerated.status).toBe(200);
    expect([...regenerated.text.matchAll(/<li><code>/g)]).toHaveLength(10);

    const off = await browser.post('/console/sign-in-methods/totp/disable', { csrf_token: csrfOf(methods) });
    expect(off.status).toBe(303);
    expect(off.headers.get('location')).toBe('/console/sign-in-methods?notice=disabled');
    const types: { type: string }[] = await t.app
      .get(DataSource)
      .query(`SELECT "type" FROM "audit_events" WHERE "user_id" = $1 ORDER BY "seq"`, [user.id]);
    expect(types.map((e) => e.type)).toEqual(
      expect.arrayContaining(['mfa.totp_enabled', 'mfa.recovery_codes_regenerated', 'mfa.totp_disabled']),
    );
    const subjects = t.app
      .get(DevOutbox)
      .list()
      .filter((m) => m.to === user.email)
      .map((m) => m.subject);
    expect(subjects).toEqual(
      expect.arrayContaining(['New recovery codes were made', 'A sign-in method was removed']),
    );
    // Off: the password alone signs in again.
    expect((await signInWithPassword(user)).res.headers.get('location')).toBe('/console');
  });

  it('deleting the account and a write:* API key need a recent second factor', async () => {
    const user = await createUser(t.app);
    const { secret } = await enrol(user);
    const browser = new Browser(t.url);
    const [name, value] = (await signInAs(t.app, user.id)).cookie.split('=');
    browser.cookies.set(name, value);
    const page = await browser.get('/console/api-keys/new');
    const csrf = csrfOf(page);

    const readOnly = await browser.post('/console/api-keys', {
      csrf_token: csrf,
      name: 'ro',
      scopes: 'read:user',
    });
    expect(readOnly.headers.get('location')).toMatch(/^\/console\/api-keys\?notice=created/);
    const writer = await browser.post('/console/api-keys', {
      csrf_token: csrf,
      name: 'rw',
      scopes: 'write:projects',
    });
    expect(writer.status).toBe(303);
    expect(writer.headers.get('location')).toBe('/auth/mfa?return_to=%2Fconsole%2Fapi-keys%2Fnew');
    const deletion = await browser.post('/console/account/delete', {
      csrf_token: csrf,
      password: user.password,
    });
    expect(deletion.status).toBe(303);
    expect(deletion.headers.get('location')).toBe('/auth/mfa?return_to=%2Fconsole%2Faccount%2Fdelete');

    const stepUp = await browser.get(deletion.headers.get('location')!);
    expect((await browser.submit(stepUp, { code: await codeAt(secret, 1) })).status).toBe(303);
    const created = await browser.post('/console/api-keys', {
      csrf_token: csrf,
      name: 'rw',
      scopes: 'write:projects',
    });
    expect(created.headers.get('location')).toMatch(/^\/console\/api-keys\?notice=created/);
    const deleted = await browser.post('/console/account/delete', {
      csrf_token: csrf,
      password: user.password,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.text).toContain('Your account was deleted');
  });

  describe('step-up with acr_values, seen by openid-client', () => {
    let config: oidc.Configuration;

    beforeAll(async () => {
      const app = await createClient(t.app, {
        name: 'Step-up RP',
        redirectUris: [CALLBACK],
        scopes: ['openid', 'profile', 'read:user'],
      });
      config = await oidc.discovery(
        new URL(t.config.issuer),
        app.clientId,
        {},
        oidc.ClientSecretBasic(app.clientSecret),
        { execute: [oidc.allowInsecureRequests] },
      );
    });

    /** authorize → (second factor) → consent → code → tokens, checked strictly by openid-client. */
    async function authorize(browser: Browser, extra: Record<string, string>, secret?: string) {
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        nonce,
        state,
        ...extra,
      });
      let res = await browser.get(url.href);
      let steppedUp = false;
      const done = (r: HttpResult): boolean => !!r.headers.get('location')?.startsWith(CALLBACK);
      for (let i = 0; i < 6 && !done(res); i++) {
        if (res.status === 303) {
          const location = res.headers.get('location')!;
          if (location.startsWith('/auth/mfa')) {
            steppedUp = true;
            const page = await browser.get(location);
            res = await browser.submit(page, { code: await codeAt(secret!, 1) });
          } else res = await browser.get(location);
        } else if (res.text.includes('action="/auth/consent"')) {
          res = await browser.submit(res, { decision: 'approve' });
        } else throw new Error(`unexpected page ${res.status}: ${res.text.slice(0, 300)}`);
      }
      expect(done(res)).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(res.headers.get('location')!), {
        pkceCodeVerifier: verifier,
        expectedNonce: nonce,
        expectedState: state,
        idTokenExpected: true,
      });
      return { tokens, steppedUp };
    }

    it('discovery lists the acr values', () => {
      expect(config.serverMetadata().acr_values_supported).toEqual([ACR_MFA, 'urn:iiniit:acr:1fa']);
    });

    it('a password-only session is asked for the factor; id_token and access token say acr mfa', async () => {
      const user = await createUser(t.app);
      const { secret } = await enrol(user);
      const browser = new Browser(t.url);
      const signed = await signInAs(t.app, user.id);
      const [name, value] = signed.cookie.split('=');
      browser.cookies.set(name, value);

      const weak = await authorize(browser, {});
      expect(weak.steppedUp).toBe(false);
      expect(weak.tokens.claims()).toMatchObject({ acr: 'urn:iiniit:acr:1fa', amr: ['pwd'] });

      const strong = await authorize(browser, { acr_values: ACR_MFA }, secret);
      expect(strong.steppedUp).toBe(true);
      const claims = strong.tokens.claims()!;
      expect(claims).toMatchObject({ sub: user.id, acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
      expect(claims.auth_time).toBeGreaterThanOrEqual(weak.tokens.claims()!.auth_time!);
      expect(decodeJwt(strong.tokens.access_token)).toMatchObject({
        acr: ACR_MFA,
        amr: ['pwd', 'otp', 'mfa'],
      });

      // Already strong: no second prompt.
      const again = await authorize(browser, { acr_values: ACR_MFA }, secret);
      expect(again.steppedUp).toBe(false);
      expect(again.tokens.claims()!.acr).toBe(ACR_MFA);
    });

    it('prompt=none with a weaker session: interaction_required; a user without a factor just signs in', async () => {
      const user = await createUser(t.app);
      await enrol(user);
      const browser = new Browser(t.url);
      const [name, value] = (await signInAs(t.app, user.id)).cookie.split('=');
      browser.cookies.set(name, value);
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        prompt: 'none',
        acr_values: ACR_MFA,
        state: 's',
      });
      const res = await browser.get(url.href);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('interaction_required');

      // OIDC Core §5.5.1.1: acr is a voluntary claim; without a factor the id_token tells the truth.
      const plain = await createUser(t.app);
      const b2 = new Browser(t.url);
      const [n2, v2] = (await signInAs(t.app, plain.id)).cookie.split('=');
      b2.cookies.set(n2, v2);
      const { tokens, steppedUp } = await authorize(b2, { acr_values: ACR_MFA });
      expect(steppedUp).toBe(false);
      expect(tokens.claims()!.acr).toBe('urn:iiniit:acr:1fa');
    });
  });
});

describe('REQUIRE_MFA=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      REQUIRE_MFA: 'true',
      RATE_LIMIT_KEY_PREFIX: `iiniit:rl:mfa-${randomUUID().slice(0, 8)}:`,
    });
  });
  afterAll(() => t?.close());

  it('a user without a second factor is sent to set one up at sign-in', async () => {
    const user = await createUser(t.app);
    const browser = new Browser(t.url);
    const page = await browser.get('/auth/login');
    const res = await browser.submit(page, { email: user.email, password: user.password });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in-methods?required=1');
    const methods = await browser.get(res.headers.get('location')!);
    expect(methods.text).toContain('requires two-step verification');
  });
});
