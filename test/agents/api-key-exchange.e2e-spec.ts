import { randomUUID } from 'node:crypto';

import { decodeJwt } from 'jose';

import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { TOKEN_EXCHANGE } from '../../src/clients/clients.service';
import { ResourcesService } from '../../src/resources/resources.service';
import { createApiKey } from '../factories/api-keys';
import { createClient } from '../factories/clients';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http } from '../support/http';
import { basic, codeFlowTokens, tokenRequest } from '../support/oauth';

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const API_KEY = 'urn:iiniit:params:oauth:token-type:api-key';

/** RFC 8693 token exchange: API key → short-lived JWT, and delegation with a narrower token. */
describe('token exchange (RFC 8693): API keys and delegation', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    t = await bootApp();
    user = await createUser(t.app);
  });
  afterAll(() => t.close());

  const keyExchange = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    tokenRequest(t.url, { grant_type: TOKEN_EXCHANGE, subject_token_type: API_KEY, ...form }, headers);
  const projects = (token: string) =>
    http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${token}` } });

  describe('API key → access token', () => {
    it('by the key alone: a ≤ 15 min JWT for the key’s user, saying it came from the key, that calls /v1/projects', async () => {
      const key = await createApiKey(t.app, user.id, { scopes: ['read:projects', 'read:user'] });
      const res = await keyExchange({ subject_token: key.key, scope: 'read:projects' });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        token_type: 'bearer',
        issued_token_type: ACCESS_TOKEN,
        scope: 'read:projects',
      });
      expect(res.json.refresh_token).toBeUndefined();
      expect(res.json.expires_in).toBeLessThanOrEqual(900);
      const claims = decodeJwt(res.json.access_token);
      expect(claims).toMatchObject({
        sub: user.id,
        client_id: `api_key:${key.id}`,
        act: { sub: `api_key:${key.id}` },
        scope: 'read:projects',
      });
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(900);
      expect((await projects(res.json.access_token)).status).toBe(200);

      // Without a scope: every scope of the key.
      const all = await keyExchange({ subject_token: key.key });
      expect(all.json.scope.split(' ').sort()).toEqual(['read:projects', 'read:user']);
    });

    it('never widens the key’s scopes and refuses bad or unknown keys', async () => {
      const key = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
      expect((await keyExchange({ subject_token: key.key, scope: 'write:projects' })).json.error).toBe(
        'invalid_scope',
      );
      const unknown = await keyExchange({ subject_token: 'iik_test_nope' });
      expect([unknown.status, unknown.json.error]).toEqual([400, 'invalid_grant']);
      expect((await keyExchange({})).json.error).toBe('invalid_request');
      const other = await keyExchange({ subject_token: key.key, requested_token_type: 'urn:x' });
      expect(other.json.error).toBe('invalid_request');
      const target = await keyExchange({ subject_token: key.key, audience: 'https://nowhere.example.com/' });
      expect(target.json.error).toBe('invalid_target');
    });

    it('revoking the key kills the tokens minted from it; rolling it too', async () => {
      const key = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
      const minted = (await keyExchange({ subject_token: key.key })).json.access_token as string;
      expect((await projects(minted)).status).toBe(200);
      await t.app.get(ApiKeysService).revoke(user.id, key.id);
      const refused = await projects(minted);
      expect([refused.status, refused.json.error]).toEqual([401, 'invalid_token']);
      expect((await keyExchange({ subject_token: key.key })).json.error).toBe('invalid_grant');

      const rolledKey = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
      const before = (await keyExchange({ subject_token: rolledKey.key })).json.access_token as string;
      const rolled = await t.app.get(ApiKeysService).roll(user.id, rolledKey.id);
      expect((await projects(before)).status).toBe(401);
      const fresh = await keyExchange({ subject_token: rolled.secret });
      expect((await projects(fresh.json.access_token)).status).toBe(200);
    });

    it('an instance that starts after the revocation refuses the minted tokens too (read from the keys table)', async () => {
      const key = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
      const minted = (await keyExchange({ subject_token: key.key })).json.access_token as string;
      const disabledKey = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
      const mintedByDisabled = (await keyExchange({ subject_token: disabledKey.key })).json
        .access_token as string;
      await t.app.get(ApiKeysService).revoke(user.id, key.id);
      await t.app.get(ApiKeysService).setDisabled(disabledKey.id, true);
      // A new instance (same issuer) never saw the change-feed messages: only its deny-list poll can know.
      const later = await bootApp({ ISSUER: t.url });
      try {
        const live = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
        const good = (await keyExchange({ subject_token: live.key })).json.access_token as string;
        const accepted = await http(`${later.url}/v1/projects`, {
          headers: { authorization: `Bearer ${good}` },
        });
        expect(accepted.status).toBe(200);
        for (const token of [minted, mintedByDisabled]) {
          const res = await http(`${later.url}/v1/projects`, {
            headers: { authorization: `Bearer ${token}` },
          });
          expect([res.status, res.json.error]).toEqual([401, 'invalid_token']);
        }
      } finally {
        await later.close();
      }
    });

    it('by a client allowed the grant: client_id is the client, act names the key; others are refused', async () => {
      const key = await createApiKey(t.app, user.id, { scopes: ['read:projects'] });
      const service = await createClient(t.app, {
        grantTypes: [TOKEN_EXCHANGE],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      const res = await keyExchange(
        { subject_token: key.key },
        { authorization: basic(service.clientId, service.clientSecret!) },
      );
      expect(res.status).toBe(200);
      expect(decodeJwt(res.json.access_token)).toMatchObject({
        sub: user.id,
        client_id: service.clientId,
        act: { sub: `api_key:${key.id}` },
      });
      expect((await projects(res.json.access_token)).status).toBe(200);

      const notAllowed = await createClient(t.app, { grantTypes: ['client_credentials'], redirectUris: [] });
      const refused = await keyExchange(
        { subject_token: key.key },
        { authorization: basic(notAllowed.clientId, notAllowed.clientSecret!) },
      );
      expect(refused.json.error).toBe('unauthorized_client');
      const badSecret = await keyExchange(
        { subject_token: key.key },
        { authorization: basic(service.clientId, 'wrong') },
      );
      expect(badSecret.json.error).toBe('invalid_client');
    });
  });

  describe('delegation', () => {
    let app: { clientId: string; clientSecret?: string };
    let resource: string;

    beforeAll(async () => {
      app = await createClient(t.app, {
        grantTypes: ['authorization_code', TOKEN_EXCHANGE],
        scopes: ['read:user', 'read:projects', 'write:projects'],
      });
      resource = `https://svc-${randomUUID().slice(0, 8)}.example.com/api`;
      await t.app
        .get(ResourcesService)
        .create({ uri: resource, name: 'Downstream', scopes: ['read:projects'] });
    });

    const delegate = (form: Record<string, string>, client = app) =>
      tokenRequest(
        t.url,
        { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN, ...form },
        { authorization: basic(client.clientId, client.clientSecret!) },
      );

    async function userToken(): Promise<string> {
      const res = await codeFlowTokens(t.url, user, app, 'read:user read:projects');
      expect(res.status).toBe(200);
      return res.json.access_token as string;
    }

    it('narrows the scope and names the client as actor', async () => {
      const subject = await userToken();
      const res = await delegate({ subject_token: subject, scope: 'read:projects' });
      expect(res.status).toBe(200);
      expect(res.json.issued_token_type).toBe(ACCESS_TOKEN);
      const claims = decodeJwt(res.json.access_token);
      expect(claims).toMatchObject({ sub: user.id, scope: 'read:projects', act: { sub: app.clientId } });
      expect(claims.grant_id).toBe(decodeJwt(subject).grant_id);
      expect((await projects(res.json.access_token)).status).toBe(200);
      const userApi = await http(`${t.url}/v1/user`, {
        headers: { authorization: `Bearer ${res.json.access_token}` },
      });
      expect(userApi.status).toBe(403);
    });

    it('targets a registered resource by resource or audience; an unknown audience is invalid_target', async () => {
      const subject = await userToken();
      for (const form of [{ resource }, { audience: resource }] as Record<string, string>[]) {
        const res = await delegate({ subject_token: subject, ...form });
        expect(res.status).toBe(200);
        expect(decodeJwt(res.json.access_token)).toMatchObject({ aud: resource, scope: 'read:projects' });
      }
      const unknown = await delegate({ subject_token: subject, audience: 'https://unknown.example.com/api' });
      expect([unknown.status, unknown.json.error]).toEqual([400, 'invalid_target']);
    });

    it('never widens: a scope beyond the subject token is invalid_scope', async () => {
      const subject = await userToken();
      const res = await delegate({ subject_token: subject, scope: 'read:projects write:projects' });
      expect([res.status, res.json.error]).toEqual([400, 'invalid_scope']);
    });

    it('refuses another client’s token and unknown token types (RFC 8693 §2.2.2 errors)', async () => {
      const subject = await userToken();
      const other = await createClient(t.app, {
        grantTypes: ['authorization_code', TOKEN_EXCHANGE],
        scopes: ['read:projects'],
      });
      const stolen = await delegate({ subject_token: subject }, other);
      expect([stolen.status, stolen.json.error]).toEqual([400, 'invalid_grant']);
      // Public clients are never allowed the grant (ClientsService refuses it at registration).
      const malformed = await delegate({ subject_token: subject, subject_token_type: 'urn:x' });
      expect(malformed.json.error).toBe('invalid_request');
    });
  });

  it('metadata lists the grant', async () => {
    const metadata = await http(`${t.url}/.well-known/oauth-authorization-server`);
    expect(metadata.json.grant_types_supported).toContain(TOKEN_EXCHANGE);
  });
});
