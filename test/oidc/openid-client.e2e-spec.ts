import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';

import { SigningKey } from '../../src/tokens/keys/signing-key.entity';
import { SigningKeysService } from '../../src/tokens/keys/signing-keys.service';
import { createClient } from '../factories/clients';
import { createUser, uniqueEmail } from '../factories/users';
import { type IsolatedDatabase, isolatedDatabase } from '../jwt/support';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { runTs } from '../support/cli';
import { http, type HttpResult } from '../support/http';
import { type RunningServer, startServer } from '../support/server';

/**
 * "Sign in with iiniit" with openid-client (v6) as the relying party: it knows nothing but the issuer URL
 * and its client credentials, discovers everything else, and validates every id_token strictly (JWKS
 * signature, iss, aud, exp, nonce, at_hash). The browser half is test/support/browser.ts.
 *
 * On its own database: the RS256 client makes the key store create RSA keys, which other suites (sharing
 * the e2e database) rightly do not expect in an EC-only JWKS.
 */
const CALLBACK = 'https://rp.example.com/callback';
const SIGNED_OUT = 'https://rp.example.com/signed-out';
const insecure = { execute: [oidc.allowInsecureRequests] };

interface Rp {
  config: oidc.Configuration;
  clientId: string;
}

interface SignIn {
  location: URL;
  verifier: string;
  nonce: string;
  state: string;
}

