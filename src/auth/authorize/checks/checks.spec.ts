import type { ClientsService, ClientView } from '../../../clients/clients.service';
import type { AppConfig } from '../../../config/app-config';
import type { ResourcesService } from '../../../resources/resources.service';
import { AuthorizationPageError, InvalidAuthorizationRequest } from '../../auth.errors';
import type {
  AuthorizationCheckEnv,
  AuthorizationContext,
  AuthorizationParams,
} from '../authorization-request';
import { checkClient } from './check-client';
import { checkPkce } from './check-pkce';
import { checkRedirectUri } from './check-redirect-uri';
import { checkResponseType } from './check-response-type';
import { checkScope } from './check-scope';
import { checkState, MAX_STATE_LENGTH } from './check-state';
import { AUTHORIZATION_CHECKS } from './index';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function client(overrides: Partial<ClientView> = {}): ClientView {
  return {
    id: '00000000-0000-4000-8000-000000000000',
    clientId: 'iic_app',
    name: 'App',
    type: 'confidential',
    redirectUris: ['https://app.example/cb'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['read:user', 'read:projects'],
    postLogoutRedirectUris: [],
    idTokenSignedResponseAlg: 'ES256',
    ownerId: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  };
}

function env(found: ClientView | null = client(), requirePkce = false): AuthorizationCheckEnv {
  return {
    clients: { findActive: jest.fn().mockResolvedValue(found) } as unknown as ClientsService,
    config: { requirePkce } as AppConfig,
    resources: { find: jest.fn().mockResolvedValue(null) } as unknown as ResourcesService,
  };
}

/** Runs every check in order, as AuthorizationRequestService does. */
async function run(params: AuthorizationParams, e = env()): Promise<AuthorizationContext> {
  const ctx: AuthorizationContext = { params };
  for (const check of AUTHORIZATION_CHECKS) await check(ctx, e);
  return ctx;
}

const valid: AuthorizationParams = {
  response_type: 'code',
  client_id: 'iic_app',
  scope: 'read:user',
  state: 's',
};

async function failure(params: AuthorizationParams, e = env()): Promise<unknown> {
  return run(params, e).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('authorization request checks', () => {
  it('run in RFC 6749 §4.1.2.1 order: client, redirect_uri, state, response_type, scope, PKCE', () => {
    expect(AUTHORIZATION_CHECKS).toEqual([
      checkClient,
      checkRedirectUri,
      checkState,
      checkResponseType,
      checkScope,
      checkPkce,
    ]);
  });

  it('a valid request fills in client, redirect URI, state and scopes', async () => {
    const ctx = await run(valid);
    expect(ctx).toMatchObject({ redirectUri: 'https://app.example/cb', state: 's', scopes: ['read:user'] });
    expect(ctx.client?.clientId).toBe('iic_app');
  });

  it('no scope requested → the client registered scopes', async () => {
    expect((await run({ ...valid, scope: undefined })).scopes).toEqual(['read:user', 'read:projects']);
  });

  describe('client and redirect_uri errors are pages (never redirected)', () => {
    it.each<[string, AuthorizationParams, AuthorizationCheckEnv, string]>([
      ['missing client_id', { ...valid, client_id: undefined }, env(), 'invalid_request'],
      ['unknown client', valid, env(null), 'invalid_client'],
      [
        'unregistered redirect_uri',
        { ...valid, redirect_uri: 'https://app.example/cb/' },
        env(),
        'invalid_request',
      ],
      [
        'no redirect_uri with two registered',
        valid,
        env(client({ redirectUris: ['https://a.example/cb', 'https://b.example/cb'] })),
        'invalid_request',
      ],
    ])('%s', async (_name, params, e, code) => {
      const error = await failure({ ...params, response_type: 'token' }, e);
      expect(error).toBeInstanceOf(AuthorizationPageError);
      expect(error).toMatchObject({ code, status: 400 });
    });
  });

  describe('later errors are redirectable', () => {
    it.each<[string, AuthorizationParams, string]>([
      ['oversized state', { ...valid, state: 'x'.repeat(MAX_STATE_LENGTH + 1) }, 'invalid_request'],
      ['missing response_type', { ...valid, response_type: undefined }, 'invalid_request'],
      ['response_type=token', { ...valid, response_type: 'token' }, 'unsupported_response_type'],
      ['unknown scope', { ...valid, scope: 'read:user admin' }, 'invalid_scope'],
      ['scope not registered', { ...valid, scope: 'write:projects' }, 'invalid_scope'],
      [
        'plain PKCE',
        { ...valid, code_challenge: CHALLENGE, code_challenge_method: 'plain' },
        'invalid_request',
      ],
      [
        'malformed challenge',
        { ...valid, code_challenge: 'short', code_challenge_method: 'S256' },
        'invalid_request',
      ],
      ['method without challenge', { ...valid, code_challenge_method: 'S256' }, 'invalid_request'],
    ])('%s', async (_name, params, code) => {
      const error = await failure(params);
      expect(error).toBeInstanceOf(InvalidAuthorizationRequest);
      expect(error).toMatchObject({ code });
    });

    it('an oversized state is not kept for the error redirect; a valid one is', async () => {
      const ctx: AuthorizationContext = { params: { ...valid, state: 'x'.repeat(MAX_STATE_LENGTH + 1) } };
      expect(() => checkState(ctx, env())).toThrow(InvalidAuthorizationRequest);
      expect(ctx.state).toBeUndefined();
      const ok: AuthorizationContext = { params: { ...valid, state: 'keep' } };
      await checkState(ok, env());
      expect(ok.state).toBe('keep');
    });

    it('a client without the code grant → unauthorized_client', async () => {
      const error = await failure(valid, env(client({ grantTypes: ['client_credentials'] })));
      expect(error).toMatchObject({ code: 'unauthorized_client' });
    });

    it('public clients need PKCE; OAUTH_REQUIRE_PKCE extends that to every client', async () => {
      expect(await failure(valid, env(client({ type: 'public' })))).toMatchObject({
        code: 'invalid_request',
      });
      expect(await failure(valid, env(client(), true))).toMatchObject({ code: 'invalid_request' });
      const ctx = await run(
        { ...valid, code_challenge: CHALLENGE, code_challenge_method: 'S256' },
        env(client(), true),
      );
      expect(ctx.codeChallenge).toBe(CHALLENGE);
    });
  });
});
