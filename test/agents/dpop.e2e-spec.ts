import { createHash, randomUUID } from 'node:crypto';

import { calculateJwkThumbprint, decodeJwt, exportJWK, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';

import { ClientsService } from '../../src/clients/clients.service';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http } from '../support/http';
import { authorizeInBrowser, basic, pkcePair } from '../support/oauth';

/**
 * RFC 9449 DPoP end to end with oauth4webapi as the client: DPoP-bound tokens from the token endpoint,
 * used on /v1/user with a proof per request, and every way a proof can be wrong.
 */
const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** A hand-made proof, for the cases oauth4webapi (rightly) never produces. */
async function proof(
  keys: Awaited<ReturnType<typeof oauth.generateKeyPair>>,
  claims: { htm: string; htu: string; ath?: string; jti?: string; iat?: number },
): Promise<string> {
  return new SignJWT({
    jti: claims.jti ?? randomUUID(),
    iat: claims.iat ?? Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
    .sign(keys.privateKey);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('DPoP (RFC 9449) with oauth4webapi', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let user: Awaited<ReturnType<typeof createUser>>;
  let publicApp: { clientId: string };
  let resourceServer: { clientId: string; clientSecret?: string };

  beforeAll(async () => {
    // Open dynamic registration, for the dpop_bound_access_tokens metadata.
    t = await bootApp({ DCR_MODE: 'open' });
    const issuer = new URL(t.config.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    user = await createUser(t.app);
    publicApp = await createClient(t.app, {
      type: 'public',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['read:user', 'read:projects', 'offline_access'],
    });
    resourceServer = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
  });
  afterAll(() => t.close());

  /** The code flow of a public client (PKCE) with a DPoP key: returns the token response and the key. */
  async function dpopTokens(keys: Awaited<ReturnType<typeof oauth.generateKeyPair>>) {
    const client: oauth.Client = { client_id: publicApp.clientId };
    const { verifier, challenge } = pkcePair();
    const q = await authorizeInBrowser(t.url, user, {
      response_type: 'code',
      client_id: publicApp.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user offline_access',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const params = oauth.validateAuthResponse(as, client, q, oauth.expectNoState);
    const DPoP = oauth.DPoP(client, keys);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      verifier,
      { DPoP, ...insecure },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    return { tokens, DPoP, client };
  }

  const userUrl = () => new URL(`${t.config.issuer}/v1/user`);

  it('advertises its proof algorithms in both metadata documents', async () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'RS256']);
    const resource = await http(`${t.url}/.well-known/oauth-protected-resource`);
    expect(resource.json.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'RS256']);
  });

  it('issues a DPoP-bound token (cnf.jkt) that works on /v1/user with a proof, and introspects with cnf', async () => {
    const keys = await oauth.generateKeyPair('ES256');
    const { tokens, DPoP } = await dpopTokens(keys);
    expect(tokens.token_type).toBe('dpop');
    const jkt = await calculateJwkThumbprint(await exportJWK(keys.publicKey), 'sha256');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });

    const response = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      userUrl(),
      undefined,
      undefined,
      { DPoP, ...insecure },
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { email: string }).email).toBe(user.email);

    const introspection = await http(`${t.url}/oauth2/introspect`, {
      method: 'POST',
      form: { token: tokens.access_token },
      headers: { authorization: basic(resourceServer.clientId, resourceServer.clientSecret!) },
    });
    expect(introspection.json).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt } });
  });

  it('refuses a bound token sent as Bearer, a replayed proof, wrong htm/htu, a missing ath and no proof', async () => {
    const keys = await oauth.generateKeyPair('ES256');
    const { tokens } = await dpopTokens(keys);
    const token = tokens.access_token;
    const get = (headers: Record<string, string>) => http(`${t.url}/v1/user`, { headers });

    const asBearer = await get({ authorization: `Bearer ${token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);

    const good = await proof(keys, { htm: 'GET', htu: `${t.config.issuer}/v1/user`, ath: ath(token) });
    expect((await get({ authorization: `DPoP ${token}`, dpop: good })).status).toBe(200);
    const replay = await get({ authorization: `DPoP ${token}`, dpop: good });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
    expect(replay.json.error_description).toMatch(/already used/);

    const cases: [string, Promise<string>][] = [
      ['htm', proof(keys, { htm: 'POST', htu: `${t.config.issuer}/v1/user`, ath: ath(token) })],
      ['htu', proof(keys, { htm: 'GET', htu: `${t.config.issuer}/v1/projects`, ath: ath(token) })],
      ['ath', proof(keys, { htm: 'GET', htu: `${t.config.issuer}/v1/user` })],
      ['too old', proof(keys, { htm: 'GET', htu: `${t.config.issuer}/v1/user`, ath: ath(token), iat: 1 })],
    ];
    for (const [what, made] of cases) {
      const res = await get({ authorization: `DPoP ${token}`, dpop: await made });
      expect([what, res.status, res.json.error]).toEqual([what, 401, 'invalid_dpop_proof']);
    }
    // A proof by another key, even a perfectly formed one, does not unlock the token.
    const other = await oauth.generateKeyPair('ES256');
    const stranger = await get({
      authorization: `DPoP ${token}`,
      dpop: await proof(other, { htm: 'GET', htu: `${t.config.issuer}/v1/user`, ath: ath(token) }),
    });
    expect(stranger.json.error).toBe('invalid_dpop_proof');
    const none = await get({ authorization: `DPoP ${token}` });
    expect([none.status, none.json.error]).toEqual([401, 'invalid_dpop_proof']);
  });

  it('binds a public client’s refresh token to the key: same key refreshes, another key or none cannot', async () => {
    const keys = await oauth.generateKeyPair('ES256');
    const { tokens, DPoP, client } = await dpopTokens(keys);
    expect(tokens.refresh_token).toBeDefined();

    const withoutProof = await http(`${t.url}/oauth2/token`, {
      method: 'POST',
      form: {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: client.client_id,
      },
    });
    expect(withoutProof.json.error).toBe('invalid_dpop_proof');
    const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
      DPoP: thief,
      ...insecure,
    });
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
        DPoP,
        ...insecure,
      }),
    );
    expect(refreshed.token_type).toBe('dpop');
    expect(decodeJwt(refreshed.access_token).cnf).toEqual(decodeJwt(tokens.access_token).cnf);
  });

  it('checks proofs at the token endpoint, and a DPoP-required client gets nothing without one', async () => {
    const service = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
      dpopBoundAccessTokens: true,
    });
    const client: oauth.Client = { client_id: service.clientId };
    const auth = oauth.ClientSecretBasic(service.clientSecret!);
    const bare = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: 'read:projects' },
      insecure,
    );
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { error: string }).error).toBe('invalid_dpop_proof');

    const keys = await oauth.generateKeyPair('ES256');
    const wrongHtu = await http(`${t.url}/oauth2/token`, {
      method: 'POST',
      form: { grant_type: 'client_credentials', scope: 'read:projects' },
      headers: {
        authorization: basic(service.clientId, service.clientSecret!),
        dpop: await proof(keys, { htm: 'POST', htu: `${t.config.issuer}/oauth2/other` }),
      },
    });
    expect(wrongHtu.json.error).toBe('invalid_dpop_proof');

    const DPoP = oauth.DPoP(client, keys);
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        auth,
        { scope: 'read:projects' },
        { DPoP, ...insecure },
      ),
    );
    expect(tokens.token_type).toBe('dpop');
    const projects = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      new URL(`${t.config.issuer}/v1/projects`),
      undefined,
      undefined,
      { DPoP, ...insecure },
    );
    // A client_credentials token never acts as a user; the point here is that the DPoP proof was accepted.
    expect(projects.status).not.toBe(401);
  });

  it('the console creates and edits DPoP-required apps', async () => {
    const owner = await createUser(t.app);
    const session = await signInAs(t.app, owner.id);
    const post = (path: string, form: Record<string, string>) =>
      http(`${t.url}${path}`, {
        method: 'POST',
        form: { csrf_token: session.csrf, ...form },
        headers: { cookie: session.cookie },
      });
    const form = {
      name: 'Bound',
      type: 'public',
      redirect_uris: 'https://bound.example.com/cb',
      scopes: 'read:user',
    };
    const created = await post('/console/apps', { ...form, dpop_bound_access_tokens: 'on' });
    expect(created.status).toBe(303);
    const id = /\/console\/apps\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1];
    const clients = t.app.get(ClientsService);
    expect((await clients.getById(id)).dpopBoundAccessTokens).toBe(true);
    const shown = await http(`${t.url}/console/apps/${id}`, { headers: { cookie: session.cookie } });
    expect(/<input[^>]*dpop_bound_access_tokens[^>]*>/.exec(shown.text)?.[0]).toMatch(/checked/);
    const edited = await post(`/console/apps/${id}`, { ...form });
    expect(edited.status).toBe(303);
    expect((await clients.getById(id)).dpopBoundAccessTokens).toBe(false);
  });

  it('DCR accepts and echoes dpop_bound_access_tokens', async () => {
    const registered = await http(`${t.url}/oauth2/register`, {
      method: 'POST',
      body: {
        redirect_uris: ['https://dcr.example.com/cb'],
        token_endpoint_auth_method: 'none',
        dpop_bound_access_tokens: true,
      },
    });
    expect(registered.status).toBe(201);
    expect(registered.json.dpop_bound_access_tokens).toBe(true);
    const bad = await http(`${t.url}/oauth2/register`, {
      method: 'POST',
      body: { redirect_uris: ['https://dcr.example.com/cb'], dpop_bound_access_tokens: 'yes' },
    });
    expect([bad.status, bad.json.error]).toEqual([400, 'invalid_client_metadata']);
  });
});

describe('DPoP server nonces (RFC 9449 §8)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ DPOP_REQUIRE_NONCE: 'true' });
  });
  afterAll(() => t.close());

  it('answers use_dpop_nonce with a DPoP-Nonce, and oauth4webapi retries with it', async () => {
    const issuer = new URL(t.config.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const service = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    const client: oauth.Client = { client_id: service.clientId };
    const auth = oauth.ClientSecretBasic(service.clientSecret!);
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const request = () =>
      oauth.clientCredentialsGrantRequest(
        as,
        client,
        auth,
        { scope: 'read:projects' },
        { DPoP, ...insecure },
      );
    const first = await request();
    expect(first.status).toBe(400);
    expect(first.headers.get('dpop-nonce')).toBeTruthy();
    let error: unknown;
    try {
      await oauth.processClientCredentialsResponse(as, client, first);
    } catch (e) {
      error = e;
    }
    expect(oauth.isDPoPNonceError(error)).toBe(true);
    const tokens = await oauth.processClientCredentialsResponse(as, client, await request());
    expect(tokens.token_type).toBe('dpop');
  });
});