describe('OpenID Connect with openid-client as relying party', () => {
  let db: IsolatedDatabase;
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;
  let es: Rp;
  let rs: Rp;

  async function relyingParty(alg: 'ES256' | 'RS256'): Promise<Rp> {
    const app = await createClient(t.app, {
      name: `RP ${alg}`,
      redirectUris: [CALLBACK],
      postLogoutRedirectUris: [SIGNED_OUT],
      scopes: ['openid', 'profile', 'email', 'read:user'],
      idTokenSignedResponseAlg: alg,
    });
    const config = await oidc.discovery(
      new URL(t.config.issuer),
      app.clientId,
      { id_token_signed_response_alg: alg },
      oidc.ClientSecretBasic(app.clientSecret),
      insecure,
    );
    return { config, clientId: app.clientId };
  }

  /** The browser half: authorize → (login) → (consent) → the redirect back to the RP. */
  async function signIn(
    rp: Rp,
    browser: Browser,
    extra: Record<string, string> = {},
  ): Promise<SignIn & { pages: HttpResult[] }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      ...extra,
    });
    const pages: HttpResult[] = [];
    let res = await browser.get(url.href);
    for (let i = 0; i < 4 && res.status === 200; i++) {
      pages.push(res);
      if (res.text.includes('action="/auth/login"')) {
        res = await browser.submit(res, { email: user.email, password: user.password });
        expect(res.status).toBe(303);
        res = await browser.get(res.headers.get('location')!);
      } else if (res.text.includes('action="/auth/consent"')) {
        res = await browser.submit(res, { decision: 'approve' });
      } else {
        throw new Error(`unexpected page: ${res.text.slice(0, 300)}`);
      }
    }
    expect([302, 303]).toContain(res.status);
    return { location: new URL(res.headers.get('location')!), verifier, nonce, state, pages };
  }

  function exchange(rp: Rp, s: SignIn, checks: Partial<oidc.AuthorizationCodeGrantChecks> = {}) {
    return oidc.authorizationCodeGrant(rp.config, s.location, {
      pkceCodeVerifier: s.verifier,
      expectedNonce: s.nonce,
      expectedState: s.state,
      idTokenExpected: true,
      ...checks,
    });
  }

  beforeAll(async () => {
    db = await isolatedDatabase();
    t = await bootApp({ DATABASE_URL: db.url });
    user = await createUser(t.app, { displayName: 'Ada Lovelace' });
    es = await relyingParty('ES256');
    rs = await relyingParty('RS256');
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('discovers the provider from the issuer URL alone', () => {
    const meta = es.config.serverMetadata();
    expect(meta.issuer).toBe(t.config.issuer);
    expect(meta.userinfo_endpoint).toBe(`${t.config.issuer}/oauth2/userinfo`);
    expect(meta.end_session_endpoint).toBe(`${t.config.issuer}/oauth2/logout`);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(meta.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256']);
    expect(meta.subject_types_supported).toEqual(['public']);
  });

  it('code + PKCE + nonce: a strictly validated id_token, userinfo, and a refresh with a new id_token', async () => {
    const browser = new Browser(t.url);
    const s = await signIn(es, browser);
    const tokens = await exchange(es, s);
    // openid-client has checked the signature (JWKS), iss, aud, exp, iat, nonce and at_hash.
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: t.config.issuer,
      sub: user.id,
      aud: es.clientId,
      azp: es.clientId,
      nonce: s.nonce,
      amr: ['pwd'],
      acr: 'urn:iiniit:acr:1fa',
    });
    expect(typeof claims.auth_time).toBe('number');
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.at_hash).toBe('string');
    // Never a token's secret inside the id_token.
    const idToken = tokens.id_token!;
    const payload = JSON.stringify(decodeJwt(idToken));
    expect(payload).not.toContain(tokens.access_token);
    expect(payload).not.toContain(tokens.refresh_token!);

    const info = await oidc.fetchUserInfo(es.config, tokens.access_token, claims.sub);
    expect(info).toEqual({
      sub: user.id,
      name: 'Ada Lovelace',
      updated_at: expect.any(Number),
      email: user.email,
      email_verified: false,
    });

    const refreshed = await oidc.refreshTokenGrant(es.config, tokens.refresh_token!);
    const again = refreshed.claims()!;
    expect(again.sub).toBe(claims.sub);
    expect(again.auth_time).toBe(claims.auth_time);
    expect(again.sid).toBe(claims.sid);
    expect(again.nonce).toBeUndefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('a client registered for RS256 gets RS256 id_tokens, verifiable against the published RSA key', async () => {
    const s = await signIn(rs, new Browser(t.url));
    const tokens = await exchange(rs, s);
    expect(tokens.claims()!.sub).toBe(user.id);
    const jwks = (await http(`${t.url}/.well-known/jwks.json`)).json as JSONWebKeySet;
    const rsa = jwks.keys.filter((k) => k.kty === 'RSA');
    expect(rsa.length).toBeGreaterThanOrEqual(1);
    for (const key of rsa) {
      expect(key).toMatchObject({ alg: 'RS256', use: 'sig' });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    }
    const { protectedHeader } = await jwtVerify(tokens.id_token!, createLocalJWKSet(jwks), {
      issuer: t.config.issuer,
      audience: rs.clientId,
    });
    expect(protectedHeader.alg).toBe('RS256');
    // Access tokens stay ES256 whatever the client chose for id_tokens.
    expect(decodeJwt(tokens.access_token).client_id).toBe(rs.clientId);
    expect(JSON.parse(Buffer.from(tokens.access_token.split('.')[0], 'base64url').toString()).alg).toBe(
      'ES256',
    );
  });

  it('RSA keys rotate with the EC keys: the old one stays published, new id_tokens use the new one', async () => {
    const kidOf = (jwt: string): string =>
      (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
    const before = kidOf((await exchange(rs, await signIn(rs, new Browser(t.url)))).id_token!);
    await t.app.get(SigningKeysService).rotateNow({ emergency: false });
    const after = kidOf((await exchange(rs, await signIn(rs, new Browser(t.url)))).id_token!);
    expect(after).not.toBe(before);
    const kids = ((await http(`${t.url}/.well-known/jwks.json`)).json as JSONWebKeySet).keys.map(
      (k) => k.kid,
    );
    expect(kids).toEqual(expect.arrayContaining([before, after]));
    const rows = await t.app.get(DataSource).getRepository(SigningKey).findBy({ alg: 'RS256' });
    expect(rows.filter((r) => r.status === 'active').map((r) => r.kid)).toEqual([after]);
    expect(rows.find((r) => r.kid === before)?.status).toBe('retired');
    expect(rows.filter((r) => r.status === 'next')).toHaveLength(1);
  });

  it('a nonce mismatch is caught by the client', async () => {
    const s = await signIn(es, new Browser(t.url));
    const error: unknown = await exchange(es, s, { expectedNonce: oidc.randomNonce() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    // openid-client wraps oauth4webapi's check, which names the claim it compared.
    const chain: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e.message);
    expect(chain.join(' | ')).toMatch(/"nonce" claim/);
  });

  it('prompt=none without a session: login_required at the redirect URI, never a page', async () => {
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(es.config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      prompt: 'none',
      state,
    });
    const res = await new Browser(t.url).get(url.href);
    expect(res.status).toBe(302);
    expect(res.text).toBe('');
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get('error')).toBe('login_required');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(t.config.issuer);
  });

  it('prompt=none with a session and remembered consent: a code without any page', async () => {
    const browser = new Browser(t.url);
    await signIn(es, browser);
    const s = await signIn(es, browser, { prompt: 'none' });
    expect(s.pages).toHaveLength(0);
    expect((await exchange(es, s)).claims()!.sub).toBe(user.id);
  });

  it('prompt=login signs the user in again even with a session; auth_time moves forward', async () => {
    const browser = new Browser(t.url);
    const first = await exchange(es, await signIn(es, browser));
    await new Promise((r) => setTimeout(r, 1100));
    const s = await signIn(es, browser, { prompt: 'login' });
    expect(s.pages.map((p) => p.text.includes('action="/auth/login"'))).toContain(true);
    const second = (await exchange(es, s)).claims()!;
    expect(second.auth_time!).toBeGreaterThan(first.claims()!.auth_time!);
  });

  it('max_age=0 forces a new sign-in, and auth_time is in the id_token', async () => {
    const browser = new Browser(t.url);
    await signIn(es, browser);
    await new Promise((r) => setTimeout(r, 1100));
    const s = await signIn(es, browser, { max_age: '0' });
    expect(s.pages.some((p) => p.text.includes('action="/auth/login"'))).toBe(true);
    const tokens = await exchange(es, s, { maxAge: 0 });
    expect(typeof tokens.claims()!.auth_time).toBe('number');
  });

  it('RP-initiated logout with id_token_hint ends the session and returns to the registered URI', async () => {
    const browser = new Browser(t.url);
    const tokens = await exchange(es, await signIn(es, browser));
    const state = oidc.randomState();
    const url = oidc.buildEndSessionUrl(es.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: SIGNED_OUT,
      state,
    });
    const res = await browser.get(url.href);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(SIGNED_OUT);
    expect(back.searchParams.get('state')).toBe(state);
    // The session is gone: prompt=none now answers login_required.
    const after = await signIn(es, browser, { prompt: 'none' }).catch((e: unknown) => e);
    expect(after).toMatchObject({ location: expect.any(URL) });
    expect((after as SignIn).location.searchParams.get('error')).toBe('login_required');
  });

  it("an id_token of client A as id_token_hint for client B's logout is refused", async () => {
    const browser = new Browser(t.url);
    const tokensA = await exchange(es, await signIn(es, browser));
    const url = oidc.buildEndSessionUrl(rs.config, {
      id_token_hint: tokensA.id_token!,
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expect(url.searchParams.get('client_id')).toBe(rs.clientId);
    const res = await browser.get(url.href);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain('carries a sign-in of another app');
    // Still signed in.
    expect((await signIn(es, browser, { prompt: 'none' })).location.searchParams.get('code')).toBeTruthy();
  });

  it('an unregistered post_logout_redirect_uri is never followed', async () => {
    const browser = new Browser(t.url);
    const tokens = await exchange(es, await signIn(es, browser));
    for (const uri of ['https://evil.example/', `${SIGNED_OUT}/x`, `${SIGNED_OUT}?a=1`]) {
      const url = oidc.buildEndSessionUrl(es.config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: uri,
      });
      const res = await browser.get(url.href);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.text).not.toContain('evil.example');
    }
  });
});

