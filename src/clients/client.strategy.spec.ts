import type { FastifyRequest } from 'fastify';

import type { ApiError } from '../platform/errors/api-error';
import { InvalidClient, InvalidRequest } from '../platform/errors/oauth-errors';
import { ClientStrategy } from './client.strategy';
import type { ClientsService, ClientView } from './clients.service';

function client(clientId: string, type: ClientView['type']): ClientView {
  return {
    id: `id-${clientId}`,
    clientId,
    name: clientId,
    type,
    redirectUris: ['https://app.example/cb'],
    postLogoutRedirectUris: [],
    idTokenSignedResponseAlg: 'ES256',
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    scopes: ['read:user'],
    ownerId: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

const SECRETS: Record<string, string> = { 'conf:app': 'right secret', 'pub/app': 'unused' };
const CLIENTS = new Map([
  ['conf:app', client('conf:app', 'confidential')],
  ['pub/app', client('pub/app', 'public')],
]);

function setup() {
  const clients = {
    findActive: jest.fn(async (id: string) => CLIENTS.get(id) ?? null),
    // Public clients hold no secret: verifySecret is false for them whatever is sent.
    verifySecret: jest.fn(
      async (id: string, secret: string) =>
        CLIENTS.get(id)?.type === 'confidential' && SECRETS[id] === secret,
    ),
  };
  const strategy = new ClientStrategy(clients as unknown as ClientsService);
  return { strategy, clients };
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined with ":" and base64-encoded. */
function basic(id: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

function request(authorization?: string): FastifyRequest {
  return { headers: authorization === undefined ? {} : { authorization } } as unknown as FastifyRequest;
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  return promise.then(
    () => {
      throw new Error('expected client authentication to fail');
    },
    (error: ApiError) => error,
  );
}

describe('ClientStrategy (RFC 6749 §2.3)', () => {
  it('authenticates client_secret_basic, form-decoding the id and secret', async () => {
    const { strategy } = setup();
    const result = await strategy.authenticateClient(request(basic('conf:app', 'right secret')), {});
    expect(result.method).toBe('client_secret_basic');
    expect(result.client.clientId).toBe('conf:app');
  });

  it('accepts a body client_id that repeats the Basic one', async () => {
    const { strategy } = setup();
    const result = await strategy.authenticateClient(request(basic('conf:app', 'right secret')), {
      client_id: 'conf:app',
    });
    expect(result.method).toBe('client_secret_basic');
  });

  it('authenticates client_secret_post', async () => {
    const { strategy } = setup();
    const result = await strategy.authenticateClient(request(), {
      client_id: 'conf:app',
      client_secret: 'right secret',
    });
    expect(result.method).toBe('client_secret_post');
    expect(result.client.clientId).toBe('conf:app');
  });

  it('lets a public client use "none" with its client_id alone', async () => {
    const { strategy, clients } = setup();
    const result = await strategy.authenticateClient(request(), { client_id: 'pub/app' });
    expect(result).toEqual({ client: CLIENTS.get('pub/app'), method: 'none' });
    expect(clients.verifySecret).not.toHaveBeenCalled();
  });

  it('refuses "none" for a confidential client', async () => {
    const { strategy } = setup();
    const error = await failure(strategy.authenticateClient(request(), { client_id: 'conf:app' }));
    expect(error).toBeInstanceOf(InvalidClient);
  });

  it('refuses basic and post in one request with invalid_request, before checking any secret', async () => {
    const { strategy, clients } = setup();
    const error = await failure(
      strategy.authenticateClient(request(basic('conf:app', 'right secret')), {
        client_id: 'conf:app',
        client_secret: 'right secret',
      }),
    );
    expect(error).toBeInstanceOf(InvalidRequest);
    expect(error.status).toBe(400);
    expect(clients.verifySecret).not.toHaveBeenCalled();
  });

  it('refuses a body client_id that differs from the Basic one', async () => {
    const { strategy, clients } = setup();
    const error = await failure(
      strategy.authenticateClient(request(basic('conf:app', 'right secret')), { client_id: 'pub/app' }),
    );
    expect(error).toBeInstanceOf(InvalidClient);
    expect(error.description).toBe('client_id does not match the credentials');
    expect(clients.verifySecret).not.toHaveBeenCalled();
  });

  it.each([
    ['client_secret_basic', () => request(basic('conf:app', 'wrong')), {}],
    ['client_secret_post', () => request(), { client_id: 'conf:app', client_secret: 'wrong' }],
  ])('answers a wrong secret (%s) with 401 invalid_client and a Basic challenge', async (_, req, params) => {
    const { strategy } = setup();
    const error = await failure(strategy.authenticateClient(req(), params));
    expect(error).toBeInstanceOf(InvalidClient);
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_client');
    expect(error.headers['WWW-Authenticate']).toMatch(/^Basic realm=/);
    // The same answer as for an unknown client: nothing tells which ids exist.
    expect(error.description).toBe('client authentication failed');
  });

  it('answers an unknown client like a wrong secret', async () => {
    const { strategy } = setup();
    const error = await failure(strategy.authenticateClient(request(basic('nobody', 'x')), {}));
    expect(error).toBeInstanceOf(InvalidClient);
    expect(error.description).toBe('client authentication failed');
  });

  it('refuses a secret for a public client', async () => {
    const { strategy } = setup();
    const error = await failure(
      strategy.authenticateClient(request(), { client_id: 'pub/app', client_secret: 'unused' }),
    );
    expect(error).toBeInstanceOf(InvalidClient);
  });

  it('refuses malformed Basic credentials and a request without any client', async () => {
    const { strategy } = setup();
    const malformed = await failure(strategy.authenticateClient(request('Basic !!!'), {}));
    expect(malformed).toBeInstanceOf(InvalidClient);
    expect(malformed.description).toBe('malformed Basic credentials');
    const none = await failure(strategy.authenticateClient(request(), {}));
    expect(none).toBeInstanceOf(InvalidClient);
    expect(none.description).toBe('client authentication required');
  });
});
