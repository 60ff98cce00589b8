import type { ClientView } from '../../../clients/clients.service';
import type { TokenRequest } from './grant-type';

/** Shared by the grant handlers' unit specs (excluded from the build, like the specs themselves). */
export const API = 'https://id.example/v1';

export function clientView(overrides: Partial<ClientView> = {}): ClientView {
  return {
    id: 'row-1',
    clientId: 'web',
    name: 'Web app',
    type: 'confidential',
    redirectUris: ['https://app.example/cb'],
    postLogoutRedirectUris: [],
    idTokenSignedResponseAlg: 'ES256',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'read:user', 'read:projects'],
    ownerId: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

/** A token request from `client` (Basic auth) with `params`, from a documentation address. */
export function tokenRequest(params: Record<string, string>, client: ClientView): TokenRequest {
  return { client, method: 'client_secret_basic', params, meta: { ip: '203.0.113.9' } };
}

/** ResourcesService stand-in: the built-in API is the audience and the scopes pass through unchanged. */
export function builtInResource() {
  return {
    targetFromGrant: jest.fn(async (_param: string | undefined, _granted: string[], scopes: string[]) => ({
      resource: { uri: API },
      scopes,
    })),
    targetForClient: jest.fn(
      async (_param: string | undefined, requested: readonly string[], clientScopes: readonly string[]) => ({
        resource: { uri: API },
        scopes: requested.length ? [...requested] : [...clientScopes],
      }),
    ),
  };
}