/**
 * The "done when" of the feature: a separately started server process (src/main.ts, as `npm start` runs
 * it), an app and a user registered with the admin CLI, and openid-client given nothing but the issuer URL
 * and the printed client credentials.
 */
describe('openid-client against a started server, configured from the issuer URL only', () => {
  let db: IsolatedDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    db = await isolatedDatabase();
    server = await startServer({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', WORKERS: '1', REDIS_URL: '' });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('signs a user in end to end', async () => {
    const cli = (args: string[]) => runTs('src/cli/admin.ts', args, { DATABASE_URL: db.url });
    const email = uniqueEmail('npm-start');
    expect((await cli(['user:create', '--email', email, '--password', 'a-long-cli-password'])).code).toBe(0);
    const created = await cli([
      'client:create',
      ...['--name', 'Started RP', '--type', 'confidential', '--redirect-uri', CALLBACK],
      ...['--scope', 'openid profile email', '--post-logout-redirect-uri', SIGNED_OUT],
    ]);
    expect(created.code).toBe(0);
    const { client_id: clientId, client_secret: secret } = JSON.parse(created.stdout.trim()) as {
      client_id: string;
      client_secret: string;
    };

    const config = await oidc.discovery(new URL(server.url), clientId, secret, undefined, insecure);
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    });
    const browser = new Browser(server.url);
    let res = await browser.get(url.href);
    res = await browser.submit(res, { email, password: 'a-long-cli-password' });
    res = await browser.get(res.headers.get('location')!);
    res = await browser.submit(res, { decision: 'approve' });
    expect(res.status).toBe(303);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(res.headers.get('location')!), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const { sub } = tokens.claims()!;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(info).toMatchObject({ sub, email, email_verified: false });
  }, 120_000);
});
