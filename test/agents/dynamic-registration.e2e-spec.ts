import { DataSource } from 'typeorm';

import { RegistrationService } from '../../src/clients/registration/registration.service';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, closeAll, type TestApp } from '../support/app';
import { runTs } from '../support/cli';
import { http } from '../support/http';
import { authorizeInBrowser, pkcePair, tokenRequest } from '../support/oauth';

const NATIVE = {
  client_name: 'Agent CLI',
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  scope: 'read:projects',
};

/** RFC 7591 dynamic registration and RFC 7592 management, over HTTP against PostgreSQL. */
describe('dynamic client registration (RFC 7591 / RFC 7592)', () => {
  let open: TestApp;
  let gated: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    open = await bootApp({ DCR_MODE: 'open', RATE_LIMIT_REGISTRATION_IP: '1000/1h' });
    // Own counters: with a shared Redis, open's many registrations would count against the others' limits.
    gated = await bootApp({
      DCR_MODE: 'initial-access-token',
      RATE_LIMIT_KEY_PREFIX: `dcr-gated-${Date.now()}:`,
    });
    off = await bootApp({ RATE_LIMIT_KEY_PREFIX: `dcr-off-${Date.now()}:` });
  });
  afterAll(() => closeAll(open, gated, off));

  const register = (t: TestApp, body: unknown, headers: Record<string, string> = {}) =>
    http(`${t.url}/oauth2/register`, { method: 'POST', body, headers });

  it('registers a public client (PKCE) that completes the code flow', async () => {
    const res = await register(open, NATIVE);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.json).toMatchObject({
      client_name: 'Agent CLI',
      redirect_uris: NATIVE.redirect_uris,
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'read:projects',
      registration_client_uri: `${open.url}/oauth2/register/${res.json.client_id}`,
    });
    expect(res.json.client_secret).toBeUndefined();
    expect(res.json.registration_access_token).toMatch(/^iirat_/);
    // Stored hashed: the token appears nowhere in the table.
    const rows = await open.app
      .get(DataSource)
      .query(`SELECT * FROM "oauth_clients" WHERE "client_id" = $1`, [res.json.client_id]);
    expect(JSON.stringify(rows)).not.toContain(res.json.registration_access_token);
    expect(rows[0].registration).toBe('dynamic');

    const user = await createUser(open.app);
    const { verifier, challenge } = pkcePair();
    const q = await authorizeInBrowser(open.url, user, {
      response_type: 'code',
      client_id: res.json.client_id,
      redirect_uri: NATIVE.redirect_uris[0],
      scope: 'read:projects',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const tokens = await tokenRequest(open.url, {
      grant_type: 'authorization_code',
      code: q.get('code')!,
      redirect_uri: NATIVE.redirect_uris[0],
      client_id: res.json.client_id,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);

    // The console marks it as self-registered, its name unverified.
    const session = await signInAs(open.app, user.id);
    const page = await http(`${open.url}/console/authorized-apps`, { headers: { cookie: session.cookie } });
    expect(page.text).toContain('Agent CLI');
    expect(page.text).toMatch(/name not verified by iiniit"\s*>dynamic<\/span/);
  });

  it('confidential registration returns a secret; web apps must use https redirects', async () => {
    const res = await register(open, {
      client_name: 'Web agent',
      redirect_uris: ['https://agent.example.com/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      logo_uri: 'https://agent.example.com/logo.png',
    });
    expect(res.status).toBe(201);
    expect(res.json.client_secret).toMatch(/^iics_/);
    expect(res.json.client_secret_expires_at).toBe(0);
    expect(res.json.logo_uri).toBe('https://agent.example.com/logo.png');
    const http_ = await register(open, { application_type: 'web', redirect_uris: ['http://127.0.0.1:9/cb'] });
    // Without application_type, loopback redirects make it a native app (as MCP clients register).
    expect((await register(open, { redirect_uris: ['http://127.0.0.1:9/cb'] })).status).toBe(201);
    expect(http_.status).toBe(400);
    expect(http_.json.error).toBe('invalid_redirect_uri');
  });

  it('refuses bad metadata with invalid_redirect_uri / invalid_client_metadata', async () => {
    const cases: [unknown, string][] = [
      [{ ...NATIVE, redirect_uris: [] }, 'invalid_redirect_uri'],
      [{ ...NATIVE, redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      [{ ...NATIVE, redirect_uris: ['http://evil.example.com/cb'] }, 'invalid_redirect_uri'],
      [{ ...NATIVE, redirect_uris: 'http://127.0.0.1/cb' }, 'invalid_redirect_uri'],
      [{ ...NATIVE, scope: 'manage:users' }, 'invalid_client_metadata'],
      [{ ...NATIVE, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
      [{ ...NATIVE, grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ ...NATIVE, response_types: ['token'] }, 'invalid_client_metadata'],
      [{ ...NATIVE, application_type: 'tv' }, 'invalid_client_metadata'],
      [{ ...NATIVE, logo_uri: 'http://x.example/logo.png' }, 'invalid_client_metadata'],
      [['not', 'an', 'object'], 'invalid_client_metadata'],
    ];
    for (const [body, error] of cases) {
      const res = await register(open, body);
      expect({ body, status: res.status, error: res.json?.error }).toEqual({ body, status: 400, error });
    }
  });

  it('RFC 7592: reads, updates (rotating the registration token) and deletes with the registration token', async () => {
    const created = (await register(open, NATIVE)).json;
    const uri = created.registration_client_uri as string;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    const read = await http(uri, { headers: auth(created.registration_access_token) });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ client_id: created.client_id, client_name: 'Agent CLI' });
    // RFC 7592 §3: echoed (only its hash is stored), unchanged by a read.
    expect(read.json.registration_access_token).toBe(created.registration_access_token);
    expect((await http(uri)).status).toBe(401);
    expect((await http(uri, { headers: auth('iirat_wrong') })).status).toBe(401);

    const updated = await http(uri, {
      method: 'PUT',
      headers: auth(created.registration_access_token),
      body: { ...NATIVE, client_id: created.client_id, client_name: 'Agent CLI 2' },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.client_name).toBe('Agent CLI 2');
    expect(updated.json.registration_access_token).toMatch(/^iirat_/);
    expect(updated.json.registration_access_token).not.toBe(created.registration_access_token);
    // The old token is rotated out.
    expect((await http(uri, { headers: auth(created.registration_access_token) })).status).toBe(401);
    const fresh = updated.json.registration_access_token as string;
    const badUpdate = await http(uri, {
      method: 'PUT',
      headers: auth(fresh),
      body: { ...NATIVE, redirect_uris: ['http://evil.example.com/'] },
    });
    expect(badUpdate.json.error).toBe('invalid_redirect_uri');

    // Another client's registration token does not open this one.
    const other = (await register(open, NATIVE)).json;
    expect((await http(uri, { headers: auth(other.registration_access_token) })).status).toBe(401);

    const deleted = await http(uri, { method: 'DELETE', headers: auth(fresh) });
    expect(deleted.status).toBe(204);
    expect((await http(uri, { headers: auth(fresh) })).status).toBe(401);
    const authorize = await http(
      `${open.url}/oauth2/authorize?response_type=code&client_id=${created.client_id}&redirect_uri=${encodeURIComponent(NATIVE.redirect_uris[0])}`,
    );
    expect(authorize.status).toBe(400);
  });

  it('DCR_MODE=off refuses and hides the endpoint from metadata; open advertises it', async () => {
    const res = await register(off, NATIVE);
    expect(res.status).toBe(403);
    const meta = await http(`${off.url}/.well-known/oauth-authorization-server`);
    expect(meta.json.registration_endpoint).toBeUndefined();
    const openMeta = await http(`${open.url}/.well-known/oauth-authorization-server`);
    expect(openMeta.json.registration_endpoint).toBe(`${open.url}/oauth2/register`);
  });

  it('DCR_MODE=initial-access-token: needs an operator-minted token, used once', async () => {
    expect((await register(gated, NATIVE)).status).toBe(401);
    const cli = await runTs('src/cli/admin.ts', ['registration:initial-token', '--ttl', '600']);
    expect(cli.code).toBe(0);
    const { initial_access_token: token } = JSON.parse(cli.stdout);
    expect(token).toMatch(/^iiiat_/);
    const ok = await register(gated, NATIVE, { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(201);
    const again = await register(gated, NATIVE, { authorization: `Bearer ${token}` });
    expect(again.status).toBe(401);
    expect(again.json.error).toBe('invalid_token');
  });

  it('is rate-limited per address', async () => {
    const limited = await bootApp({
      DCR_MODE: 'open',
      RATE_LIMIT_REGISTRATION_IP: '2/1h',
      RATE_LIMIT_KEY_PREFIX: `dcr-${Date.now()}:`,
    });
    try {
      expect((await register(limited, NATIVE)).status).toBe(201);
      expect((await register(limited, NATIVE)).status).toBe(201);
      const third = await register(limited, NATIVE);
      expect(third.status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('removes dynamic clients unused for 30 days', async () => {
    const stale = (await register(open, NATIVE)).json;
    const used = (await register(open, NATIVE)).json;
    const db = open.app.get(DataSource);
    await db.query(
      `UPDATE "oauth_clients" SET "created_at" = now() - interval '31 days' WHERE "client_id" = ANY($1)`,
      [[stale.client_id, used.client_id]],
    );
    const user = await createUser(open.app);
    const { challenge } = pkcePair();
    await authorizeInBrowser(open.url, user, {
      response_type: 'code',
      client_id: used.client_id,
      redirect_uri: NATIVE.redirect_uris[0],
      scope: 'read:projects',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    await open.app.get(RegistrationService).purgeUnused();
    const rows: { client_id: string; revoked: boolean }[] = await db.query(
      `SELECT "client_id", "revoked_at" IS NOT NULL AS revoked FROM "oauth_clients" WHERE "client_id" = ANY($1)`,
      [[stale.client_id, used.client_id]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.client_id, r.revoked]))).toEqual({
      [stale.client_id]: true,
      [used.client_id]: false,
    });
  });
});
